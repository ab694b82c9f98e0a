//! The database file: where it is created, its permissions, its schema version, and the
//! errors for files that are not (or no longer) flow databases.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::*;
use flow_engine::{Checkpoint, ExecutionId, Store, StoreError};
use flow_store::{APPLICATION_ID, SCHEMA_VERSION, SqliteStore, StoreOptions};
use rusqlite::Connection;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn open_error(path: &Path) -> String {
    match SqliteStore::open(path) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(error @ StoreError::Backend { .. }) => error.to_string(),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn a_new_database_is_created_with_its_directories_and_owner_only_permissions() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("a").join("b").join("flow.db");
    let store = SqliteStore::open(&path).unwrap();
    store.create_execution(&new_execution("e1", "e1")).unwrap();

    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&sidecar(&path, "-wal")), 0o600);
    assert_eq!(mode(&sidecar(&path, "-shm")), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}

#[test]
fn sidecar_files_left_readable_are_restricted_on_open() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let wal = sidecar(&fixture.path, "-wal");
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _second = SqliteStore::open(&fixture.path).unwrap();
    assert_eq!(mode(&wal), 0o600);
}

#[test]
fn the_connection_uses_wal_and_the_schema_is_stamped() {
    let fixture = fixture();
    let raw = Connection::open(&fixture.path).unwrap();
    let journal: String = raw
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    let version: u32 = raw
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    let application: i32 = raw
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(application, APPLICATION_ID);
    let mut tables: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    assert_eq!(
        tables,
        [
            "compensations",
            "events",
            "executions",
            "leases",
            "scopes",
            "steps"
        ]
    );
}

#[test]
fn an_empty_file_is_migrated() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flow.db");
    std::fs::write(&path, b"").unwrap();
    let store = SqliteStore::open(&path).unwrap();
    store.create_execution(&new_execution("e1", "e1")).unwrap();
    drop(store);
    // Opening an up-to-date database again changes nothing.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.list_executions().unwrap().len(), 1);
}

#[test]
fn a_database_from_a_newer_flow_is_refused_and_left_alone() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    drop(fixture.store);
    let raw = Connection::open(&fixture.path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(raw);

    let message = open_error(&fixture.path);
    assert!(message.contains("was written by a newer flow"), "{message}");
    assert!(
        message.contains(&fixture.path.display().to_string()),
        "{message}"
    );

    let raw = Connection::open(&fixture.path).unwrap();
    let version: u32 = raw
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    let executions: i64 = raw
        .query_row("SELECT count(*) FROM executions", [], |row| row.get(0))
        .unwrap();
    assert_eq!((version, executions), (SCHEMA_VERSION + 1, 1));
}

#[test]
fn another_applications_sqlite_file_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("other.db");
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    drop(raw);
    let message = open_error(&path);
    assert!(message.contains("is not a flow database"), "{message}");
    let raw = Connection::open(&path).unwrap();
    let text: String = raw
        .query_row("SELECT text FROM notes", [], |row| row.get(0))
        .unwrap();
    assert_eq!(text, "keep me");
}

#[test]
fn a_garbage_file_is_not_a_flow_database_and_is_left_alone() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flow.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();

    let message = open_error(&path);
    assert_eq!(
        message,
        format!(
            "the state database {} is not a flow database",
            path.display()
        )
    );
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_text_file_is_not_a_flow_database() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flow.db");
    std::fs::write(&path, "{\"not\": \"a database\"}\n").unwrap();
    let message = open_error(&path);
    assert!(message.contains("is not a flow database"), "{message}");
}

/// A database cut short gives a clear error, or (when only unused bytes were cut) exactly
/// what was written: never a panic, an empty store or a silently shorter history.
#[test]
fn a_truncated_database_gives_a_clear_error_or_the_whole_history() {
    let fixture = fixture();
    let id = ExecutionId("e1".into());
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    for event_id in 1..=50 {
        fixture
            .store
            .commit(&id, &small_checkpoint(event_id))
            .unwrap();
    }
    let history = fixture.store.history(&id).unwrap();
    let state = fixture.store.load(&id).unwrap();
    drop(fixture.store);
    // Fold the WAL into the file, so that the file alone holds everything.
    let raw = Connection::open(&fixture.path).unwrap();
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    raw.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(raw);
    let full = std::fs::read(&fixture.path).unwrap();
    assert!(
        full.len() > 4 * 4096,
        "the database is too small to cut: {}",
        full.len()
    );

    let mut lengths = vec![1, 15, 16, 50, 99, 100, 101, 1000];
    lengths.extend(
        (4096..full.len())
            .step_by(4096)
            .flat_map(|page| [page - 1, page, page + 1, page + 2000]),
    );
    lengths.push(full.len() - 1);
    let mut refused = 0;
    for length in lengths {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("flow.db");
        std::fs::write(&path, &full[..length]).unwrap();
        let outcome =
            SqliteStore::open(&path).and_then(|store| Ok((store.load(&id)?, store.history(&id)?)));
        match outcome {
            Ok(read) => assert_eq!(
                read,
                (state.clone(), history.clone()),
                "a database cut at {length} bytes read back other data"
            ),
            Err(StoreError::Backend { message, .. }) => {
                let clear =
                    message.contains("is not a flow database") || message.contains("is damaged");
                assert!(clear, "a database cut at {length} bytes: {message}");
                assert!(message.contains(&path.display().to_string()), "{message}");
                refused += 1;
            }
            Err(other) => panic!("a database cut at {length} bytes: unexpected {other:?}"),
        }
    }
    assert!(refused > 8, "only {refused} cuts were refused");
}

#[test]
fn a_database_locked_by_another_process_is_reported_as_such() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let impatient = SqliteStore::open_with(
        &fixture.path,
        &StoreOptions {
            busy_timeout: Duration::from_millis(100),
        },
    )
    .unwrap();

    let mut raw = Connection::open(&fixture.path).unwrap();
    let writer = raw
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .unwrap();
    let error = impatient
        .commit(&ExecutionId("e1".into()), &small_checkpoint(1))
        .unwrap_err();
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot commit a checkpoint of execution e1: the state database {} is locked by another process",
            fixture.path.display()
        )
    );
    writer.rollback().unwrap();
    impatient
        .commit(&ExecutionId("e1".into()), &small_checkpoint(1))
        .unwrap();
}

#[test]
fn a_path_under_a_file_is_reported() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let message = open_error(&file.join("flow.db"));
    eprintln!("{message}");
    assert!(message.contains(&file.display().to_string()), "{message}");
}

#[test]
fn a_directory_in_place_of_the_database_is_reported() {
    let directory = tempfile::tempdir().unwrap();
    let message = open_error(directory.path());
    eprintln!("{message}");
    assert!(
        message.contains(&directory.path().display().to_string()),
        "{message}"
    );
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|status| {
            status
                .lines()
                .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Permission bits do not stop root: this test only means something for other users.
#[test]
fn a_read_only_directory_is_reported() {
    if running_as_root() {
        eprintln!("skipped: root ignores permission bits");
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o500)).unwrap();
    let message = open_error(&state.join("flow.db"));
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(
        message,
        format!("the state directory {} is read-only", state.display())
    );
}

#[test]
fn the_commit_of_an_unstorable_timestamp_is_refused_whole() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let mut checkpoint = small_checkpoint(1);
    checkpoint.stopped_at = Some(time::macros::datetime!(2300-01-01 0:00 UTC));
    let error = fixture
        .store
        .commit(&ExecutionId("e1".into()), &checkpoint)
        .unwrap_err();
    assert!(error.to_string().contains("cannot be stored"), "{error}");
    assert_eq!(
        fixture.store.history(&ExecutionId("e1".into())).unwrap(),
        vec![]
    );
    let _ = Checkpoint::default();
}
