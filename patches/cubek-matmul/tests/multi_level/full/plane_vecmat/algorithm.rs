mod simple_cyclic {
    use super::*;
    use super::launch_simple_cyclic as launch;

    include!("precision.rs");
}

mod double_buffering_cyclic {
    use super::*;
    use super::launch_double_buffering_cyclic as launch;

    include!("precision.rs");
}
