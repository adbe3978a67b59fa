//! One file per request family; each turns a request into engine calls and its answer into
//! messages (through [`super::to_proto`]).

pub(super) mod attack;
pub(super) mod compare;
pub(super) mod counterfactual;
pub(super) mod data;
pub(super) mod export;
pub(super) mod groups;
pub(super) mod inside;
pub(super) mod model;
pub(super) mod predict;
pub(super) mod pretrain;
pub(super) mod speed;
pub(super) mod train;
