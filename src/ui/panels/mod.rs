//! The six panels, in the order a person works through them.

pub mod data;
pub mod evaluate;
pub mod export;
pub mod model;
pub mod predict;
pub mod train;
