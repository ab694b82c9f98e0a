//! Helpers shared by the store's tests: a fresh database and sample records.

#![allow(dead_code)]

use std::path::PathBuf;

use flow_engine::{
    Checkpoint, EventKind, ExecutionId, HistoryEvent, NewExecution, ScopeKey, StepId, StepRecord,
    StepStatus,
};
use flow_store::SqliteStore;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

pub struct Fixture {
    pub directory: tempfile::TempDir,
    pub path: PathBuf,
    pub store: SqliteStore,
}

pub fn fixture() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("state").join("flow.db");
    let store = SqliteStore::open(&path).unwrap();
    Fixture {
        directory,
        path,
        store,
    }
}

pub const T0: OffsetDateTime = datetime!(2025-01-02 03:04:05.123456789 UTC);

pub fn at(seconds: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(seconds)
}

pub fn new_execution(id: &str, name: &str) -> NewExecution {
    NewExecution {
        id: ExecutionId(id.to_owned()),
        name: name.to_owned(),
        definition_path: "workflows/provision.json".to_owned(),
        definition: r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#.to_owned(),
        input: json!({"domain": "example.com", "nested": {"list": [1, 2.5, null, true]}}),
        started_at: T0,
    }
}

pub fn event(id: u64, kind: EventKind, step: Option<u64>, scope: ScopeKey) -> HistoryEvent {
    HistoryEvent {
        id,
        previous_event_id: id.saturating_sub(1),
        timestamp: at(id as i64),
        kind,
        step: step.map(StepId),
        scope,
        details: json!({"name": format!("state {id}"), "input": {"n": id}}),
    }
}

pub fn step(id: u64, status: StepStatus) -> StepRecord {
    StepRecord {
        id: StepId(id),
        scope: ScopeKey::Root,
        state: format!("State{id}"),
        input: json!({"step": id}),
        status,
        entered_event: id * 2,
        finished_event: None,
    }
}

/// A small checkpoint: one event numbered `event_id`, one running step.
pub fn small_checkpoint(event_id: u64) -> Checkpoint {
    Checkpoint {
        events: vec![event(
            event_id,
            EventKind::TaskScheduled,
            Some(event_id),
            ScopeKey::Root,
        )],
        steps: vec![step(
            event_id,
            StepStatus::Running {
                attempt: 1,
                parameters: json!({"Bucket": "b"}),
            },
        )],
        ..Checkpoint::default()
    }
}
