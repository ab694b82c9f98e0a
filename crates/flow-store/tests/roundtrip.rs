//! Every record kind and status variant comes back as it was written.

mod common;

use common::*;
use flow_engine::{
    Checkpoint, CompensationRecord, CompensationStatus, EventKind, ExecutionId, ExecutionStatus,
    ScopeKey, ScopeRecord, ScopeStatus, StepId, StepStatus, Store, StoreError,
};
use serde_json::json;

fn id(text: &str) -> ExecutionId {
    ExecutionId(text.to_owned())
}

#[test]
fn a_new_execution_reads_back_running() {
    let fixture = fixture();
    let new = new_execution("e1", "first");
    fixture.store.create_execution(&new).unwrap();

    let record = fixture.store.find_execution("e1").unwrap();
    assert_eq!(record.id, new.id);
    assert_eq!(record.name, "first");
    assert_eq!(record.definition_path, new.definition_path);
    assert_eq!(record.definition, new.definition);
    assert_eq!(record.input, new.input);
    assert_eq!(record.status, ExecutionStatus::Running);
    assert_eq!(record.started_at, T0);
    assert_eq!(record.stopped_at, None);
    assert_eq!(record.redrive_count, 0);

    let state = fixture.store.load(&new.id).unwrap();
    assert_eq!(state.execution, record);
    assert!(state.steps.is_empty() && state.scopes.is_empty() && state.compensations.is_empty());
    assert_eq!(state.last_event_id, 0);
}

#[test]
fn json_keeps_key_order_and_numbers() {
    let fixture = fixture();
    let mut new = new_execution("e1", "e1");
    new.input = json!({"z": 1, "a": 0.1, "m": 12345678901234567u64, "f": -0.0, "s": "é\u{0}"});
    fixture.store.create_execution(&new).unwrap();
    let input = fixture.store.find_execution("e1").unwrap().input;
    assert_eq!(input, new.input);
    assert_eq!(input.to_string(), new.input.to_string());
}

#[test]
fn every_step_status_round_trips() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let statuses = vec![
        StepStatus::Running {
            attempt: 1,
            parameters: json!({"Name": "x"}),
        },
        StepStatus::Backoff {
            attempt: 2,
            parameters: json!([1, 2]),
            wake_at: at(30),
        },
        StepStatus::Waiting { wake_at: at(3600) },
        StepStatus::FannedOut { children: 3 },
        StepStatus::Succeeded {
            output: json!({"ok": true}),
            parameters: None,
            result: None,
        },
        StepStatus::Succeeded {
            output: json!(null),
            parameters: Some(json!(null)),
            result: Some(json!({"FileSystemId": "fs-1"})),
        },
        StepStatus::Caught {
            error: "States.TaskFailed".into(),
            cause: "boom".into(),
            next: "Recover".into(),
        },
        StepStatus::Failed {
            error: "Efs.FileSystemNotFound".into(),
            cause: "".into(),
        },
    ];
    let mut steps: Vec<_> = statuses
        .into_iter()
        .enumerate()
        .map(|(index, status)| step(index as u64 + 1, status))
        .collect();
    steps[1].scope = ScopeKey::Child {
        parent: StepId(4),
        index: 0,
    };
    steps[2].scope = ScopeKey::Child {
        parent: StepId(4),
        index: 7,
    };
    steps[4].finished_event = Some(11);
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                steps: steps.clone(),
                ..Checkpoint::default()
            },
        )
        .unwrap();

    assert_eq!(fixture.store.load(&id("e1")).unwrap().steps, steps);
}

#[test]
fn a_step_is_replaced_by_id() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let running = step(
        1,
        StepStatus::Running {
            attempt: 1,
            parameters: json!({}),
        },
    );
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                steps: vec![running.clone()],
                ..Checkpoint::default()
            },
        )
        .unwrap();
    let mut done = running;
    done.status = StepStatus::Succeeded {
        output: json!(1),
        parameters: Some(json!({})),
        result: Some(json!(1)),
    };
    done.finished_event = Some(9);
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                steps: vec![done.clone()],
                ..Checkpoint::default()
            },
        )
        .unwrap();
    assert_eq!(fixture.store.load(&id("e1")).unwrap().steps, vec![done]);
}

#[test]
fn every_scope_and_compensation_status_round_trips() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let scopes = vec![
        ScopeRecord {
            key: ScopeKey::Root,
            input: json!({}),
            status: ScopeStatus::Running,
        },
        ScopeRecord {
            key: ScopeKey::Child {
                parent: StepId(2),
                index: 0,
            },
            input: json!([1]),
            status: ScopeStatus::Succeeded {
                output: json!({"branch": 0}),
            },
        },
        ScopeRecord {
            key: ScopeKey::Child {
                parent: StepId(2),
                index: 1,
            },
            input: json!("text"),
            status: ScopeStatus::Failed {
                error: "States.ALL".into(),
                cause: "branch failed".into(),
            },
        },
    ];
    let compensations = vec![
        CompensationRecord {
            step: StepId(1),
            status: CompensationStatus::Running {
                attempt: 2,
                parameters: json!({"Id": 1}),
            },
        },
        CompensationRecord {
            step: StepId(2),
            status: CompensationStatus::Succeeded { result: json!({}) },
        },
        CompensationRecord {
            step: StepId(3),
            status: CompensationStatus::Failed {
                error: "Acm.AccessDenied".into(),
                cause: "no".into(),
            },
        },
    ];
    let checkpoint = Checkpoint {
        scopes: scopes.clone(),
        compensations: compensations.clone(),
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &checkpoint).unwrap();

    let state = fixture.store.load(&id("e1")).unwrap();
    assert_eq!(state.scopes, scopes);
    assert_eq!(state.compensations, compensations);

    // Replaced by key.
    let mut later = scopes[0].clone();
    later.status = ScopeStatus::Succeeded { output: json!(42) };
    let mut retried = compensations[2].clone();
    retried.status = CompensationStatus::Succeeded {
        result: json!(null),
    };
    let checkpoint = Checkpoint {
        scopes: vec![later.clone()],
        compensations: vec![retried.clone()],
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &checkpoint).unwrap();
    let state = fixture.store.load(&id("e1")).unwrap();
    assert_eq!(state.scopes[0], later);
    assert_eq!(state.compensations[2], retried);
}

#[test]
fn every_execution_status_round_trips() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let statuses = [
        ExecutionStatus::Succeeded {
            output: json!({"url": "https://x"}),
        },
        ExecutionStatus::Failed {
            error: "States.Timeout".into(),
            cause: "too slow".into(),
        },
        ExecutionStatus::RollingBack,
        ExecutionStatus::RolledBack,
        ExecutionStatus::RollbackFailed {
            failed_steps: vec![StepId(3), StepId(1)],
        },
        ExecutionStatus::RollbackFailed {
            failed_steps: vec![],
        },
        ExecutionStatus::Running,
    ];
    for status in statuses {
        let checkpoint = Checkpoint {
            status: Some(status.clone()),
            ..Checkpoint::default()
        };
        fixture.store.commit(&id("e1"), &checkpoint).unwrap();
        assert_eq!(fixture.store.find_execution("e1").unwrap().status, status);
        assert_eq!(fixture.store.list_executions().unwrap()[0].status, status);
    }
}

#[test]
fn stop_time_is_kept_when_stopped_and_cleared_when_driven_again() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let failed = ExecutionStatus::Failed {
        error: "E".into(),
        cause: "C".into(),
    };
    let stop = Checkpoint {
        status: Some(failed.clone()),
        stopped_at: Some(at(60)),
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &stop).unwrap();
    assert_eq!(
        fixture.store.find_execution("e1").unwrap().stopped_at,
        Some(at(60))
    );

    // A later checkpoint that does not mention the stop time keeps it.
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                status: Some(failed),
                ..Checkpoint::default()
            },
        )
        .unwrap();
    assert_eq!(
        fixture.store.find_execution("e1").unwrap().stopped_at,
        Some(at(60))
    );

    // Resumed: running again, no stop time; redriven once.
    let redrive = Checkpoint {
        events: vec![event(1, EventKind::ExecutionRedriven, None, ScopeKey::Root)],
        status: Some(ExecutionStatus::Running),
        redrive_count: Some(1),
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &redrive).unwrap();
    let record = fixture.store.find_execution("e1").unwrap();
    assert_eq!(record.stopped_at, None);
    assert_eq!(record.redrive_count, 1);

    // Stopped again with a stop time; the redrive count stays unless given.
    let stop = Checkpoint {
        status: Some(ExecutionStatus::RolledBack),
        stopped_at: Some(at(90)),
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &stop).unwrap();
    let record = fixture.store.find_execution("e1").unwrap();
    assert_eq!(record.stopped_at, Some(at(90)));
    assert_eq!(record.redrive_count, 1);
}

#[test]
fn history_comes_back_oldest_first_and_load_knows_the_last_event() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    fixture
        .store
        .create_execution(&new_execution("e2", "e2"))
        .unwrap();
    let kinds = [
        EventKind::ExecutionStarted,
        EventKind::TaskStateEntered,
        EventKind::TaskScheduled,
        EventKind::MapIterationStarted,
        EventKind::CompensationFailed,
    ];
    let events: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(index, kind)| {
            let scope = if index % 2 == 0 {
                ScopeKey::Root
            } else {
                ScopeKey::Child {
                    parent: StepId(2),
                    index: 5,
                }
            };
            event(
                index as u64 + 1,
                *kind,
                (index > 0).then_some(index as u64),
                scope,
            )
        })
        .collect();
    // Committed in two checkpoints, the later first in the list to check the ordering.
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                events: events[3..].to_vec(),
                ..Checkpoint::default()
            },
        )
        .unwrap();
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                events: events[..3].to_vec(),
                ..Checkpoint::default()
            },
        )
        .unwrap();
    fixture
        .store
        .commit(&id("e2"), &small_checkpoint(1))
        .unwrap();

    assert_eq!(fixture.store.history(&id("e1")).unwrap(), events);
    assert_eq!(fixture.store.load(&id("e1")).unwrap().last_event_id, 5);
    assert_eq!(fixture.store.load(&id("e2")).unwrap().last_event_id, 1);
    assert_eq!(fixture.store.history(&id("e2")).unwrap().len(), 1);
}

#[test]
fn every_event_kind_round_trips() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let names = [
        "ExecutionStarted",
        "ExecutionSucceeded",
        "ExecutionFailed",
        "ExecutionTimedOut",
        "ExecutionAborted",
        "ExecutionRedriven",
        "PassStateEntered",
        "PassStateExited",
        "TaskStateEntered",
        "TaskStateExited",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskFailed",
        "TaskTimedOut",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "FailStateEntered",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateFailed",
        "ParallelStateExited",
        "MapStateEntered",
        "MapStateStarted",
        "MapStateSucceeded",
        "MapStateFailed",
        "MapStateExited",
        "MapIterationStarted",
        "MapIterationSucceeded",
        "MapIterationFailed",
        "RollbackStarted",
        "InFlightStepRecovering",
        "InFlightStepRecovered",
        "CompensationScheduled",
        "CompensationSucceeded",
        "CompensationFailed",
        "RollbackSucceeded",
        "RollbackFailed",
    ];
    let events: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            event(
                index as u64 + 1,
                EventKind::parse(name).unwrap(),
                None,
                ScopeKey::Root,
            )
        })
        .collect();
    fixture
        .store
        .commit(
            &id("e1"),
            &Checkpoint {
                events: events.clone(),
                ..Checkpoint::default()
            },
        )
        .unwrap();
    assert_eq!(fixture.store.history(&id("e1")).unwrap(), events);
}

#[test]
fn find_by_id_or_name_and_list_newest_first() {
    let fixture = fixture();
    let mut first = new_execution("id-1", "alpha");
    first.started_at = at(0);
    let mut second = new_execution("id-2", "beta");
    second.started_at = at(10);
    let mut third = new_execution("id-3", "id-3");
    third.started_at = at(5);
    for execution in [&first, &second, &third] {
        fixture.store.create_execution(execution).unwrap();
    }

    assert_eq!(fixture.store.find_execution("alpha").unwrap().id, first.id);
    assert_eq!(fixture.store.find_execution("id-1").unwrap().name, "alpha");
    assert_eq!(fixture.store.find_execution("id-3").unwrap().id, third.id);
    assert!(matches!(
        fixture.store.find_execution("gamma"),
        Err(StoreError::UnknownExecution(name)) if name == "gamma"
    ));

    let list = fixture.store.list_executions().unwrap();
    let names: Vec<_> = list.iter().map(|summary| summary.name.as_str()).collect();
    assert_eq!(names, ["beta", "id-3", "alpha"]);
    assert_eq!(list[0].id, second.id);
    assert_eq!(list[0].definition_path, "workflows/provision.json");
    assert_eq!(list[0].started_at, at(10));
    assert_eq!(list[0].stopped_at, None);
}

#[test]
fn a_taken_name_is_refused() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("id-1", "alpha"))
        .unwrap();
    assert!(matches!(
        fixture.store.create_execution(&new_execution("id-2", "alpha")),
        Err(StoreError::DuplicateName(name)) if name == "alpha"
    ));
    // A name that is another execution's id would make that id ambiguous.
    assert!(matches!(
        fixture
            .store
            .create_execution(&new_execution("id-3", "id-1")),
        Err(StoreError::DuplicateName(_))
    ));
    assert_eq!(fixture.store.list_executions().unwrap().len(), 1);
}

#[test]
fn unknown_executions_are_reported_as_such() {
    let fixture = fixture();
    let missing = id("nope");
    assert!(matches!(
        fixture.store.load(&missing),
        Err(StoreError::UnknownExecution(_))
    ));
    assert!(matches!(
        fixture.store.history(&missing),
        Err(StoreError::UnknownExecution(_))
    ));
    assert!(matches!(
        fixture.store.commit(&missing, &small_checkpoint(1)),
        Err(StoreError::UnknownExecution(_))
    ));
    let holder = flow_store::current_holder();
    assert!(matches!(
        fixture.store.acquire_lease(&missing, &holder, T0, 30),
        Err(StoreError::UnknownExecution(_))
    ));
}

#[test]
fn the_state_survives_reopening() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    fixture
        .store
        .commit(&id("e1"), &small_checkpoint(1))
        .unwrap();
    let before = fixture.store.load(&id("e1")).unwrap();
    drop(fixture.store);
    let reopened = flow_store::SqliteStore::open(&fixture.path).unwrap();
    assert_eq!(reopened.load(&id("e1")).unwrap(), before);
}

#[test]
fn load_open_reads_every_scope_but_only_the_steps_resume_needs() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let done = || StepStatus::Succeeded {
        output: json!({}),
        parameters: None,
        result: None,
    };
    let child = |index| ScopeKey::Child {
        parent: StepId(2),
        index,
    };
    let in_scope = |mut record: flow_engine::StepRecord, scope| {
        record.scope = scope;
        record
    };
    // The top level ran 1, then the Map 2 (iterations: 3 then 4; 5), and is now at 6.
    let steps = vec![
        step(1, done()),
        step(2, done()),
        in_scope(step(3, done()), child(0)),
        in_scope(step(4, done()), child(0)),
        in_scope(step(5, done()), child(1)),
        step(
            6,
            StepStatus::Running {
                attempt: 1,
                parameters: json!({}),
            },
        ),
    ];
    let scope = |key| ScopeRecord {
        key,
        input: json!({}),
        status: ScopeStatus::Running,
    };
    let checkpoint = Checkpoint {
        steps: steps.clone(),
        scopes: vec![scope(ScopeKey::Root), scope(child(0)), scope(child(1))],
        ..Checkpoint::default()
    };
    fixture.store.commit(&id("e1"), &checkpoint).unwrap();

    let all = fixture.store.load(&id("e1")).unwrap();
    assert_eq!(all.steps, steps);
    let open = fixture.store.load_open(&id("e1")).unwrap();
    let ids: Vec<u64> = open.steps.iter().map(|s| s.id.0).collect();
    // The last step of each scope (6, 4, 5) and the step with child scopes (2).
    assert_eq!(ids, vec![2, 4, 5, 6]);
    assert_eq!(open.scopes, all.scopes);
    assert_eq!(open.execution, all.execution);
}
