//! The panels, in the order a person works through them: six to fine-tune, then Learn
//! (pre-training) and Look inside (attention).

pub mod data;
pub mod evaluate;
pub mod export;
pub mod inside;
pub mod learn;
pub mod model;
pub mod predict;
pub mod train;
