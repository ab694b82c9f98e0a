//! Task semantics (Retry, Catch, timeouts, data flow, Parallel/Map failures) as data:
//! `data/task_cases.json`, each a definition, an input and the expected end.

mod support;

use std::sync::Arc;

use flow_engine::{ExecutionStatus, Interrupt, MemoryStore, NewRun};
use serde_json::{Value, json};
use support::{Recorder, engine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_cases() {
    let cases: Vec<Value> = serde_json::from_str(&support::definition("task_cases.json")).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let recorder = Arc::new(Recorder::default());
        let engine = engine(Arc::new(MemoryStore::new()), recorder, "a");
        let run = NewRun {
            definition_path: "case.json".into(),
            definition_text: case["definition"].to_string(),
            input: case["input"].clone(),
            name: None,
            rollback_on_failure: false,
        };
        let outcome = engine.start(run, Interrupt::never()).await.unwrap();
        let expected = &case["expected"];
        let ok = match (&outcome.status, expected["status"].as_str().unwrap()) {
            (ExecutionStatus::Succeeded { output }, "SUCCEEDED") => output == &expected["output"],
            (ExecutionStatus::Failed { error, cause }, "FAILED") => {
                expected["error"] == json!(error)
                    && expected.get("cause").is_none_or(|c| c == &json!(cause))
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: got {:?}", case["name"], outcome.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Map iterations run concurrently: with MaxConcurrency 3, three gated tasks are in flight at
/// once before any of them may finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_iterations_are_in_flight_together() {
    let recorder = Arc::new(Recorder::default());
    let engine = engine(Arc::new(MemoryStore::new()), recorder.clone(), "a");
    let run = NewRun {
        definition_path: "map.json".into(),
        definition_text: json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 3, "End": true,
            "ItemProcessor": {"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "flow:test-gate", "End": true}}}}}})
        .to_string(),
        input: json!([1, 2, 3, 4]),
        name: None,
        rollback_on_failure: false,
    };
    let running = tokio::spawn(async move { engine.start(run, Interrupt::never()).await });
    while recorder.calls().len() < 3 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        recorder.calls().len(),
        3,
        "three iterations in flight, the fourth waits for a slot"
    );
    recorder.open_gate();
    let outcome = running.await.unwrap().unwrap();
    assert_eq!(
        outcome.status,
        ExecutionStatus::Succeeded {
            output: json!([{"echo": 1}, {"echo": 2}, {"echo": 3}, {"echo": 4}])
        }
    );
}

/// A handler that panics fails its step with `States.Runtime` (which no Catch swallows)
/// instead of leaving the driver waiting for an answer that never comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_the_step_instead_of_hanging() {
    struct Panics;
    impl flow_engine::TaskHandler for Panics {
        fn handles(&self, resource: &str) -> bool {
            resource == "flow:test-panic"
        }
        fn invoke(&self, _request: flow_engine::TaskRequest) -> flow_engine::TaskFuture {
            Box::pin(async { panic!("boom") })
        }
    }
    let engine = flow_engine::Engine::new(
        Arc::new(MemoryStore::new()),
        vec![Arc::new(Panics)],
        Arc::new(flow_engine::SystemClock),
        Arc::new(flow_engine::observer::Silent),
        flow_engine::EngineConfig::default(),
    );
    let run = NewRun {
        definition_path: "panic.json".into(),
        definition_text:
            json!({"StartAt": "P", "States": {"P": {"Type": "Task", "Resource": "flow:test-panic",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Succeed"}}})
            .to_string(),
        input: json!({}),
        name: None,
        rollback_on_failure: false,
    };
    let outcome = engine.start(run, Interrupt::never()).await.unwrap();
    match outcome.status {
        ExecutionStatus::Failed { error, cause } => {
            assert_eq!(error, "States.Runtime");
            assert!(cause.contains("panicked: boom"), "{cause}");
        }
        other => panic!("expected FAILED, got {other:?}"),
    }
}
