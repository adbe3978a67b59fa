//! Forced-blueprint tests across the four lhs/rhs matrix-layout combinations.

use cubek_matmul::multi_level::{PartitionSize, StageSize};
use cubek_matmul::{
    multi_level::Strategy as MultiLevel, routine::BlueprintStrategy, strategy::Strategy,
};
use cubek_std::MatrixLayout;

use super::common::{client, default_tile_size, f16_elems, plane_blueprint, problem};
use crate::harness::test_matmul_strategy;

fn run_layouts(layouts: (MatrixLayout, MatrixLayout)) {
    let c = client();
    let p = problem(256, 256, 256, layouts, f16_elems());
    let bp = plane_blueprint(
        &c,
        &p,
        default_tile_size(),
        PartitionSize { m: 1, n: 1, k: 1 },
        StageSize { m: 2, n: 2, k: 1 },
    );
    test_matmul_strategy(
        c,
        p,
        MultiLevel::SimpleCyclicCmma(BlueprintStrategy::Forced(bp)).into(),
    );
}

#[test]
fn layout_row_row() {
    run_layouts((MatrixLayout::RowMajor, MatrixLayout::RowMajor));
}

#[test]
fn layout_row_col() {
    run_layouts((MatrixLayout::RowMajor, MatrixLayout::ColMajor));
}

#[test]
fn layout_col_row() {
    run_layouts((MatrixLayout::ColMajor, MatrixLayout::RowMajor));
}

#[test]
fn layout_col_col() {
    run_layouts((MatrixLayout::ColMajor, MatrixLayout::ColMajor));
}
