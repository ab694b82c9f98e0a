//! Opening the database file: its permissions, the connection's settings, and the versioned
//! schema with its migrations.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flow_engine::StoreError;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::busy;
use crate::error::{backend, describe_io, describe_sql, parent_directory};

/// The migrations, in order: applying the first n gives schema version n. Released
/// migrations are never edited, only appended to.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_initial.sql")];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `PRAGMA application_id` of a flow database ("Flow" in ASCII): tells a flow database from
/// another application's SQLite file.
pub const APPLICATION_ID: i32 = 0x466C_6F77;

/// The database file and the files SQLite keeps beside it hold execution inputs and outputs:
/// only their owner may read them.
const FILE_MODE: u32 = 0o600;
const DIRECTORY_MODE: u32 = 0o700;

pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    create_file(path)?;
    check_header(path, false)?;
    let sql_error = |error: rusqlite::Error| backend(describe_sql(path, &error), error);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut connection = Connection::open_with_flags(path, flags).map_err(sql_error)?;
    busy::install(&connection).map_err(sql_error)?;
    connection.set_prepared_statement_cache_capacity(64);
    busy::with_timeout(busy_timeout, || {
        // Switching a new file to WAL takes a lock that SQLite does not wait for with the
        // busy handler: retry while other processes open the same new file.
        retry_while_busy(busy_timeout, || configure(&connection)).map_err(sql_error)?;
        migrate(&mut connection, path, busy_timeout)
    })?;
    restrict_sidecar_files(path);
    Ok(connection)
}

/// Creates the parent directories and the file itself, so that its mode does not depend on
/// the umask; SQLite gives the -wal and -shm files the mode of the database file.
fn create_file(path: &Path) -> Result<(), StoreError> {
    let directory = parent_directory(path);
    if !directory.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(DIRECTORY_MODE)
            .create(directory)
            .map_err(|error| backend(describe_io(path, true, &error), error))?;
    }
    let exists = path.exists();
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .map_err(|error| backend(describe_io(path, !exists, &error), error))?;
    Ok(())
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a non-empty file that does not start as a SQLite database. SQLite itself would take
/// a file shorter than its header for an empty database and overwrite it.
fn check_header(path: &Path, second_look: bool) -> Result<(), StoreError> {
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    let read = std::fs::File::open(path).and_then(|file| {
        use std::io::Read;
        file.take(SQLITE_HEADER.len() as u64)
            .read_to_end(&mut header)
    });
    match read {
        Err(error) => Err(backend(describe_io(path, false, &error), error)),
        Ok(0) => Ok(()),
        Ok(_) if header == SQLITE_HEADER => Ok(()),
        // Another process may be writing the first page of a new database right now.
        Ok(_) if !second_look => {
            std::thread::sleep(Duration::from_millis(20));
            check_header(path, true)
        }
        Ok(_) => Err(StoreError::Backend {
            message: format!(
                "the state database {} is not a flow database",
                path.display()
            ),
            source: Some(Box::new(NotSqlite)),
        }),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("file is not a database (it does not start with the SQLite header)")]
struct NotSqlite;

fn configure(connection: &Connection) -> rusqlite::Result<()> {
    let mode: String = connection.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("the journal mode stayed {mode}; WAL is required")),
            ));
        }
    }
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn retry_while_busy<T>(
    timeout: Duration,
    mut operation: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match operation() {
            Err(error)
                if matches!(
                    error.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            outcome => return outcome,
        }
    }
}

/// The version stamps of a database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    user_version: u32,
    application_id: i32,
}

fn read_stamp(connection: &Connection) -> rusqlite::Result<Stamp> {
    Ok(Stamp {
        user_version: connection.pragma_query_value(None, "user_version", |row| row.get(0))?,
        application_id: connection.pragma_query_value(None, "application_id", |row| row.get(0))?,
    })
}

fn migrate(
    connection: &mut Connection,
    path: &Path,
    busy_timeout: Duration,
) -> Result<(), StoreError> {
    let sql_error = |error: rusqlite::Error| backend(describe_sql(path, &error), error);
    let current = retry_while_busy(busy_timeout, || read_stamp(connection)).map_err(sql_error)?;
    if current
        == (Stamp {
            user_version: SCHEMA_VERSION,
            application_id: APPLICATION_ID,
        })
    {
        return Ok(());
    }
    // A newer version or another application's id does not change under us: refuse them
    // without the write lock. An empty stamp is judged under the lock only: between a read
    // outside it and a count of the tables, another process may create the schema and make a
    // new file look like a foreign one.
    if current.application_id != 0 || current.user_version != 0 {
        check_stamp(connection, path, current)?;
    }
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    // Another process may have migrated while this one waited for the lock.
    let stamp = read_stamp(&transaction).map_err(sql_error)?;
    check_stamp(&transaction, path, stamp)?;
    for migration in &MIGRATIONS[stamp.user_version as usize..] {
        transaction.execute_batch(migration).map_err(sql_error)?;
    }
    transaction
        .pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql_error)?;
    transaction
        .pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(sql_error)?;
    transaction.commit().map_err(sql_error)
}

/// Accepts a flow database of this or an older version, or an empty file; refuses a newer
/// version and any other SQLite database.
fn check_stamp(connection: &Connection, path: &Path, stamp: Stamp) -> Result<(), StoreError> {
    let not_flow = || StoreError::Backend {
        message: format!(
            "the state database {} is not a flow database",
            path.display()
        ),
        source: None,
    };
    match stamp.application_id {
        APPLICATION_ID if stamp.user_version > SCHEMA_VERSION => Err(StoreError::Backend {
            message: format!(
                "the state database {} was written by a newer flow (schema version {}; this flow \
                 knows versions up to {SCHEMA_VERSION}): use a newer flow",
                path.display(),
                stamp.user_version,
            ),
            source: None,
        }),
        APPLICATION_ID => Ok(()),
        0 if stamp.user_version == 0 => {
            let tables: i64 = connection
                .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
                .map_err(|error| backend(describe_sql(path, &error), error))?;
            if tables == 0 { Ok(()) } else { Err(not_flow()) }
        }
        _ => Err(not_flow()),
    }
}

/// SQLite already creates the -wal and -shm files with the database's mode; this also fixes
/// files left by an older or foreign writer. Best effort: a failure here is not worth
/// refusing to run.
fn restrict_sidecar_files(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut sidecar = PathBuf::from(path.as_os_str().to_owned());
        sidecar.as_mut_os_string().push(suffix);
        let readable_by_others = std::fs::metadata(&sidecar)
            .is_ok_and(|metadata| metadata.permissions().mode() & 0o777 != FILE_MODE);
        if readable_by_others {
            let _ = std::fs::set_permissions(&sidecar, std::fs::Permissions::from_mode(FILE_MODE));
        }
    }
}
