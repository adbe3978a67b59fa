//! The panels, in the order a person works through them: six to fine-tune, then Learn
//! (pre-training), Look inside (attention, embedding maps, word neighbours) Worth (what
//! pre-training and each remedy are worth, in labels) and Search (hyperparameters chosen on
//! the validation set).

pub mod compare;
pub mod counterfactual;
pub mod data;
pub mod evaluate;
pub mod export;
pub mod groups;
pub mod inside;
pub mod model;
pub mod predict;
pub mod pretrain;
pub mod search;
pub mod train;
