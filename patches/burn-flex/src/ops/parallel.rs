//! Element-wise loops split across rayon's threads.
//!
//! Matrix products already run on every thread (through `gemm`); without this
//! the element-wise passes between them (GELU, dropout, residual adds, the
//! gradients' products) ran on one, which left half of a two-core machine idle
//! for about a third of a BERT training step. Each helper runs its closure on
//! consecutive chunks of [`PARALLEL_CHUNK`] elements, or once on the whole
//! slice when it is short or the `rayon` feature is off, so the closure sees
//! the same elements in the same order either way and results are identical.

use core::mem::MaybeUninit;

/// Elements per task when a loop is split (128 KiB of f32). Loops shorter than
/// two of these stay on the calling thread, where a task's start would cost
/// more than it saves.
pub(crate) const PARALLEL_CHUNK: usize = 1 << 15;

/// Runs `f(start, part)` on consecutive parts of `xs` of `part_len` elements
/// (the last one may be shorter), `start` being the index of the part's first
/// element in `xs`: on rayon's threads when there are at least two parts and
/// the `rayon` feature is on, otherwise once, on all of `xs` from 0. The one
/// place a loop is split; callers whose unit is a row pass a whole number of
/// rows as `part_len`.
#[inline]
pub(crate) fn for_parts_mut_at<A: Send>(
    xs: &mut [A],
    part_len: usize,
    f: impl Fn(usize, &mut [A]) + Sync,
) {
    #[cfg(feature = "rayon")]
    if part_len > 0 && xs.len() >= 2 * part_len {
        use rayon::prelude::*;
        xs.par_chunks_mut(part_len)
            .enumerate()
            .for_each(|(i, part)| f(i * part_len, part));
        return;
    }
    let _ = part_len;
    f(0, xs)
}

/// Runs `f(start, chunk)` on chunks of [`PARALLEL_CHUNK`] elements of `xs`
/// ([`for_parts_mut_at`]).
#[inline]
pub(crate) fn for_chunks_mut_at<A: Send>(xs: &mut [A], f: impl Fn(usize, &mut [A]) + Sync) {
    for_parts_mut_at(xs, PARALLEL_CHUNK, f)
}

/// Runs `f` on chunks of `xs`, in parallel when `xs` is long.
#[inline]
pub(crate) fn for_chunks_mut<A: Send>(xs: &mut [A], f: impl Fn(&mut [A]) + Sync) {
    for_chunks_mut_at(xs, |_, chunk| f(chunk))
}

/// Runs `f` on matching chunks of `dst` and `src` (the same length), in
/// parallel when they are long.
#[inline]
pub(crate) fn zip_chunks_mut<A: Send, B: Sync>(
    dst: &mut [A],
    src: &[B],
    f: impl Fn(&mut [A], &[B]) + Sync,
) {
    debug_assert_eq!(dst.len(), src.len());
    for_chunks_mut_at(dst, |start, d| f(d, &src[start..start + d.len()]))
}

/// A new vector of `len` elements, written by `f(start, chunk)` for chunks of
/// it (`start` as in [`for_chunks_mut_at`]), in parallel when `len` is large.
///
/// `f` must write every slot of the chunk it is given.
#[inline]
pub(crate) fn collect_chunks_at<A: Send>(
    len: usize,
    f: impl Fn(usize, &mut [MaybeUninit<A>]) + Sync,
) -> alloc::vec::Vec<A> {
    let mut out = alloc::vec::Vec::with_capacity(len);
    for_chunks_mut_at(&mut out.spare_capacity_mut()[..len], f);
    // SAFETY: `f` wrote every slot of every chunk of the first `len`.
    unsafe { out.set_len(len) };
    out
}

/// A new vector of `src.len()` elements, every one of them written by `f`
/// from the matching chunk of `src` ([`collect_chunks_at`]).
#[inline]
pub(crate) fn collect_chunks<A: Send, B: Sync>(
    src: &[B],
    f: impl Fn(&mut [MaybeUninit<A>], &[B]) + Sync,
) -> alloc::vec::Vec<A> {
    collect_chunks_at(src.len(), |start, d| f(d, &src[start..start + d.len()]))
}

#[cfg(test)]
mod tests {
    //! The split loops against the same arithmetic written out one element at a time, on sizes
    //! well past [`PARALLEL_CHUNK`] with ragged ends, so that (with the `rayon` feature) every
    //! path below runs on several threads.
    use alloc::vec::Vec;

    use burn_backend::DType;
    use burn_std::{Bytes, Shape};

    use super::PARALLEL_CHUNK;
    use crate::ops::{binary, matmul, reduce, unary};
    use crate::{FlexTensor, Layout};

    fn tensor(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
        FlexTensor::new(
            Bytes::from_elems(values),
            Layout::contiguous(Shape::from(shape.to_vec())),
            DType::F32,
        )
    }

    fn values(t: &FlexTensor) -> Vec<f32> {
        t.to_contiguous().storage::<f32>().to_vec()
    }

    /// Deterministic values in [-2, 2).
    fn ramp(n: usize, salt: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| {
                let h = (i ^ salt).wrapping_mul(0x9E37_79B9) >> 8;
                h as f32 / (1u32 << 22) as f32 - 2.0
            })
            .collect()
    }

    const N: usize = 5 * PARALLEL_CHUNK + 77;

    #[test]
    fn unary_in_place_and_copying_give_each_elements_own_result() {
        let xs = ramp(N, 1);
        let want: Vec<f32> = xs.iter().map(|&x| unary::exp_f32(x)).collect();
        // A unique tensor is mapped in place; a shared one into a new buffer.
        assert_eq!(values(&unary::exp(tensor(xs.clone(), &[N]))), want);
        let shared = tensor(xs, &[N]);
        let _keep = shared.clone();
        assert_eq!(values(&unary::exp(shared)), want);
    }

    #[test]
    fn binary_and_scalar_ops_give_each_elements_own_result() {
        let (a, b) = (ramp(N, 2), ramp(N, 3));
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y - y).collect();
        let op = |x: f32, y: f32| x * y - y;
        // Both operands shared: the allocating path.
        let (l, r) = (tensor(a.clone(), &[N]), tensor(b.clone(), &[N]));
        let (_l, _r) = (l.clone(), r.clone());
        assert_eq!(
            values(&binary::binary_op(l, r, op, |x, y| x * y - y, None)),
            want
        );
        // The left one unique: in place.
        let r = tensor(b.clone(), &[N]);
        let _r = r.clone();
        let got = binary::binary_op(tensor(a.clone(), &[N]), r, op, |x, y| x * y - y, None);
        assert_eq!(values(&got), want);
        let scaled: Vec<f32> = a.iter().map(|x| x * 0.5).collect();
        let got = binary::scalar_op(tensor(a, &[N]), 0.5, |x, s| x * s, |x, s| x * s);
        assert_eq!(values(&got), scaled);
    }

    #[test]
    fn broadcast_in_place_gives_each_elements_own_result() {
        let (rows, cols) = (3 * PARALLEL_CHUNK / 100 + 5, 100);
        let (a, bias) = (ramp(rows * cols, 4), ramp(cols, 5));
        let want: Vec<f32> = (0..rows * cols).map(|i| a[i] + bias[i % cols]).collect();
        let got = binary::binary_op(
            tensor(a, &[rows, cols]),
            tensor(bias, &[1, cols]),
            |x, y| x + y,
            |x, y| x + y,
            None,
        );
        assert_eq!(values(&got), want);
    }

    #[cfg(feature = "simd")]
    #[test]
    fn row_sums_are_each_rows_own_sum() {
        let (rows, cols) = (2 * PARALLEL_CHUNK / 128 + 9, 128);
        let xs = ramp(rows * cols, 6);
        let got = values(&reduce::sum_dim(tensor(xs.clone(), &[rows, cols]), 1));
        let one_thread = {
            let mut out = alloc::vec![0.0f32; rows];
            crate::simd::kernels::sum_rows_f32(&xs, &mut out, rows, cols);
            out
        };
        assert_eq!(got, one_thread);
        for (r, s) in got.iter().enumerate() {
            let exact: f64 = xs[r * cols..(r + 1) * cols].iter().map(|&x| x as f64).sum();
            assert!((*s as f64 - exact).abs() < 1e-3, "row {r}: {s} vs {exact}");
        }
    }

    #[test]
    fn matmul_writes_every_output_and_an_empty_inner_dimension_gives_zeros() {
        // Batched, with the right side broadcast over the batch, and plain 2D.
        let (b, m, k, n) = (3, 5, 7, 4);
        let (l, r) = (ramp(b * m * k, 7), ramp(k * n, 8));
        let got = values(&matmul::matmul(
            tensor(l.clone(), &[b, m, k]),
            tensor(r.clone(), &[1, k, n]),
        ));
        for bi in 0..b {
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k)
                        .map(|p| l[(bi * m + i) * k + p] as f64 * r[p * n + j] as f64)
                        .sum();
                    let g = got[(bi * m + i) * n + j] as f64;
                    assert!((g - want).abs() < 1e-4, "{bi},{i},{j}: {g} vs {want}");
                }
            }
        }
        let zeros = matmul::matmul(
            tensor(Vec::new(), &[2, 3, 0]),
            tensor(Vec::new(), &[2, 0, 4]),
        );
        assert_eq!(values(&zeros), alloc::vec![0.0f32; 24]);
        let zeros = matmul::matmul(tensor(Vec::new(), &[3, 0]), tensor(Vec::new(), &[0, 2]));
        assert_eq!(values(&zeros), alloc::vec![0.0f32; 6]);
    }
}
