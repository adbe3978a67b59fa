//! EXPERIMENT ONLY: lets a test force the unit routine's tiling and the strategy `Auto` picks.
use std::sync::Mutex;

#[derive(Clone, Copy, Debug)]
pub struct UnitTiling {
    pub tile: (u32, u32, u32),
    pub partition: (u32, u32, u32),
    pub num_plane: u32,
}

static UNIT: Mutex<Option<UnitTiling>> = Mutex::new(None);
static AUTO: Mutex<Option<crate::strategy::Strategy>> = Mutex::new(None);

pub fn set_unit(tiling: Option<UnitTiling>) {
    *UNIT.lock().unwrap() = tiling;
}
pub fn unit() -> Option<UnitTiling> {
    *UNIT.lock().unwrap()
}
pub fn set_auto(strategy: Option<crate::strategy::Strategy>) {
    *AUTO.lock().unwrap() = strategy;
}
pub fn auto() -> Option<crate::strategy::Strategy> {
    AUTO.lock().unwrap().clone()
}
