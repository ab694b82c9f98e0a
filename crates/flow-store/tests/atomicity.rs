//! A commit writes all of its checkpoint or none of it.

mod common;

use common::*;
use flow_engine::{
    Checkpoint, CompensationRecord, CompensationStatus, EventKind, ExecutionId, ExecutionStatus,
    ScopeKey, ScopeRecord, ScopeStatus, StepId, StepStatus, Store, StoreError,
};
use serde_json::json;

#[test]
fn a_checkpoint_repeating_an_event_id_writes_nothing() {
    let fixture = fixture();
    let id = ExecutionId("e1".into());
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    fixture.store.commit(&id, &small_checkpoint(1)).unwrap();
    let before = fixture.store.load(&id).unwrap();
    let history_before = fixture.store.history(&id).unwrap();

    let conflicting = Checkpoint {
        events: vec![
            event(2, EventKind::TaskSucceeded, Some(1), ScopeKey::Root),
            event(1, EventKind::TaskStateExited, Some(1), ScopeKey::Root),
        ],
        steps: vec![step(
            1,
            StepStatus::Succeeded {
                output: json!(1),
                parameters: None,
                result: None,
            },
        )],
        scopes: vec![ScopeRecord {
            key: ScopeKey::Root,
            input: json!({}),
            status: ScopeStatus::Succeeded { output: json!(1) },
        }],
        compensations: vec![CompensationRecord {
            step: StepId(1),
            status: CompensationStatus::Succeeded { result: json!({}) },
        }],
        status: Some(ExecutionStatus::Succeeded { output: json!(1) }),
        stopped_at: Some(at(100)),
        redrive_count: Some(4),
    };
    let error = fixture.store.commit(&id, &conflicting).unwrap_err();
    let StoreError::Backend { message, source } = &error else {
        panic!("unexpected {error:?}")
    };
    assert!(
        message.starts_with("cannot commit a checkpoint of execution e1: it conflicts with"),
        "{message}"
    );
    assert!(
        source.as_ref().unwrap().to_string().contains("UNIQUE"),
        "{source:?}"
    );

    assert_eq!(fixture.store.load(&id).unwrap(), before);
    assert_eq!(fixture.store.history(&id).unwrap(), history_before);

    // The connection is still usable.
    fixture.store.commit(&id, &small_checkpoint(2)).unwrap();
    assert_eq!(fixture.store.load(&id).unwrap().last_event_id, 2);
}

#[test]
fn a_checkpoint_with_an_unstorable_scope_writes_nothing() {
    let fixture = fixture();
    let id = ExecutionId("e1".into());
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let mut checkpoint = small_checkpoint(1);
    checkpoint.scopes.push(ScopeRecord {
        key: ScopeKey::Child {
            parent: StepId(0),
            index: 1,
        },
        input: json!(null),
        status: ScopeStatus::Running,
    });
    assert!(fixture.store.commit(&id, &checkpoint).is_err());
    let state = fixture.store.load(&id).unwrap();
    assert!(state.steps.is_empty() && state.scopes.is_empty());
    assert_eq!(state.last_event_id, 0);
}

#[test]
fn a_checkpoint_for_an_unknown_execution_writes_nothing() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let error = fixture
        .store
        .commit(&ExecutionId("e2".into()), &small_checkpoint(1))
        .unwrap_err();
    assert!(matches!(error, StoreError::UnknownExecution(name) if name == "e2"));
    assert_eq!(
        fixture.store.history(&ExecutionId("e1".into())).unwrap(),
        vec![]
    );
}
