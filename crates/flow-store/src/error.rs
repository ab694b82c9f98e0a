//! How SQLite's and the file system's failures become `StoreError`s that say what happened
//! and to which file.

use std::io;
use std::path::Path;

use flow_engine::StoreError;
use rusqlite::ErrorCode;

/// A failure inside one store operation, before it is given the operation's context.
#[derive(Debug)]
pub(crate) enum Fault {
    /// A failure the engine understands as such (unknown execution, duplicate name...).
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault::Sql(error)
    }
}

impl From<StoreError> for Fault {
    fn from(error: StoreError) -> Self {
        Fault::Store(error)
    }
}

/// A record the database holds that this version cannot map back to the engine's types (an
/// unknown status or event kind, JSON that does not parse, an out-of-range timestamp).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UnreadableRecord(pub String);

/// A value of the engine that the schema cannot hold.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UnstorableValue(pub String);

pub(crate) fn backend(
    message: String,
    source: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::Backend {
        message,
        source: Some(Box::new(source)),
    }
}

/// Gives a fault its context: `action` says what was attempted ("commit a checkpoint of
/// execution X"), `path` which database it was.
pub(crate) fn in_context(path: &Path, action: &str, fault: Fault) -> StoreError {
    match fault {
        Fault::Store(error) => error,
        Fault::Sql(error) => {
            let problem = describe_sql(path, &error);
            backend(format!("cannot {action}: {problem}"), error)
        }
    }
}

/// What a SQLite error means for the user, naming the file (the cause itself goes in
/// `source`).
pub(crate) fn describe_sql(path: &Path, error: &rusqlite::Error) -> String {
    let path_text = path.display();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            format!("the state database {path_text} is not a flow database")
        }
        Some(ErrorCode::DatabaseCorrupt) => format!("the state database {path_text} is damaged"),
        Some(ErrorCode::DiskFull) => format!("disk full while writing {path_text}"),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            format!("the state database {path_text} is locked by another process")
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            describe_unwritable(path)
        }
        Some(ErrorCode::SystemIoFailure) => format!("I/O error on the state database {path_text}"),
        Some(ErrorCode::ConstraintViolation) => {
            format!("it conflicts with what the state database {path_text} holds")
        }
        _ => match error {
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => {
                format!(
                    "the state database {path_text} holds a record this version of flow cannot read"
                )
            }
            rusqlite::Error::ToSqlConversionFailure(..) => {
                format!("a value cannot be stored in the state database {path_text}")
            }
            _ => format!("the state database {path_text} failed"),
        },
    }
}

/// Whether the database file or its directory is the one that cannot be written. SQLite
/// needs both: the directory for the -wal and -shm files.
fn describe_unwritable(path: &Path) -> String {
    let directory = parent_directory(path);
    if !directory_is_writable(directory) {
        return format!("the state directory {} is read-only", directory.display());
    }
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(_) => format!("cannot open the state database {}", path.display()),
        Err(_) => format!("the state database {} is read-only", path.display()),
    }
}

pub(crate) fn describe_io(path: &Path, creating: bool, error: &io::Error) -> String {
    let directory = parent_directory(path);
    match error.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem if creating => {
            format!("the state directory {} is read-only", directory.display())
        }
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            format!("the state database {} is read-only", path.display())
        }
        io::ErrorKind::StorageFull => format!("disk full while writing {}", path.display()),
        io::ErrorKind::NotADirectory => {
            format!(
                "the state directory {} is not a directory",
                directory.display()
            )
        }
        io::ErrorKind::IsADirectory => {
            format!("the state database {} is a directory", path.display())
        }
        _ => format!("cannot open the state database {}", path.display()),
    }
}

pub(crate) fn parent_directory(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Probes by creating (and removing) a file: permission bits do not tell, for root or on a
/// read-only mount. Only used to explain a failure.
fn directory_is_writable(directory: &Path) -> bool {
    let probe = directory.join(format!(".flow-write-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(error) => error.kind() == io::ErrorKind::AlreadyExists,
    }
}
