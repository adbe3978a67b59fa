//! `Speed`: the speed test on this device with the loaded model, one message per case timed,
//! cancellable between runs (`train::speed`, the code `anneal bench` runs).

use std::rc::Rc;

use super::super::outbox::post;
use super::super::outbox::sleep_ms;
use super::super::replica::{self, ReplicaWorker};
use super::super::state::{RunControl, Shared, device_of};
use crate::protocol::{FromWorker, RequestKind, WorkerMemory, setting_message};
use crate::shared::Adaptation;
use crate::shared::speed::{SpeedCase, Workload};
use crate::train::parallel::Peer;
use crate::train::speed::{SpeedError, time_case};
use crate::train::{Control, Hook};

struct Between(Rc<RunControl>, Option<ReplicaWorker>);

impl Control for Between {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(async move {
            // Outside the timed run: lets Cancel (and the UI's other requests) in.
            sleep_ms(0).await;
            self.0.proceed().await
        })
    }

    // Training steps are timed as training runs them: split with a second CPU worker where
    // there is one.
    fn peer(&mut self) -> Option<&mut dyn Peer> {
        self.1.as_mut().map(|p| p as &mut dyn Peer)
    }

    fn peer_failed(&mut self, why: String) {
        replica::lost(&why);
        self.1 = None;
    }
}

/// Times each case in turn with the loaded base model, posting each time; steps train what
/// `adaptation` says. Answers with what was left out and the worker's memory.
pub(in crate::worker) async fn run(
    session: &Shared,
    cases: Vec<SpeedCase>,
    adaptation: Adaptation,
) -> Result<FromWorker, String> {
    adaptation
        .validate(Some(base_layers(session)))
        .map_err(|e| setting_message(&e))?;
    let device = device_of(session)?;
    let base = session.borrow().base.clone().ok_or("load a model first")?;
    let run = Rc::new(RunControl::new(RequestKind::Speed));
    session.borrow_mut().run = Some(run.clone());
    // Cases longer than the model's positions are left out, and said so.
    let positions = base.files.config.max_len();
    let (cases, unfit): (Vec<_>, Vec<_>) =
        cases.into_iter().partition(|c| c.check(positions).is_ok());
    let skipped: Vec<String> = unfit
        .iter()
        .filter_map(|c| c.check(positions).err())
        .collect();
    let steps = cases.iter().any(|c| c.workload == Workload::Step);
    let peer = match replica::for_device(&device) {
        Some(Ok(worker)) if steps => Some(worker),
        _ => None,
    };
    let mut control = Between(run, peer);
    let mut stopped = None;
    for case in cases {
        let timed = time_case(
            &base.files.config,
            &base.files.weights,
            base.keep_layers,
            case,
            (&adaptation, None),
            &device,
            &mut control,
        )
        .await;
        match timed {
            Ok(timing) => post(&FromWorker::Timed { timing }, Vec::new()),
            Err(SpeedError::Cancelled) => {
                stopped = Some("cancelled".to_string());
                break;
            }
            Err(e) => return Err(format!("{}: {e}", case.describe())),
        }
    }
    let memory = WorkerMemory {
        wasm_bytes: wasm_memory_bytes(),
        device_reserved_bytes: device.memory_pool_usage().map(|u| u.bytes_reserved),
    };
    Ok(FromWorker::SpeedDone {
        stopped,
        skipped,
        memory,
        split_steps: control.1.is_some(),
    })
}

/// The size of this worker's WebAssembly memory, in bytes.
fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0, |b| b.byte_length() as u64)
        })
        .unwrap_or(0)
}

/// Layers of the loaded base model as kept (0 without one).
fn base_layers(session: &Shared) -> usize {
    session.borrow().base.as_ref().map_or(0, |b| {
        b.keep_layers
            .unwrap_or(b.files.config.num_hidden_layers)
            .min(b.files.config.num_hidden_layers)
    })
}
