//! One process drives an execution at a time.

mod support;

use std::sync::Arc;

use flow_engine::{EngineError, ExecutionStatus, Interrupt, MemoryStore, NewRun};
use serde_json::json;
use support::{Recorder, engine, holder};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_driver_is_refused_while_the_first_holds_the_lease() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let run = NewRun {
        definition_path: "gate.json".into(),
        definition_text: json!({
            "StartAt": "Gate",
            "States": {"Gate": {"Type": "Task", "Resource": "flow:test-gate", "End": true}}
        })
        .to_string(),
        input: json!({"x": 1}),
        name: Some("leased".into()),
        rollback_on_failure: false,
    };
    let first = engine(store.clone(), recorder.clone(), "first-host");
    let reached = recorder.gate_reached.notified();
    let running = tokio::spawn(async move { first.start(run, Interrupt::never()).await });
    reached.await;

    let second = engine(store.clone(), recorder.clone(), "second-host");
    match second.resume("leased", Interrupt::never()).await {
        Err(error @ EngineError::LeaseHeld { .. }) => {
            assert_eq!(error.exit_code(), 2);
            let EngineError::LeaseHeld {
                holder: held_by, ..
            } = &error
            else {
                unreachable!()
            };
            assert_eq!(held_by, &holder("first-host"));
            assert!(error.to_string().contains("first-host"), "{error}");
        }
        other => panic!("expected LeaseHeld, got {other:?}"),
    }
    assert!(matches!(
        second.rollback("leased", Interrupt::never()).await,
        Err(EngineError::LeaseHeld { .. })
    ));

    recorder.open_gate();
    let outcome = running.await.unwrap().unwrap();
    assert_eq!(
        outcome.status,
        ExecutionStatus::Succeeded {
            output: json!({"echo": {"x": 1}})
        }
    );
    // Released at the end: the second engine may act now (and finds nothing to resume).
    assert!(matches!(
        second.resume("leased", Interrupt::never()).await,
        Err(EngineError::NotResumable { .. })
    ));
}
