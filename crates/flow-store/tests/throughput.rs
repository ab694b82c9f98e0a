//! Commit throughput next to a bare loop of fsync'd SQLite transactions on the same disk.
//! Ignored by default (timing): `cargo test -p flow-store --release --test throughput -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::*;
use flow_engine::{Checkpoint, EventKind, ExecutionId, ScopeKey, Store};
use rusqlite::Connection;

const COMMITS: u64 = 300;

#[test]
#[ignore = "timing; run by hand"]
fn commit_throughput_is_close_to_bare_sqlite() {
    let fixture = fixture();
    let id = ExecutionId("e1".into());
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let started = Instant::now();
    for commit in 0..COMMITS {
        let mut checkpoint: Checkpoint = small_checkpoint(commit * 2 + 1);
        checkpoint.events.push(event(
            commit * 2 + 2,
            EventKind::TaskStarted,
            Some(commit * 2 + 1),
            ScopeKey::Root,
        ));
        fixture.store.commit(&id, &checkpoint).unwrap();
    }
    let store_time = started.elapsed();

    let bare_path = fixture.directory.path().join("bare.db");
    let mut bare = Connection::open(&bare_path).unwrap();
    bare.pragma_update(None, "journal_mode", "WAL").unwrap();
    bare.pragma_update(None, "synchronous", "FULL").unwrap();
    bare.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    let started = Instant::now();
    for commit in 0..COMMITS {
        let transaction = bare
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        for row in 0..3 {
            transaction
                .prepare_cached("INSERT INTO t (id, body) VALUES (?1, ?2)")
                .unwrap()
                .execute(rusqlite::params![
                    commit * 3 + row,
                    "{\"name\": \"state\", \"input\": {\"n\": 1}}"
                ])
                .unwrap();
        }
        transaction.commit().unwrap();
    }
    let bare_time = started.elapsed();
    let rate = |elapsed: std::time::Duration| COMMITS as f64 / elapsed.as_secs_f64();
    eprintln!(
        "flow-store: {:.0} commits/s; bare SQLite: {:.0} transactions/s; ratio {:.2}",
        rate(store_time),
        rate(bare_time),
        rate(store_time) / rate(bare_time)
    );
}
