//! Activations written out from elementary tensor ops, so that autodiff differentiates them
//! exactly and no GPU is asked for `tanh` of a large number.
//!
//! Why not burn's own: on the cubecl backends (WebGPU, Vulkan, CUDA) burn 0.22 differentiates
//! exact GELU with the derivative of its *tanh approximation*, which calls
//! `tanh(0.0357 x³ + 0.798 x)`, and outside macOS cubecl emits WGSL's plain `tanh`. SwiftShader
//! (Chromium's WebGPU without a GPU) returns NaN for `tanh` of 89 and more, where `eˣ`
//! overflows, so GELU inputs above ~13 got NaN gradients. all-MiniLM-L6-v2 has such inputs in
//! its first layer: every fine-tuning step on SwiftShader failed (BENCHMARKS.md has the
//! bisection; tests/web.rs checks it). Written out, exact GELU's gradient is `Φ(x) + x φ(x)`
//! through `erf`'s derivative `exp(-x²)`, which only underflows to 0: the same formula as
//! PyTorch's and burn's Flex backend.

use std::f64::consts::FRAC_1_SQRT_2;

use burn::prelude::*;
use burn::tensor::activation;

/// Beyond this, `tanh` is ±1 in f32 (it rounds to 1 from about 9.01), so clamping to it changes
/// no value and only zeroes gradients that are below 1e-12 anyway.
const TANH_BOUND: f64 = 15.0;

/// `tanh(x)`, computed on `x` clamped to ±15: the same values in f32, and safe on GPUs whose
/// `tanh` overflows to NaN for large inputs.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    activation::tanh(x.clamp(-TANH_BOUND, TANH_BOUND))
}

/// Exact GELU, `x Φ(x) = x (1 + erf(x / √2)) / 2` (Hugging Face `gelu`).
///
/// On burn Flex without autodiff (inference on the CPU) this is Flex's own GELU, the same
/// arithmetic in one pass instead of five (patches/burn-flex: the same bits; in the browser four
/// lanes at a time). Training keeps the written-out form on every device: its gradient is the
/// one this module's header describes, and Flex's fused gradient is a scalar pass with no
/// SIMD128 form (19% of a native step at 16 x 128 when training took it by mistake, against a
/// few percent for the written-out form's vectorised passes; BENCHMARKS.md). burn's `Device`
/// equality ignores autodiff, hence the second condition.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device == Device::flex() && !device.is_autodiff() {
        return activation::gelu(x);
    }
    gelu_written_out(x)
}

/// [`gelu`] from elementary tensor ops, whose gradient autodiff takes exactly.
fn gelu_written_out<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let cdf = x
        .clone()
        .mul_scalar(FRAC_1_SQRT_2)
        .erf()
        .add_scalar(1.0)
        .mul_scalar(0.5);
    x * cdf
}

/// GELU's tanh approximation, `x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2` (Hugging Face
/// `gelu_new`, `gelu_pytorch_tanh`).
pub fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    let inner =
        (x.clone().powi_scalar(3).mul_scalar(0.044715) + x.clone()).mul_scalar(SQRT_2_OVER_PI);
    let cdf = tanh(inner).add_scalar(1.0).mul_scalar(0.5);
    x * cdf
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn inputs() -> Vec<f32> {
        (-60..=60).map(|i| i as f32 * 0.5).collect()
    }

    fn values(t: Tensor<1>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Φ(x) + x φ(x): the derivative of exact GELU.
    fn gelu_derivative(x: f64) -> f64 {
        let cdf = 0.5 * (1.0 + libm::erf(x * FRAC_1_SQRT_2));
        let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        cdf + x * pdf
    }

    #[test]
    fn written_out_activations_equal_burns() {
        let device = Device::flex();
        let xs = inputs();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device);
        let pairs = [
            (
                values(gelu_written_out(x.clone())),
                values(activation::gelu(x.clone())),
            ),
            (
                values(gelu_tanh(x.clone())),
                values(activation::gelu_approximate(x.clone())),
            ),
            (values(tanh(x.clone())), values(activation::tanh(x.clone()))),
        ];
        for (ours, burns) in pairs {
            for ((a, b), x) in ours.iter().zip(&burns).zip(&xs) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "x={x}: {a} vs {b}");
            }
        }
    }

    /// Inference on the CPU takes Flex's one-pass GELU (patches/burn-flex), training the
    /// written-out one: both give the same bits, on a contiguous tensor (in place and copying)
    /// and on a strided view, over a dense sweep with the edges.
    #[test]
    fn flex_gelu_is_the_written_out_one_bit_for_bit() {
        let n = 1 << 16;
        let mut xs: Vec<f32> = (0..n)
            .map(|i| -12.0 + 24.0 * i as f32 / (n - 1) as f32)
            .collect();
        xs.extend([0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30, f32::INFINITY]);
        let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let plain = Device::flex();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &plain);
        let written = bits(values(gelu_written_out(x.clone())));
        let shared = bits(values(gelu(x.clone())));
        assert_eq!(shared, written, "copying path");
        assert_eq!(bits(values(gelu(x))), written, "in-place path");
        let rows = Tensor::<2>::from_data(TensorData::new(xs[..n].to_vec(), [256, 256]), &plain);
        let strided = gelu(rows.clone().transpose()).transpose();
        let expected = gelu_written_out(rows);
        assert_eq!(
            bits(values(strided.reshape([n]))),
            bits(values(expected.reshape([n]))),
            "strided view"
        );
        let trained = Device::flex().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &trained);
        assert_eq!(bits(values(gelu(x))), written, "autodiff device");
    }

    /// Training differentiates the written-out form, not Flex's fused GELU gradient: on an
    /// autodiff device `gelu`'s gradient has the written-out form's bits (the fused one rounds
    /// differently, so this fails if training takes the inference path).
    #[test]
    fn training_differentiates_the_written_out_gelu() {
        let device = Device::flex().autodiff();
        let xs: Vec<f32> = (0..4096).map(|i| -8.0 + 16.0 * i as f32 / 4095.0).collect();
        let gradient = |f: fn(Tensor<1>) -> Tensor<1>| {
            let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device)
                .require_grad();
            let grads = f(x.clone()).sum().backward();
            let g = values(x.grad(&grads).unwrap());
            g.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        let fused = gradient(activation::gelu::<1>);
        let written = gradient(gelu_written_out);
        let fused_differ = fused.iter().zip(&written).filter(|(a, b)| a != b).count();
        assert!(
            fused_differ > 0,
            "the fused and written-out gradients round alike here, so this test tells nothing"
        );
        let got = gradient(gelu);
        let differ = got.iter().zip(&written).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{differ} of {} gradients differ", xs.len());
    }

    #[test]
    fn exact_gelu_gradient_is_phi_plus_x_pdf_even_for_large_inputs() {
        let device = Device::flex().autodiff();
        let xs = inputs();
        let x =
            Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device).require_grad();
        let grads = gelu(x.clone()).sum().backward();
        let got = values(x.grad(&grads).unwrap());
        for (g, x) in got.iter().zip(&xs) {
            let want = gelu_derivative(*x as f64) as f32;
            assert!(
                g.is_finite() && (g - want).abs() < 1e-5,
                "x={x}: {g} vs {want}"
            );
        }
    }

    /// Distance of `got` from the exact `want` in units of the last place of `want` in f32.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = (want as f32).abs();
        let spacing = f64::from(f32::from_bits(w.to_bits() + 1)) - f64::from(w);
        (f64::from(got) - want).abs() / spacing
    }

    /// burn Flex's f32 `erf` and `exp` are ours (patches/burn-flex: branch-free polynomials that
    /// vectorise, AVX2 chosen at run time): within 3 and 1 ulp of libm's f64 functions on a dense
    /// sweep, through the tensor API's in-place path (a unique tensor) and its copying path (a
    /// shared one).
    #[test]
    fn flex_erf_and_exp_are_within_a_few_ulp() {
        let device = Device::flex();
        let n = 1 << 20;
        for (name, lo, hi, op, exact, bound) in [
            (
                "erf",
                -5.0f64,
                5.0,
                Tensor::<1>::erf as fn(Tensor<1>) -> Tensor<1>,
                libm::erf as fn(f64) -> f64,
                3.0,
            ),
            ("exp", -103.0, 88.7, Tensor::<1>::exp, libm::exp, 1.0),
        ] {
            let xs: Vec<f32> = (0..n)
                .map(|i| (lo + (hi - lo) * i as f64 / (n - 1) as f64) as f32)
                .collect();
            let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device);
            let shared = values(op(x.clone()));
            let unique = values(op(x));
            assert_eq!(shared, unique, "{name}: in-place and copying paths differ");
            let (worst, at) = xs
                .iter()
                .zip(&unique)
                .map(|(&x, &got)| (ulps(got, exact(f64::from(x))), x))
                .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
            assert!(worst <= bound, "{name}({at}) is {worst} ulp off");
        }
    }
}
