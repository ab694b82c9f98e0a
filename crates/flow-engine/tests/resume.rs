//! Resume, tested by cutting the history at every point (STYLE rule 13): run once without
//! interruption; then, for every k, let the store accept only k commits (the process "dies"
//! at the k+1-th), resume on a new engine over the same store, and expect the same output
//! and no completed task run again.

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use flow_engine::{
    EngineError, ExecutionStatus, Interrupt, MemoryStore, NewRun, StepStatus, Store,
};
use serde_json::{Value, json};
use support::{Recorder, definition, engine};

fn run(name: &str) -> NewRun {
    NewRun {
        definition_path: "workflows/resume.json".into(),
        definition_text: definition("resume_workflow.json"),
        input: json!({"seed": 7, "items": ["a", "b", "c", "d", "e"]}),
        name: Some(name.into()),
        rollback_on_failure: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_crash_at_every_commit() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let outcome = engine(store.clone(), recorder.clone(), "first")
        .start(run("whole"), Interrupt::never())
        .await
        .unwrap();
    let ExecutionStatus::Succeeded { output: expected } = outcome.status else {
        panic!("{:?}", outcome.status)
    };
    assert_eq!(
        expected["flaky"]["attempt"], 2,
        "the flaky task was retried"
    );
    assert_eq!(expected["fan"][1].as_array().map(Vec::len), Some(5));
    let commits = store.commits();
    assert!(commits > 3, "the run commits several times ({commits})");
    eprintln!("an uninterrupted run commits {commits} times; cutting after each");

    for k in 0..commits + 2 {
        let store = Arc::new(MemoryStore::new());
        let recorder = Arc::new(Recorder::default());
        store.refuse_commits_after(k);
        let first = engine(store.clone(), recorder.clone(), "first")
            .start(run("cut"), Interrupt::never())
            .await;
        let crashed = match first {
            Err(EngineError::Store(_)) => true,
            Ok(outcome) => {
                assert_eq!(
                    outcome.status,
                    ExecutionStatus::Succeeded {
                        output: expected.clone()
                    },
                    "k={k}"
                );
                false
            }
            Err(other) => panic!("k={k}: {other}"),
        };
        store.accept_commits();
        let id = store.find_execution("cut").unwrap().id;
        let at_crash = store.load(&id).unwrap();
        let completed: HashSet<u64> = at_crash
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    StepStatus::Succeeded {
                        parameters: Some(_),
                        ..
                    }
                )
            })
            .map(|s| s.id.0)
            .collect();
        let in_flight: HashSet<u64> = at_crash
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Running { .. }))
            .map(|s| s.id.0)
            .collect();
        let calls_before = recorder.calls().len();

        let second = engine(store.clone(), recorder.clone(), "second")
            .resume("cut", Interrupt::never())
            .await;
        if !crashed {
            assert!(
                matches!(second, Err(EngineError::NotResumable { .. })),
                "k={k}: {second:?}"
            );
            continue;
        }
        let outcome = second.unwrap_or_else(|e| panic!("k={k}: resume failed: {e}"));
        assert_eq!(
            outcome.status,
            ExecutionStatus::Succeeded {
                output: expected.clone()
            },
            "k={k}"
        );

        let after: Vec<_> = recorder.calls()[calls_before..].to_vec();
        for call in &after {
            assert!(
                !completed.contains(&call.step),
                "k={k}: completed step {} ({}) ran again",
                call.step,
                call.state
            );
            if in_flight.contains(&call.step) && call.attempt == at_attempt(&at_crash, call.step) {
                assert!(
                    call.recovering,
                    "k={k}: step {} was in flight and is re-sent as recovering",
                    call.step
                );
            }
        }
        // Every task step succeeded exactly once in the end, with a stable idempotency token.
        let state = store.load(&id).unwrap();
        for step in state.steps.iter().filter(|s| {
            matches!(
                s.status,
                StepStatus::Succeeded {
                    parameters: Some(_),
                    ..
                }
            )
        }) {
            let tokens: HashSet<String> = recorder
                .calls()
                .iter()
                .filter(|c| c.step == step.id.0)
                .map(|c| c.token.clone())
                .collect();
            assert_eq!(
                tokens.len(),
                1,
                "k={k}: step {} used one idempotency token",
                step.id
            );
        }
        let history = store.history(&id).unwrap();
        let ids: Vec<u64> = history.iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            (1..=ids.len() as u64).collect::<Vec<_>>(),
            "k={k}: event ids are 1.. without gaps"
        );
    }
}

fn at_attempt(state: &flow_engine::DurableState, step: u64) -> u32 {
    state
        .steps
        .iter()
        .find(|s| s.id.0 == step)
        .and_then(|s| match s.status {
            StepStatus::Running { attempt, .. } => Some(attempt),
            _ => None,
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_execution_is_redriven_from_its_failed_step() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let text = json!({
        "StartAt": "One",
        "States": {
            "One": {"Type": "Task", "Resource": "flow:test-echo", "Parameters": {"n": 1}, "ResultPath": "$.one", "Next": "Two"},
            "Two": {"Type": "Task", "Resource": "flow:test-flaky", "Parameters": {"n": 2}, "ResultPath": "$.two", "End": true}
        }
    })
    .to_string();
    let run = NewRun {
        definition_path: "redrive.json".into(),
        definition_text: text,
        input: json!({}),
        name: Some("redrive".into()),
        rollback_on_failure: false,
    };
    let first = engine(store.clone(), recorder.clone(), "a")
        .start(run, Interrupt::never())
        .await
        .unwrap();
    assert_eq!(
        first.status,
        ExecutionStatus::Failed {
            error: "Test.Transient".into(),
            cause: "first attempts fail".into()
        }
    );
    let second = engine(store.clone(), recorder.clone(), "a")
        .resume("redrive", Interrupt::never())
        .await
        .unwrap();
    // Redrive re-runs step Two with attempt numbering restarted; flaky fails attempt 1 again.
    assert!(matches!(second.status, ExecutionStatus::Failed { .. }));
    let record = store.find_execution("redrive").unwrap();
    assert_eq!(record.redrive_count, 1);
    let per_step = recorder.calls_per_step();
    assert_eq!(per_step[&1], 1, "the completed first step never ran again");
    assert_eq!(
        per_step[&2], 2,
        "the failed step ran again, under the same step id"
    );
    let history = store.history(&record.id).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == flow_engine::EventKind::ExecutionRedriven)
    );
    let _: Value = history.last().unwrap().details.clone();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_leaves_its_task_running_and_resume_finishes_it() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let text = json!({
        "StartAt": "Gate",
        "States": {"Gate": {"Type": "Task", "Resource": "flow:test-gate", "Parameters": {"n": 1}, "End": true}}
    })
    .to_string();
    let run = NewRun {
        definition_path: "gate.json".into(),
        definition_text: text,
        input: json!({}),
        name: Some("gated".into()),
        rollback_on_failure: false,
    };
    let (handle, interrupt) = flow_engine::Interrupt::new();
    let first = engine(store.clone(), recorder.clone(), "a");
    let reached = recorder.gate_reached.notified();
    let running = tokio::spawn(async move { first.start(run, interrupt).await });
    reached.await;
    handle.interrupt();
    let outcome = running.await.unwrap().unwrap();
    assert!(outcome.interrupted);
    assert_eq!(outcome.status, ExecutionStatus::Running);
    recorder.open_gate();
    let resumed = engine(store.clone(), recorder.clone(), "b")
        .resume("gated", Interrupt::never())
        .await
        .unwrap();
    assert_eq!(
        resumed.status,
        ExecutionStatus::Succeeded {
            output: json!({"echo": {"n": 1}})
        }
    );
    let calls = recorder.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].recovering && calls[1].step == calls[0].step);
}

/// A long run of deterministic states does not wait for a sync of each step, but it is not
/// one unbounded transaction either: the driver commits it in bounded groups. A crash after
/// any of those commits (even one that leaves a finished step without its successor) resumes
/// to the same output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_deterministic_run_commits_in_bounded_groups_and_resumes_from_each() {
    let run = |name: &str| NewRun {
        definition_path: "workflows/long.json".into(),
        definition_text: definition("long_deterministic_run.json"),
        input: json!({"count": 0, "items": (0..1100).collect::<Vec<_>>()}),
        name: Some(name.into()),
        rollback_on_failure: false,
    };
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let outcome = engine(store.clone(), recorder.clone(), "first")
        .start(run("whole"), Interrupt::never())
        .await
        .unwrap();
    let expected =
        json!({"count": 1200, "fan": {"count": 1100, "last": 2198}, "error": "Bench.Refused"});
    assert_eq!(
        outcome.status,
        ExecutionStatus::Succeeded {
            output: expected.clone()
        }
    );
    let commits = store.commits();
    let id = store.find_execution("whole").unwrap().id;
    let events = store.history(&id).unwrap().len();
    assert!(events > 9_000, "{events} events");
    assert!(
        (2..=6).contains(&commits),
        "{events} events in {commits} commits: grouped, and bounded"
    );

    for k in 1..commits {
        let store = Arc::new(MemoryStore::new());
        let recorder = Arc::new(Recorder::default());
        store.refuse_commits_after(k);
        let first = engine(store.clone(), recorder.clone(), "first")
            .start(run("cut"), Interrupt::never())
            .await;
        assert!(
            matches!(first, Err(EngineError::Store(_))),
            "k={k}: {first:?}"
        );
        store.accept_commits();
        let outcome = engine(store.clone(), recorder.clone(), "second")
            .resume("cut", Interrupt::never())
            .await;
        let outcome = outcome.unwrap_or_else(|e| panic!("k={k}: resume failed: {e}"));
        assert_eq!(
            outcome.status,
            ExecutionStatus::Succeeded {
                output: expected.clone()
            },
            "k={k}"
        );
    }
}
