//! Dropout whose random numbers cost next to nothing on the CPU.
//!
//! burn's `Dropout` asks the backend for a Bernoulli tensor. On Flex (the CPU backend, natively
//! and in the browser without WebGPU) that is one ChaCha generator behind a lock, drawing an
//! `f64` per element on one thread, then two passes to multiply and scale, for every element
//! of every dropout (attention probabilities are most); what that cost a training step, and
//! what this saves, is in BENCHMARKS.md ("Dropout on the CPU"). Here, on Flex, each element's
//! keep/drop is a hash of (stream key, call number, block, index) — a counter-based generator
//! the compiler vectorises, so any element can be drawn without the ones before it — and the
//! mask carries the `1 / keep` scale, so the input is multiplied once. On GPUs burn's own dropout runs unchanged: its
//! random numbers are drawn by a kernel on the device.
//!
//! The stream is per thread (a training run lives on one; tests running side by side do not
//! share one) and [`seed`]ed by the training loops from the run's seed, so the same seed drops
//! the same elements.

use std::cell::Cell;

use burn::module::Module;
use burn::nn::DropoutConfig;
use burn::prelude::*;
use burn::tensor::TensorData;

use crate::shared::rng::Rng;

/// Elements drawn with one pair of keys; blocks keep every index inside a `u32`.
const BLOCK: usize = 1 << 20;

thread_local! {
    /// (stream key, calls drawn since it was seeded).
    static STREAM: Cell<(u64, u64)> = const { Cell::new((0x616E_6E65_616C_2121, 0)) };
}

/// Restarts this thread's dropout stream from `seed`: the masks that follow depend only on it.
pub fn seed(seed: u64) {
    STREAM.with(|s| s.set((splitmix64(seed ^ 0xD809_0E7A_11CE_5EED), 0)));
}

/// The next call's key, advancing the stream.
fn next_call_key() -> u64 {
    STREAM.with(|s| {
        let (key, call) = s.get();
        s.set((key, call.wrapping_add(1)));
        splitmix64(key ^ splitmix64(call))
    })
}

/// SplitMix64's output for `x`: a 64-bit bijective mix, the shared generator's first draw.
fn splitmix64(x: u64) -> u64 {
    Rng::new(x).next_u64()
}

/// A 32-bit bijective mix with full avalanche ("lowbias32", C. Wellons); 32-bit multiplies
/// vectorise on every SIMD target (AVX2, NEON, WebAssembly simd128).
#[inline(always)]
fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^ (x >> 16)
}

/// `n` mask values for one call: `scale` where an element is kept (with probability
/// `keep`), 0 where it is dropped. Each element depends only on its index, so the CLI fills
/// chunks on every thread and gets the same mask as one thread (the browser's worker).
fn mask(n: usize, keep: f64, scale: f32, call_key: u64) -> Vec<f32> {
    // P(h < threshold) = threshold / 2^32, within 2^-32 of `keep`.
    let threshold = (keep * 4_294_967_296.0).round().min(u32::MAX as f64) as u32;
    // `start` is the index of `values[0]`; a chunk never crosses a block (CHUNK divides BLOCK).
    let fill = |start: usize, values: &mut [f32]| {
        let keys = splitmix64(call_key ^ splitmix64((start / BLOCK) as u64));
        let (k0, k1) = (keys as u32, (keys >> 32) as u32);
        let first = (start % BLOCK) as u32;
        for (i, v) in (first..).zip(values.iter_mut()) {
            let h = mix32(mix32(i ^ k0).wrapping_add(k1));
            *v = if h < threshold { scale } else { 0.0 };
        }
    };
    const CHUNK: usize = 1 << 15;
    const _: () = assert!(BLOCK.is_multiple_of(CHUNK));
    let mut out = vec![0.0f32; n];
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, values)| fill(c * CHUNK, values));
    }
    #[cfg(not(feature = "parallel"))]
    for (c, values) in out.chunks_mut(CHUNK).enumerate() {
        fill(c * CHUNK, values);
    }
    out
}

/// Dropout: burn's (its settings, its training flag, its behaviour on GPUs), with the mask
/// drawn by [`mask`] on the CPU.
#[derive(Module, Debug)]
pub struct Dropout {
    /// burn's layer: the probability and whether it behaves as in training.
    pub inner: burn::nn::Dropout,
}

impl Dropout {
    /// Dropout with probability `prob` of zeroing each element.
    pub fn new(prob: f64) -> Self {
        Self {
            inner: DropoutConfig::new(prob).init(),
        }
    }

    /// Zeroes each element with probability `prob` and scales the rest by `1 / (1 - prob)`,
    /// while training on an autodiff device; the identity otherwise.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let device = input.device();
        let prob = self.inner.prob;
        if !self.inner.training.is_enabled() || !device.is_autodiff() || prob == 0.0 {
            return input;
        }
        if device.clone().inner() != Device::flex() {
            return self.inner.forward(input);
        }
        let keep = 1.0 - prob;
        let shape = input.shape();
        let values = mask(
            shape.num_elements(),
            keep,
            (1.0 / keep) as f32,
            next_call_key(),
        );
        let mask = Tensor::<D>::from_data(TensorData::new(values, shape), &device);
        input * mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_asked_fraction_with_the_right_scale_and_no_pattern() {
        let n = 3 * BLOCK + 12_345; // several blocks and a ragged end
        let values = mask(n, 0.9, 1.0 / 0.9, 77);
        let kept = values.iter().filter(|&&v| v != 0.0).count();
        // Binomial(n, 0.9): the standard deviation is ~530 here; 6 of them is never hit by chance.
        let expected = 0.9 * n as f64;
        assert!(
            (kept as f64 - expected).abs() < 6.0 * (n as f64 * 0.09).sqrt(),
            "{kept}"
        );
        assert!(
            values
                .iter()
                .all(|&v| v == 0.0 || v == (1.0f64 / 0.9) as f32)
        );
        // Neighbouring elements are independent: P(both dropped) is 0.01, not 0.1.
        let both = values
            .windows(2)
            .filter(|w| w[0] == 0.0 && w[1] == 0.0)
            .count();
        let expected = 0.01 * n as f64;
        assert!(
            (both as f64 - expected).abs() < 6.0 * (n as f64 * 0.0099).sqrt(),
            "{both}"
        );
        // Blocks draw different masks (the same index in two blocks agrees only by chance).
        let same = (0..BLOCK)
            .filter(|&i| (values[i] == 0.0) == (values[BLOCK + i] == 0.0))
            .count();
        let expected = 0.82 * BLOCK as f64; // 0.9² + 0.1²
        assert!(
            (same as f64 - expected).abs() < 6.0 * (BLOCK as f64 * 0.15).sqrt(),
            "{same}"
        );
    }

    /// The mask filled in chunks (on every thread in the CLI) is element for element the
    /// per-index formula, the same in the browser's one-thread worker; any change to the
    /// chunking that moved an element's hash would show here.
    #[test]
    fn chunked_masks_are_the_per_index_formula() {
        let (n, keep, key) = (2 * BLOCK + 40_000, 0.8, 0xABCD);
        let got = mask(n, keep, 1.25, key);
        let threshold = (keep * 4_294_967_296.0f64).round() as u32;
        for i in (0..n).step_by(997).chain([BLOCK - 1, BLOCK, n - 1]) {
            let keys = splitmix64(key ^ splitmix64((i / BLOCK) as u64));
            let (k0, k1) = (keys as u32, (keys >> 32) as u32);
            let h = mix32(mix32((i % BLOCK) as u32 ^ k0).wrapping_add(k1));
            let want = if h < threshold { 1.25 } else { 0.0 };
            assert_eq!(got[i], want, "element {i}");
        }
    }

    #[test]
    fn a_seed_gives_the_same_masks_and_calls_draw_new_ones() {
        let device = Device::flex().autodiff();
        let dropout = Dropout::new(0.5);
        let ones = || Tensor::<2>::ones([64, 64], &device);
        let draw = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
        seed(7);
        let (a, b) = (draw(dropout.forward(ones())), draw(dropout.forward(ones())));
        seed(7);
        assert_eq!(draw(dropout.forward(ones())), a);
        assert_ne!(a, b);
        assert!(a.iter().all(|&v| v == 0.0 || v == 2.0));
        let kept = a.iter().filter(|&&v| v == 2.0).count();
        assert!(
            (1800..2300).contains(&kept),
            "{kept} of 4096 kept at p = 0.5"
        );
        // Outside training (no autodiff device) it is the identity.
        let plain = Tensor::<2>::ones([4, 4], &Device::flex());
        assert!(draw(dropout.forward(plain)).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn gradients_flow_through_kept_elements_only() {
        let device = Device::flex().autodiff();
        let x = Tensor::<1>::ones([1000], &device).require_grad();
        seed(3);
        let y = Dropout::new(0.25).forward(x.clone());
        let grads = y.clone().sum().backward();
        let dx = x
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let y = y.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(dx, y, "d(sum)/dx is the mask itself");
    }
}
