//! Many connections on one file: writers queue behind SQLite's lock instead of failing with
//! "database is locked".

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use flow_engine::{ExecutionId, Store};
use flow_store::SqliteStore;

#[test]
fn a_hundred_connections_commit_to_one_new_file_without_failing() {
    const WRITERS: usize = 100;
    const CHECKPOINTS: u64 = 5;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("state").join("flow.db");
    let barrier = Arc::new(Barrier::new(WRITERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|index| {
            let path = path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || -> Result<(), String> {
                // All open the same new file at once: creation and migration race too.
                barrier.wait();
                let store = SqliteStore::open(&path).map_err(|error| format!("open: {error}"))?;
                let name = format!("execution-{index}");
                store
                    .create_execution(&new_execution(&name, &name))
                    .map_err(|error| format!("create: {error}"))?;
                let id = ExecutionId(name);
                for event_id in 1..=CHECKPOINTS {
                    store
                        .commit(&id, &small_checkpoint(event_id))
                        .map_err(|error| format!("commit: {error}"))?;
                }
                let state = store.load(&id).map_err(|error| format!("load: {error}"))?;
                if state.last_event_id != CHECKPOINTS || state.steps.len() != CHECKPOINTS as usize {
                    return Err(format!(
                        "{id} read back {} events, {} steps",
                        state.last_event_id,
                        state.steps.len()
                    ));
                }
                Ok(())
            })
        })
        .collect();
    let failures: Vec<_> = writers
        .into_iter()
        .filter_map(|writer| writer.join().unwrap().err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} writers failed: {failures:?}",
        failures.len()
    );
    assert_eq!(
        SqliteStore::open(&path)
            .unwrap()
            .list_executions()
            .unwrap()
            .len(),
        WRITERS
    );
}
