//! What the browser tests (`tests/web.rs`) and the browser profiles (`bench/web_profile.rs`)
//! share: the worker's WebGPU device, started once; files from the runner's server; output
//! comparison; and counters of this worker's WebGPU calls. Each includer uses a part of it.

#![allow(dead_code)]

use std::cell::RefCell;

use burn::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

pub async fn gpu() -> Device {
    if let Some(device) = GPU.with(|d| d.borrow().clone()) {
        return device;
    }
    // Started as the worker starts it, so that the tests run the kernels users get.
    let (device, info) = anneal::worker::device::start(false).await;
    assert_eq!(
        info.kind,
        anneal::protocol::Backend::WebGpu,
        "WebGPU starts (Chromium needs --enable-unsafe-webgpu; see webdriver.json): {info:?}"
    );
    web_sys::console::log_1(&format!("WebGPU adapter: {info:?}").into());
    GPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    device
}

/// The largest absolute difference between two equally long outputs.
pub fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "outputs of different lengths");
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max)
}

/// A file from the test runner's server, which serves the crate's folder.
pub async fn fetch(path: &str) -> Vec<u8> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_str(path))
        .await
        .expect("fetch")
        .unchecked_into();
    assert!(
        response.ok(),
        "{path}: HTTP {} (run scripts/assets.py)",
        response.status()
    );
    let buffer = JsFuture::from(response.array_buffer().expect("a body"))
        .await
        .expect("the body");
    js_sys::Uint8Array::new(&buffer).to_vec()
}

/// Counts this worker's WebGPU calls by wrapping the prototypes' methods (on its first call,
/// i.e. at the first snapshot); returns the running totals. wgpu's bindings look each method
/// up on its object at every call, so every call after this is counted. A map for reading
/// (`mapAsync` with `GPUMapMode.READ`) is one buffer read back.
pub const GPU_CALLS: &str = r#"
if (!self.__annealGpuCalls) {
  const n = self.__annealGpuCalls = {dispatches: 0, submits: 0, readbacks: 0, read_bytes: 0,
    writes: 0, written_bytes: 0, buffers: 0, copies: 0, pipelines: 0};
  const wrap = (type, name, count) => {
    const f = type.prototype[name];
    type.prototype[name] = function (...a) { count(this, a); return f.apply(this, a); };
  };
  wrap(GPUComputePassEncoder, 'dispatchWorkgroups', () => n.dispatches++);
  wrap(GPUComputePassEncoder, 'dispatchWorkgroupsIndirect', () => n.dispatches++);
  wrap(GPUQueue, 'submit', () => n.submits++);
  wrap(GPUBuffer, 'mapAsync', (buf, a) => {
    if (a[0] & GPUMapMode.READ) { n.readbacks++; n.read_bytes += a[2] ?? buf.size - (a[1] ?? 0); }
  });
  wrap(GPUQueue, 'writeBuffer', (q, a) => {
    const unit = a[2].BYTES_PER_ELEMENT ?? 1;
    n.writes++;
    n.written_bytes += (a[4] ?? a[2].byteLength / unit - (a[3] ?? 0)) * unit;
  });
  wrap(GPUDevice, 'createBuffer', () => n.buffers++);
  wrap(GPUDevice, 'createComputePipeline', () => n.pipelines++);
  wrap(GPUCommandEncoder, 'copyBufferToBuffer', () => n.copies++);
}
return self.__annealGpuCalls;
"#;

/// One snapshot of the counters of [`GPU_CALLS`].
#[derive(Debug, Clone, Copy)]
pub struct GpuCalls([f64; 9]);

impl GpuCalls {
    const NAMES: [&str; 9] = [
        "dispatches",
        "submits",
        "readbacks",
        "read_bytes",
        "writes",
        "written_bytes",
        "buffers",
        "copies",
        "pipelines",
    ];

    pub fn now() -> GpuCalls {
        let counters = js_sys::Function::new_no_args(GPU_CALLS)
            .call0(&wasm_bindgen::JsValue::NULL)
            .expect("the WebGPU counters install");
        GpuCalls(Self::NAMES.map(|name| {
            js_sys::Reflect::get(&counters, &name.into())
                .ok()
                .and_then(|v| v.as_f64())
                .expect("a counter")
        }))
    }

    pub fn since(self, earlier: GpuCalls) -> GpuCalls {
        GpuCalls(std::array::from_fn(|i| self.0[i] - earlier.0[i]))
    }

    pub fn get(&self, name: &str) -> f64 {
        self.0[Self::NAMES
            .iter()
            .position(|n| *n == name)
            .expect("a counter's name")]
    }

    pub fn describe(&self) -> String {
        Self::NAMES
            .iter()
            .zip(self.0)
            .map(|(name, v)| format!("{name} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
