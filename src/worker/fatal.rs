//! Which failures mean the GPU device is gone, and what to tell a person when it is. Pure, so
//! it is tested natively; `entry` posts the result as [`crate::protocol::FromWorker::Fatal`].

/// Whether an error says the GPU device is gone: lost (driver reset, GPU process crash),
/// destroyed, out of memory, or poisoned by such an earlier failure. Nothing more can run on
/// it, so the worker must be replaced to get a new device.
pub fn device_failed(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "device is poisoned",
        "device lost",
        "device was lost",
        "instance reference no longer exists",
        "out of memory",
        "outofmemory",
        "destroyed",
    ]
    .iter()
    .any(|sign| lower.contains(sign))
}

/// Turns what a panic or a device error says into what a person can act on.
pub fn explain_fatal(message: &str) -> String {
    let lower = message.to_lowercase();
    let advice = if lower.contains("out of memory")
        || lower.contains("outofmemory")
        || lower.contains("allocation")
    {
        "The GPU ran out of memory. Try a smaller batch size, a shorter maximum length, or \
         keeping fewer layers."
    } else if lower.contains("lost") || lower.contains("poisoned") || lower.contains("instance") {
        "The GPU device was lost (the driver reset it, the browser's GPU process crashed, or the \
         tab was in the background too long). The worker restarts with a new device."
    } else {
        "The worker stopped on an internal error."
    };
    format!(
        "{advice} Every run's best epoch is saved in this browser as soon as it is found (Model \
         panel, saved models). Details: {message}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_or_exhausted_device_is_told_apart_from_other_errors() {
        assert!(device_failed(
            "wgpu error: Validation: The device is poisoned"
        ));
        assert!(device_failed("Parent device was lost"));
        assert!(device_failed("Buffer allocation failed: Out of memory"));
        assert!(!device_failed("the tokenizer failed on line 3"));
        assert!(explain_fatal("Device lost").starts_with("The GPU device was lost"));
        assert!(explain_fatal("OutOfMemory").starts_with("The GPU ran out of memory"));
        assert!(explain_fatal("index out of bounds").contains("Details: index out of bounds"));
    }
}
