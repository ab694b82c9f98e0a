//! The engine over this store: a run, a redrive and a rollback leave in SQLite exactly what
//! they leave in the engine's in-memory store.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use flow_engine::observer::Silent;
use flow_engine::{
    DurableState, Engine, EngineConfig, ExecutionStatus, HistoryEvent, Interrupt, LeaseHolder,
    ManualClock, MemoryStore, NewRun, Store, TaskError, TaskFuture, TaskHandler, TaskRequest,
};
use flow_store::SqliteStore;
use serde_json::json;

/// `flow:test-marker` adds a marker, `flow:test-unmark` removes it, `flow:test-flaky` fails its first
/// attempt, `flow:test-fail` always fails.
#[derive(Default)]
struct Markers(Mutex<BTreeSet<String>>);

struct Handler(Arc<Markers>);

impl TaskHandler for Handler {
    fn handles(&self, resource: &str) -> bool {
        resource.starts_with("flow:test-")
    }

    fn invoke(&self, request: TaskRequest) -> TaskFuture {
        let markers = self.0.clone();
        Box::pin(async move {
            let marker = request.parameters["marker"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            match request.resource.as_str() {
                "flow:test-marker" => {
                    markers.0.lock().unwrap().insert(marker.clone());
                    Ok(json!({"created": marker}))
                }
                "flow:test-unmark" if markers.0.lock().unwrap().remove(&marker) => {
                    Ok(json!({"removed": marker}))
                }
                "flow:test-unmark" => Err(TaskError::new("Test.MarkerNotFound", marker)),
                "flow:test-flaky" if request.attempt == 1 => {
                    Err(TaskError::new("Test.Transient", "first attempt"))
                }
                "flow:test-flaky" => Ok(json!({"attempt": request.attempt})),
                _ => Err(TaskError::new("Test.Broken", "always fails")),
            }
        })
    }
}

fn engine(store: Arc<dyn Store>, markers: Arc<Markers>) -> Engine {
    Engine::new(
        store,
        vec![Arc::new(Handler(markers))],
        Arc::new(ManualClock::instant(
            time::macros::datetime!(2024-01-01 00:00:00 UTC),
        )),
        Arc::new(Silent),
        EngineConfig {
            seed: Some(7),
            holder: LeaseHolder {
                host: "test".into(),
                pid: 1,
                process_start: 1,
            },
            ..EngineConfig::default()
        },
    )
}

/// What each stage left in the store.
#[derive(Debug, PartialEq)]
struct Trace {
    statuses: Vec<ExecutionStatus>,
    states: Vec<DurableState>,
    history: Vec<HistoryEvent>,
    markers_left: BTreeSet<String>,
}

async fn drive(store: Arc<dyn Store>) -> Trace {
    let markers = Arc::new(Markers::default());
    let definition = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/engine_workflow.json"
    ))
    .unwrap();
    let run = NewRun {
        definition_path: "tests/data/engine_workflow.json".into(),
        definition_text: definition,
        input: json!({"items": ["a", "b", "c"]}),
        name: Some("trace".into()),
        rollback_on_failure: false,
    };
    let mut statuses = Vec::new();
    let mut states = Vec::new();

    let outcome = engine(store.clone(), markers.clone())
        .start(run, Interrupt::never())
        .await
        .unwrap();
    statuses.push(outcome.status);
    states.push(store.load(&outcome.execution).unwrap());
    // A second process redrives it (and it fails again at the same step).
    let outcome = engine(store.clone(), markers.clone())
        .resume("trace", Interrupt::never())
        .await
        .unwrap();
    statuses.push(outcome.status);
    states.push(store.load(&outcome.execution).unwrap());
    let outcome = engine(store.clone(), markers.clone())
        .rollback("trace", Interrupt::never())
        .await
        .unwrap();
    statuses.push(outcome.status);
    states.push(store.load(&outcome.execution).unwrap());

    let history = store.history(&outcome.execution).unwrap();
    let markers_left = markers.0.lock().unwrap().clone();
    Trace {
        statuses,
        states,
        history,
        markers_left,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_leaves_the_same_records_as_in_memory() {
    let directory = tempfile::tempdir().unwrap();
    let sqlite = drive(Arc::new(
        SqliteStore::open(directory.path().join("flow.db")).unwrap(),
    ))
    .await;
    let memory = drive(Arc::new(MemoryStore::new())).await;

    assert!(
        matches!(sqlite.statuses[0], ExecutionStatus::Failed { .. }),
        "{:?}",
        sqlite.statuses
    );
    assert_eq!(sqlite.statuses[2], ExecutionStatus::RolledBack);
    assert_eq!(sqlite.states[1].execution.redrive_count, 1);
    assert!(sqlite.markers_left.is_empty(), "{:?}", sqlite.markers_left);
    let ids: Vec<u64> = sqlite.history.iter().map(|event| event.id).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());

    assert_eq!(sqlite.statuses, memory.statuses);
    assert_eq!(sqlite.history, memory.history);
    for (stage, (stored, expected)) in sqlite.states.iter().zip(&memory.states).enumerate() {
        assert_eq!(stored, expected, "stage {stage}");
    }
}
