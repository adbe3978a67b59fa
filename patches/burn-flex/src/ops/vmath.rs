//! Vectorisable f32 `exp` and `erf`, written once over [`Lanes`]: a plain
//! `f32` (which LLVM vectorises inside element loops where it vectorises
//! loops at all: opt-level 2 and up, not in size-optimised builds) and, on
//! wasm with SIMD128, [`F32x4`] (explicit 4-lane vectors, so a browser bundle
//! built for size still runs four elements at a time). Both use the same IEEE
//! operations in the same order and no fused multiply-add, so every target
//! gives the same bits.

#![allow(clippy::excessive_precision)]

/// What the two functions need of a group of f32 lanes and of the i32 lanes
/// that share its bits.
pub(crate) trait Lanes: Copy {
    type I: Copy;
    fn splat(x: f32) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn abs(self) -> Self;
    /// The magnitude of `self` with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// `if self < o { a } else { b }` lane by lane; a NaN lane takes `b`.
    fn select_lt(self, o: Self, a: Self, b: Self) -> Self;
    fn to_bits(self) -> Self::I;
    fn from_bits(i: Self::I) -> Self;
    fn isplat(x: i32) -> Self::I;
    fn iadd(a: Self::I, b: Self::I) -> Self::I;
    fn isub(a: Self::I, b: Self::I) -> Self::I;
    /// Arithmetic shift right by one.
    fn ishr1(a: Self::I) -> Self::I;
    fn ishl23(a: Self::I) -> Self::I;
}

impl Lanes for f32 {
    type I = i32;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::abs(self)
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        f32::copysign(self, sign)
    }
    #[inline(always)]
    fn select_lt(self, o: Self, a: Self, b: Self) -> Self {
        if self < o { a } else { b }
    }
    #[inline(always)]
    fn to_bits(self) -> i32 {
        f32::to_bits(self) as i32
    }
    #[inline(always)]
    fn from_bits(i: i32) -> Self {
        f32::from_bits(i as u32)
    }
    #[inline(always)]
    fn isplat(x: i32) -> i32 {
        x
    }
    #[inline(always)]
    fn iadd(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
    #[inline(always)]
    fn isub(a: i32, b: i32) -> i32 {
        a.wrapping_sub(b)
    }
    #[inline(always)]
    fn ishr1(a: i32) -> i32 {
        a >> 1
    }
    #[inline(always)]
    fn ishl23(a: i32) -> i32 {
        a << 23
    }
}

/// Horner's rule, highest coefficient first, without fused multiply-add.
#[inline(always)]
fn poly<L: Lanes>(x: L, coefficients: &[f32]) -> L {
    let mut p = L::splat(coefficients[0]);
    for &c in &coefficients[1..] {
        p = p.mul(x).add(L::splat(c));
    }
    p
}

/// Cephes' `expf` polynomial for exp(r) on |r| <= ln(2)/2.
const EXP_POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];

/// `exp(x)`: `2^n * exp(r)`, `n = round(x / ln 2)`, with `ln 2` split in two
/// so that `r = x - n ln 2` is exact. Overflows to `inf` above 88.72, goes
/// through the subnormals to 0 below -87.3 (the scale is applied in two
/// halves so that `2^n` for n down to -150 is never itself out of range), and
/// keeps NaN.
#[inline(always)]
pub(crate) fn exp<L: Lanes>(x: L) -> L {
    const LN2_HI: f32 = 0.693_359_4; // 0.693359375, exact in 9 bits
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // Selects rather than min/max, so that NaN stays NaN.
    let x = x.select_lt(L::splat(-104.0), L::splat(-104.0), x);
    let x = L::splat(88.8).select_lt(x, L::splat(88.8), x);
    let t = x.mul(L::splat(core::f32::consts::LOG2_E)).add(L::splat(ROUND));
    let n = L::isub(t.to_bits(), L::isplat(ROUND.to_bits() as i32));
    let nf = t.sub(L::splat(ROUND));
    let r = x.sub(nf.mul(L::splat(LN2_HI))).sub(nf.mul(L::splat(LN2_LO)));
    let y = poly(r, &EXP_POLY).mul(r.mul(r)).add(r).add(L::splat(1.0));
    let n1 = L::ishr1(n);
    let n2 = L::isub(n, n1);
    let bias = L::isplat(127);
    let s1 = L::from_bits(L::ishl23(L::iadd(n1, bias)));
    let s2 = L::from_bits(L::ishl23(L::iadd(n2, bias)));
    y.mul(s1).mul(s2)
}

/// Below this, `erf(x) = x P(x^2)`; above it, `erf(x) = 1 - exp(Q(x))`.
const ERF_SPLIT: f32 = 0.875;

/// `erf(x) / x` as a polynomial in `x^2` on [0, 0.875] (least squares on
/// Chebyshev nodes against mpmath, relative error).
const ERF_SMALL: [f32; 7] = [
    8.737_628e-5,
    -8.225_873_5e-4,
    5.208_075_5e-3,
    -2.686_214_4e-2,
    0.112_837_44,
    -0.376_126_38,
    1.128_379_2,
];

/// `ln(erfc(x))` as a polynomial in `x` on [0.875, 4] (least squares on
/// Chebyshev nodes against mpmath, weighted by `erfc(x)`: the error that
/// reaches `1 - erfc`).
const ERF_LARGE: [f32; 11] = [
    -3.807_809_3e-7,
    7.936_99e-6,
    -7.176_372e-5,
    3.503_147e-4,
    -7.862_872_4e-4,
    -1.503_912_1e-3,
    2.119_019_3e-2,
    -0.104_420_23,
    -0.635_770_14,
    -1.128_635_8,
    3.452_642_3e-5,
];

/// The error function. Both halves of the range are computed and one is
/// selected, so there are no branches; from |x| = 4 on, erf rounds to ±1 in
/// f32 and the argument is clamped there.
#[inline(always)]
pub(crate) fn erf<L: Lanes>(x: L) -> L {
    let a = x.abs();
    let a = L::splat(4.0).select_lt(a, L::splat(4.0), a);
    let small = a.mul(poly(a.mul(a), &ERF_SMALL));
    let large = L::splat(1.0).sub(exp(poly(a, &ERF_LARGE)));
    a.select_lt(L::splat(ERF_SPLIT), small, large).copysign(x)
}

/// Exact GELU, `x Φ(x)`, as `x ((erf(x / √2) + 1) / 2)` with `1 / √2` multiplied in, in
/// the order of Anneal's GELU written out from tensor ops (`src/model/activation.rs`), so
/// that one pass here gives the same bits as its five.
#[inline(always)]
pub(crate) fn gelu<L: Lanes>(x: L) -> L {
    let cdf = erf(x.mul(L::splat(core::f32::consts::FRAC_1_SQRT_2)))
        .add(L::splat(1.0))
        .mul(L::splat(0.5));
    x.mul(cdf)
}

/// `exp(x)` for f32, within 1 ulp.
#[inline]
pub fn exp_f32(x: f32) -> f32 {
    exp(x)
}

/// The error function for f32, within 3 ulp.
#[inline]
pub fn erf_f32(x: f32) -> f32 {
    erf(x)
}

/// Exact GELU for f32 ([`gelu`]).
#[inline]
pub fn gelu_f32(x: f32) -> f32 {
    gelu(x)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use wasm::{F32x4, exp_rows_f32, map_contiguous_f32};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::*;

    use burn_backend::DType;
    use burn_std::Bytes;

    use super::Lanes;
    use crate::{FlexTensor, Layout};

    /// Four f32 lanes in a WebAssembly SIMD128 vector.
    #[derive(Clone, Copy)]
    pub(crate) struct F32x4(v128);

    impl Lanes for F32x4 {
        type I = v128;
        #[inline(always)]
        fn splat(x: f32) -> Self {
            F32x4(f32x4_splat(x))
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            F32x4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        fn abs(self) -> Self {
            F32x4(f32x4_abs(self.0))
        }
        #[inline(always)]
        fn copysign(self, sign: Self) -> Self {
            let sign_bit = i32x4_splat(i32::MIN);
            F32x4(v128_bitselect(sign.0, self.0, sign_bit))
        }
        #[inline(always)]
        fn select_lt(self, o: Self, a: Self, b: Self) -> Self {
            F32x4(v128_bitselect(a.0, b.0, f32x4_lt(self.0, o.0)))
        }
        #[inline(always)]
        fn to_bits(self) -> v128 {
            self.0
        }
        #[inline(always)]
        fn from_bits(i: v128) -> Self {
            F32x4(i)
        }
        #[inline(always)]
        fn isplat(x: i32) -> v128 {
            i32x4_splat(x)
        }
        #[inline(always)]
        fn iadd(a: v128, b: v128) -> v128 {
            i32x4_add(a, b)
        }
        #[inline(always)]
        fn isub(a: v128, b: v128) -> v128 {
            i32x4_sub(a, b)
        }
        #[inline(always)]
        fn ishr1(a: v128) -> v128 {
            i32x4_shr(a, 1)
        }
        #[inline(always)]
        fn ishl23(a: v128) -> v128 {
            i32x4_shl(a, 23)
        }
    }

    /// `xs[i] = f(xs[i])`, four at a time, the last few through `scalar`.
    #[inline(always)]
    fn map(xs: &mut [f32], f: impl Fn(F32x4) -> F32x4, scalar: impl Fn(f32) -> f32) {
        let mut chunks = xs.chunks_exact_mut(4);
        for c in &mut chunks {
            let p = c.as_mut_ptr() as *mut v128;
            // SAFETY: `c` is four f32s (16 bytes); wasm loads and stores need no alignment.
            unsafe { v128_store(p, f(F32x4(v128_load(p))).0) };
        }
        for x in chunks.into_remainder() {
            *x = scalar(*x);
        }
    }

    /// `out[i] = f(src[i])`, four at a time, the last few through `scalar`.
    #[inline(always)]
    fn map_from(
        src: &[f32],
        out: &mut [f32],
        f: impl Fn(F32x4) -> F32x4,
        scalar: impl Fn(f32) -> f32,
    ) {
        let mut from = src.chunks_exact(4);
        let mut to = out.chunks_exact_mut(4);
        for (s, o) in (&mut from).zip(&mut to) {
            // SAFETY: `s` and `o` are four f32s (16 bytes) each; wasm loads and
            // stores need no alignment.
            unsafe {
                let v = f(F32x4(v128_load(s.as_ptr() as *const v128)));
                v128_store(o.as_mut_ptr() as *mut v128, v.0);
            }
        }
        for (s, o) in from.remainder().iter().zip(to.into_remainder()) {
            *o = scalar(*s);
        }
    }

    /// `f` over an f32 tensor whose storage is exactly its elements in order
    /// (in place if unique, else on a copy); any other tensor is handed back.
    pub(crate) fn map_contiguous_f32(
        mut tensor: FlexTensor,
        f: impl Fn(F32x4) -> F32x4,
        scalar: impl Fn(f32) -> f32,
    ) -> Result<FlexTensor, FlexTensor> {
        let layout = tensor.layout();
        let n = layout.num_elements();
        if tensor.dtype() != DType::F32
            || !layout.is_contiguous()
            || layout.start_offset() != 0
            || tensor.storage::<f32>().len() != n
        {
            return Err(tensor);
        }
        if tensor.is_unique() {
            map(&mut tensor.storage_mut::<f32>()[..n], f, scalar);
            return Ok(tensor);
        }
        let mut out = alloc::vec![0.0f32; n];
        map_from(&tensor.storage::<f32>()[..n], &mut out, f, scalar);
        let shape = tensor.layout().shape().clone();
        Ok(FlexTensor::new(
            Bytes::from_elems(out),
            Layout::contiguous(shape),
            DType::F32,
        ))
    }

    /// Softmax's exponentials: `output[i] = exp(input[i] - max)`.
    #[inline(always)]
    pub(crate) fn exp_rows_f32(input: &[f32], output: &mut [f32], max: f32) {
        let m = F32x4::splat(max);
        map_from(
            input,
            output,
            |v| super::exp(v.sub(m)),
            |x| super::exp(x - max),
        );
    }
}
