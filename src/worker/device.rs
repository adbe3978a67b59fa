//! WebGPU probing and device start-up, once per worker (burn's WebGPU runtime may be
//! initialised only once per page). Falls back to burn's Flex CPU backend, saying why.

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use burn::prelude::Device;

use crate::protocol::{Backend, BackendInfo};

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

/// What the browser's WebGPU adapter offers, or why there is none.
async fn probe() -> Result<BackendInfo, String> {
    let navigator = get(&js_sys::global(), "navigator");
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU (navigator.gpu is missing)".into());
    }
    let request = get(&gpu, "requestAdapter")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function".to_string())?;
    let promise: Promise = request
        .call0(&gpu)
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?
        .unchecked_into();
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(
            "WebGPU is present but offers no adapter (it may be disabled, or the GPU is \
                    blocklisted)"
                .into(),
        );
    }
    let info = get(&adapter, "info");
    let name: Vec<String> = ["vendor", "architecture", "device", "description"]
        .iter()
        .map(|k| text(&info, k))
        .filter(|s| !s.is_empty())
        .collect();
    let limits = get(&adapter, "limits");
    let features = get(&adapter, "features");
    let has_f16 = get(&features, "has")
        .dyn_into::<js_sys::Function>()
        .ok()
        .and_then(|has| has.call1(&features, &JsValue::from_str("shader-f16")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let fallback = get(&info, "isFallbackAdapter")
        .as_bool()
        .or_else(|| get(&adapter, "isFallbackAdapter").as_bool())
        .unwrap_or(false);
    Ok(BackendInfo {
        kind: Backend::WebGpu,
        adapter: if name.is_empty() {
            "unnamed adapter".into()
        } else {
            name.join(" / ")
        },
        fallback_reason: None,
        is_fallback_adapter: fallback,
        shader_f16: has_f16,
        max_buffer_size: get(&limits, "maxBufferSize").as_f64().unwrap_or(0.0) as u64,
        max_storage_binding: get(&limits, "maxStorageBufferBindingSize")
            .as_f64()
            .unwrap_or(0.0) as u64,
    })
}

fn cpu(reason: String) -> (Device, BackendInfo) {
    (
        Device::flex(),
        BackendInfo {
            kind: Backend::Cpu,
            adapter: "burn Flex (CPU, in WebAssembly; training steps on two workers where there are two cores)".into(),
            fallback_reason: Some(reason),
            ..Default::default()
        },
    )
}

/// Starts the device: WebGPU when the browser offers an adapter, else Flex on the CPU.
///
/// burn's WebGPU runtime requests the adapter's own limits (not the spec's defaults), so
/// models whose weight matrices exceed the default 128 MiB storage binding still fit.
pub async fn start(prefer_cpu: bool) -> (Device, BackendInfo) {
    if prefer_cpu {
        return cpu("the CPU was asked for (?backend=cpu)".into());
    }
    let info = match probe().await {
        Ok(info) => info,
        Err(reason) => return cpu(reason),
    };
    // On a software adapter the GPU's kernels run on this machine's CPU: matrix products then
    // take cubek's CPU routine (register blocks, no barriers), 2x the default routine's speed on
    // SwiftShader (BENCHMARKS.md, "Matrix products on a software adapter").
    cubek_matmul::strategy::set_kernels_run_on_cpu(info.is_fallback_adapter);
    match Device::wgpu_options().init_async().await {
        Ok(device) => (device, info),
        Err(e) => cpu(format!("starting WebGPU failed: {e}")),
    }
}
