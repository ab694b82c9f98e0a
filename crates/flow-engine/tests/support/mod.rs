//! What the engine's integration tests share: a recording task handler and engine set-up.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use flow_engine::observer::Silent;
use flow_engine::{
    Clock, Engine, EngineConfig, LeaseHolder, ManualClock, MemoryStore, Store, TaskError,
    TaskFuture, TaskHandler, TaskRequest,
};
use serde_json::{Value, json};

/// One call a handler received.
#[derive(Debug, Clone)]
pub struct Call {
    pub resource: String,
    pub step: u64,
    pub state: String,
    pub attempt: u32,
    pub recovering: bool,
    pub token: String,
    pub parameters: Value,
}

/// Resources under `flow:test-`:
/// - `flow:test-echo` returns `{"echo": <parameters>}`;
/// - `flow:test-flaky` fails with `Test.Transient` on attempt 1, then echoes;
/// - `flow:test-fail` always fails with `Test.Broken`;
/// - `flow:test-marker` adds `parameters.marker` to the marker set, returns `{"created": marker}`;
/// - `flow:test-unmark` removes `parameters.marker`; `Test.MarkerNotFound` when absent;
/// - `flow:test-gate` waits until [`Recorder::open_gate`], then echoes;
/// - `flow:test-hang` never returns.
#[derive(Default)]
pub struct Recorder {
    pub calls: Mutex<Vec<Call>>,
    pub markers: Mutex<BTreeSet<String>>,
    gate: tokio::sync::Notify,
    gate_open: std::sync::atomic::AtomicBool,
    pub gate_reached: tokio::sync::Notify,
}

impl Recorder {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn calls_per_step(&self) -> HashMap<u64, usize> {
        let mut counts = HashMap::new();
        for call in self.calls() {
            *counts.entry(call.step).or_default() += 1;
        }
        counts
    }

    pub fn open_gate(&self) {
        self.gate_open
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.gate.notify_waiters();
    }
}

pub struct TestHandler(pub Arc<Recorder>);

impl TaskHandler for TestHandler {
    fn handles(&self, resource: &str) -> bool {
        resource.starts_with("flow:test-")
    }

    fn invoke(&self, request: TaskRequest) -> TaskFuture {
        let recorder = self.0.clone();
        recorder.calls.lock().unwrap().push(Call {
            resource: request.resource.clone(),
            step: request.step.0,
            state: request.state.clone(),
            attempt: request.attempt,
            recovering: request.recovering,
            token: request.idempotency_token.clone(),
            parameters: request.parameters.clone(),
        });
        Box::pin(async move {
            let parameters = request.parameters;
            match request.resource.as_str() {
                "flow:test-echo" => Ok(json!({"echo": parameters})),
                "flow:test-flaky" if request.attempt == 1 => {
                    Err(TaskError::new("Test.Transient", "first attempts fail"))
                }
                "flow:test-flaky" => Ok(json!({"echo": parameters, "attempt": request.attempt})),
                "flow:test-fail" => Err(TaskError::new("Test.Broken", "this step always fails")),
                "flow:test-marker" => {
                    let marker = parameters["marker"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    recorder.markers.lock().unwrap().insert(marker.clone());
                    Ok(json!({"created": marker}))
                }
                "flow:test-unmark" => {
                    let marker = parameters["marker"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if recorder.markers.lock().unwrap().remove(&marker) {
                        Ok(json!({"removed": marker}))
                    } else {
                        Err(TaskError::new(
                            "Test.MarkerNotFound",
                            format!("no marker {marker}"),
                        ))
                    }
                }
                "flow:test-gate" => {
                    recorder.gate_reached.notify_one();
                    while !recorder.gate_open.load(std::sync::atomic::Ordering::SeqCst) {
                        let notified = recorder.gate.notified();
                        if recorder.gate_open.load(std::sync::atomic::Ordering::SeqCst) {
                            break;
                        }
                        notified.await;
                    }
                    Ok(json!({"echo": parameters}))
                }
                "flow:test-hang" => std::future::pending().await,
                other => Err(TaskError::new(
                    "Test.Unknown",
                    format!("unknown resource {other}"),
                )),
            }
        })
    }
}

pub fn start_time() -> time::OffsetDateTime {
    time::macros::datetime!(2024-01-01 00:00:00 UTC)
}

pub fn holder(name: &str) -> LeaseHolder {
    LeaseHolder {
        host: name.into(),
        pid: 1,
        process_start: 1,
    }
}

/// An engine on `store` whose sleeps complete at once.
pub fn engine(store: Arc<MemoryStore>, recorder: Arc<Recorder>, holder_name: &str) -> Engine {
    engine_with_clock(
        store,
        recorder,
        holder_name,
        Arc::new(ManualClock::instant(start_time())),
    )
}

pub fn engine_with_clock(
    store: Arc<MemoryStore>,
    recorder: Arc<Recorder>,
    holder_name: &str,
    clock: Arc<dyn Clock>,
) -> Engine {
    Engine::new(
        store as Arc<dyn Store>,
        vec![Arc::new(TestHandler(recorder))],
        clock,
        Arc::new(Silent),
        EngineConfig {
            seed: Some(42),
            holder: holder(holder_name),
            ..EngineConfig::default()
        },
    )
}

pub fn definition(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("test definition")
}
