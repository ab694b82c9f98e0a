//! Rollback: compensations run in reverse order of completion (concurrently where the steps
//! overlapped), treat "not found" as done, and a rollback cut short by a crash is finished
//! by the next one.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use flow_engine::{
    CompensationStatus, EngineError, EventKind, ExecutionStatus, Interrupt, MemoryStore, NewRun,
    Store,
};
use serde_json::json;
use support::{Recorder, definition, engine};

fn run(name: &str, rollback_on_failure: bool) -> NewRun {
    NewRun {
        definition_path: "workflows/rollback.json".into(),
        definition_text: definition("rollback_workflow.json"),
        input: json!({}),
        name: Some(name.into()),
        rollback_on_failure,
    }
}

/// The order in which markers were removed.
fn unmarked(recorder: &Recorder) -> Vec<String> {
    recorder
        .calls()
        .iter()
        .filter(|c| c.resource == "flow:test-unmark")
        .map(|c| c.parameters["marker"].as_str().unwrap().to_string())
        .collect()
}

fn position(order: &[String], marker: &str) -> usize {
    order
        .iter()
        .position(|m| m == marker)
        .unwrap_or_else(|| panic!("{marker} was not compensated: {order:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compensations_run_in_reverse_completion_order() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let engine = engine(store.clone(), recorder.clone(), "a");
    let outcome = engine
        .start(run("rb", false), Interrupt::never())
        .await
        .unwrap();
    assert!(
        matches!(outcome.status, ExecutionStatus::Failed { ref error, .. } if error == "Test.Broken")
    );
    assert_eq!(recorder.markers.lock().unwrap().len(), 7);

    let rolled = engine.rollback("rb", Interrupt::never()).await.unwrap();
    assert_eq!(rolled.status, ExecutionStatus::RolledBack);
    assert!(
        recorder.markers.lock().unwrap().is_empty(),
        "every marker was removed"
    );
    let order = unmarked(&recorder);
    assert_eq!(order.len(), 7);
    for i in 0..3 {
        assert!(
            position(&order, &format!("tag-{i}")) < position(&order, &format!("make-{i}")),
            "{order:?}"
        );
    }
    assert_eq!(
        order.last().map(String::as_str),
        Some("base"),
        "the first step is undone last"
    );

    let id = store.find_execution("rb").unwrap().id;
    let history = store.history(&id).unwrap();
    let kinds: Vec<EventKind> = history.iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&EventKind::RollbackStarted)
            && kinds.last() == Some(&EventKind::RollbackSucceeded)
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::CompensationSucceeded)
            .count(),
        7
    );

    // The general rule: B's compensation waits for that of every A entered after B finished.
    let state = store.load(&id).unwrap();
    let undone_at: HashMap<u64, u64> = history
        .iter()
        .filter(|e| e.kind == EventKind::CompensationSucceeded)
        .map(|e| (e.step.unwrap().0, e.id))
        .collect();
    let scheduled_at: HashMap<u64, u64> = history
        .iter()
        .filter(|e| e.kind == EventKind::CompensationScheduled)
        .map(|e| (e.step.unwrap().0, e.id))
        .collect();
    for b in state
        .steps
        .iter()
        .filter(|s| undone_at.contains_key(&s.id.0))
    {
        for a in state
            .steps
            .iter()
            .filter(|s| undone_at.contains_key(&s.id.0))
        {
            if a.entered_event > b.finished_event.unwrap() {
                assert!(
                    undone_at[&a.id.0] < scheduled_at[&b.id.0],
                    "step {} undone before step {}",
                    a.id,
                    b.id
                );
            }
        }
    }

    // Nothing left to do: a second rollback is a no-op, and the execution cannot be resumed.
    let again = engine.rollback("rb", Interrupt::never()).await.unwrap();
    assert_eq!(again.status, ExecutionStatus::RolledBack);
    assert!(matches!(
        engine.resume("rb", Interrupt::never()).await,
        Err(EngineError::NotResumable { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_cut_by_a_crash_is_finished_by_the_next() {
    for cut in 1..20 {
        let store = Arc::new(MemoryStore::new());
        let recorder = Arc::new(Recorder::default());
        let outcome = engine(store.clone(), recorder.clone(), "a")
            .start(run("rb", false), Interrupt::never())
            .await
            .unwrap();
        assert!(matches!(outcome.status, ExecutionStatus::Failed { .. }));

        store.refuse_commits_after(cut);
        let first = engine(store.clone(), recorder.clone(), "a")
            .rollback("rb", Interrupt::never())
            .await;
        match first {
            Err(EngineError::Store(_)) => {}
            Ok(outcome) if outcome.status == ExecutionStatus::RolledBack => {
                assert!(cut > 2, "a rollback commits more than twice");
                break; // the rollback needs no more commits than this
            }
            other => panic!("cut={cut}: {other:?}"),
        }
        store.accept_commits();
        let id = store.find_execution("rb").unwrap().id;
        let done_before: Vec<u64> = store
            .load(&id)
            .unwrap()
            .compensations
            .iter()
            .filter(|c| matches!(c.status, CompensationStatus::Succeeded { .. }))
            .map(|c| c.step.0)
            .collect();
        let calls_before = recorder.calls().len();

        let second = engine(store.clone(), recorder.clone(), "b")
            .rollback("rb", Interrupt::never())
            .await
            .unwrap();
        assert_eq!(second.status, ExecutionStatus::RolledBack, "cut={cut}");
        assert!(recorder.markers.lock().unwrap().is_empty(), "cut={cut}");
        for call in &recorder.calls()[calls_before..] {
            assert!(
                !done_before.contains(&call.step),
                "cut={cut}: compensation of step {} ran again",
                call.step
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_rollback_on_failure() {
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let outcome = engine(store.clone(), recorder.clone(), "a")
        .start(run("rb", true), Interrupt::never())
        .await
        .unwrap();
    assert_eq!(outcome.status, ExecutionStatus::RolledBack);
    assert_eq!(
        outcome.failure.as_ref().map(|f| f.0.as_str()),
        Some("Test.Broken")
    );
    assert!(recorder.markers.lock().unwrap().is_empty());
}

/// A step in flight when its process stopped has no result for its compensation to name:
/// the rollback first sends its task again as `recovering` (same idempotency token), records
/// it as succeeded with that result, and then compensates. The compensation here also has a
/// `Lookup`, whose result its Parameters read as `$.Lookup`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_flight_step_is_recovered_then_compensated_through_its_lookup() {
    let text = json!({
        "StartAt": "Base",
        "States": {
            "Base": {
                "Type": "Task", "Resource": "flow:test-marker", "Parameters": {"marker": "base"},
                "Compensate": {"Resource": "flow:test-unmark", "Parameters": {"marker.$": "$.Result.created"}},
                "ResultPath": "$.base", "Next": "Slow"
            },
            "Slow": {
                "Type": "Task", "Resource": "flow:test-gate", "Parameters": {"marker": "slow"},
                "Compensate": {
                    "Lookup": {"Resource": "flow:test-echo", "Parameters": {"found.$": "$.Result.echo.marker"}},
                    "Resource": "flow:test-unmark",
                    "Parameters": {"marker.$": "$.Lookup.echo.found"}
                },
                "End": true
            }
        }
    })
    .to_string();
    let run = NewRun {
        definition_path: "slow.json".into(),
        definition_text: text,
        input: json!({}),
        name: Some("slow".into()),
        rollback_on_failure: false,
    };
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let (handle, interrupt) = flow_engine::Interrupt::new();
    let first = engine(store.clone(), recorder.clone(), "a");
    let reached = recorder.gate_reached.notified();
    let running = tokio::spawn(async move { first.start(run, interrupt).await });
    reached.await;
    handle.interrupt();
    let outcome = running.await.unwrap().unwrap();
    assert!(outcome.interrupted);
    // What the lost attempt created, unknown to the execution's record.
    recorder.markers.lock().unwrap().insert("slow".into());
    recorder.open_gate();

    let rolled = engine(store.clone(), recorder.clone(), "b")
        .rollback("slow", Interrupt::never())
        .await
        .unwrap();
    assert_eq!(rolled.status, ExecutionStatus::RolledBack);
    assert!(
        recorder.markers.lock().unwrap().is_empty(),
        "left: {:?}",
        recorder.markers.lock().unwrap()
    );
    let calls = recorder.calls();
    let gates: Vec<_> = calls
        .iter()
        .filter(|c| c.resource == "flow:test-gate")
        .collect();
    assert_eq!(gates.len(), 2, "{calls:?}");
    assert!(
        gates[1].recovering && gates[1].token == gates[0].token,
        "sent again as recovering, same token"
    );
    let lookup = calls
        .iter()
        .position(|c| c.resource == "flow:test-echo")
        .expect("the lookup");
    let undo_slow = calls
        .iter()
        .position(|c| c.resource == "flow:test-unmark" && c.parameters["marker"] == "slow")
        .expect("undo slow");
    let undo_base = calls
        .iter()
        .position(|c| c.resource == "flow:test-unmark" && c.parameters["marker"] == "base")
        .expect("undo base");
    assert!(lookup < undo_slow && undo_slow < undo_base, "{calls:?}");

    let id = store.find_execution("slow").unwrap().id;
    let kinds: Vec<EventKind> = store.history(&id).unwrap().iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&EventKind::InFlightStepRecovering)
            && kinds.contains(&EventKind::InFlightStepRecovered)
    );
    // The recovered step is durable: a second rollback has nothing left to do.
    let again = engine(store.clone(), recorder.clone(), "c")
        .rollback("slow", Interrupt::never())
        .await;
    assert!(
        matches!(again, Err(EngineError::NotResumable { .. })) || again.is_ok(),
        "{again:?}"
    );
}

/// A compensation whose `Lookup` answers "not found" has nothing left to undo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_finds_nothing_means_nothing_to_undo() {
    let text = json!({
        "StartAt": "Make",
        "States": {
            "Make": {
                "Type": "Task", "Resource": "flow:test-marker", "Parameters": {"marker": "m"},
                "Compensate": {
                    "Lookup": {"Resource": "flow:test-unmark", "Parameters": {"marker": "never-made"}},
                    "Resource": "flow:test-fail"
                },
                "Next": "Break"
            },
            "Break": {"Type": "Task", "Resource": "flow:test-fail", "End": true}
        }
    })
    .to_string();
    let run = NewRun {
        definition_path: "lookup.json".into(),
        definition_text: text,
        input: json!({}),
        name: Some("lookup".into()),
        rollback_on_failure: true,
    };
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let outcome = engine(store.clone(), recorder.clone(), "a")
        .start(run, Interrupt::never())
        .await
        .unwrap();
    assert_eq!(
        outcome.status,
        ExecutionStatus::RolledBack,
        "the lookup's MarkerNotFound ends the compensation"
    );
    let fails = recorder
        .calls()
        .iter()
        .filter(|c| c.resource == "flow:test-fail")
        .count();
    assert_eq!(
        fails, 1,
        "the compensation itself (flow:test-fail) is never called"
    );
}
