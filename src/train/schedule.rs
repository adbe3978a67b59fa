//! The learning-rate schedule, a pure function of the step: linear warm-up, then linear decay
//! to zero, as `transformers.get_linear_schedule_with_warmup`.

/// Number of warm-up steps for a share of the total, rounded up as Hugging Face's Trainer does.
pub fn warmup_steps(total_steps: usize, warmup_ratio: f64) -> usize {
    (total_steps as f64 * warmup_ratio).ceil() as usize
}

/// The learning rate of the update made at `step` (0-based).
pub fn learning_rate(step: usize, total_steps: usize, warmup: usize, peak: f64) -> f64 {
    if step < warmup {
        return peak * step as f64 / warmup.max(1) as f64;
    }
    let remaining = total_steps.saturating_sub(step) as f64;
    peak * (remaining / (total_steps - warmup).max(1) as f64).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_zero() {
        let (total, peak) = (100, 1e-4);
        let warm = warmup_steps(total, 0.1);
        assert_eq!(warm, 10);
        assert_eq!(learning_rate(0, total, warm, peak), 0.0);
        assert!((learning_rate(5, total, warm, peak) - 5e-5).abs() < 1e-15);
        assert!((learning_rate(10, total, warm, peak) - peak).abs() < 1e-15);
        assert!((learning_rate(55, total, warm, peak) - 5e-5).abs() < 1e-15);
        assert_eq!(learning_rate(100, total, warm, peak), 0.0);
        assert_eq!(warmup_steps(7, 0.1), 1);
    }
}
