//! The only code that names a concrete device: burn's Flex backend on the CPU, or wgpu on a GPU.

pub mod readback;

use burn::prelude::Device;

/// Which device to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// A real GPU through wgpu when one exists, otherwise the CPU.
    Auto,
    /// burn's Flex backend on the CPU.
    Cpu,
    /// wgpu (Vulkan, Metal, DX12; Mesa's lavapipe on CPU-only Linux).
    Gpu,
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "gpu" | "wgpu" => Ok(Self::Gpu),
            other => Err(format!("unknown device \"{other}\" (auto, cpu or gpu)")),
        }
    }
}

/// A device that was picked, and how to describe it.
#[derive(Debug, Clone)]
pub struct Picked {
    /// The device for inference; call `.autodiff()` on it for training.
    pub device: Device,
    /// Backend and adapter, in words.
    pub description: String,
}

/// burn's CPU backend.
pub fn cpu() -> Picked {
    Picked {
        device: Device::flex(),
        description: "cpu (burn Flex)".into(),
    }
}

/// Picks a device natively. `Auto` takes wgpu only for an adapter that is not a CPU emulation.
#[cfg(all(feature = "cli", not(target_family = "wasm")))]
pub fn pick(choice: DeviceChoice) -> Result<Picked, String> {
    use burn::tensor::wgpu::wgpu;
    let adapter = || {
        let instance = wgpu::Instance::default();
        pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .ok()
        .map(|a| a.get_info())
    };
    match choice {
        DeviceChoice::Cpu => Ok(cpu()),
        DeviceChoice::Auto => match adapter() {
            Some(info) if info.device_type != wgpu::DeviceType::Cpu => gpu(&info),
            _ => Ok(cpu()),
        },
        DeviceChoice::Gpu => match adapter() {
            Some(info) => gpu(&info),
            None => Err(
                "no GPU adapter found (on Linux without a GPU, install Mesa's lavapipe: \
                         apt-get install mesa-vulkan-drivers)"
                    .into(),
            ),
        },
    }
}

#[cfg(all(feature = "cli", not(target_family = "wasm")))]
fn gpu(info: &burn::tensor::wgpu::wgpu::AdapterInfo) -> Result<Picked, String> {
    let device = Device::wgpu_options()
        .init()
        .map_err(|e| format!("could not start wgpu: {e}"))?;
    Ok(Picked {
        device,
        description: format!("gpu (wgpu {:?}: {})", info.backend, info.name),
    })
}
