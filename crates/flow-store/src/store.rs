//! `SqliteStore`: the engine's `Store` on one SQLite connection.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use flow_engine::store::Result;
use flow_engine::{
    Checkpoint, CompensationRecord, DurableState, ExecutionId, ExecutionRecord, ExecutionSummary,
    HistoryEvent, LeaseGrant, LeaseHolder, NewExecution, ScopeRecord, StepId, StepRecord, Store,
    StoreError,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::busy;
use crate::codec::*;
use crate::error::{Fault, in_context};
use crate::lease::holder_is_gone;
use crate::schema;

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a write waits for another process's transaction before failing with
    /// "locked". Long, so that many processes sharing one file queue instead of failing.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(30),
        }
    }
}

/// The SQLite store. One connection, used by one operation at a time; other processes (and
/// other `SqliteStore`s) on the same file are serialized by SQLite's locks.
pub struct SqliteStore {
    path: PathBuf,
    busy_timeout: Duration,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (mode 0600) and its missing parent
    /// directories (mode 0700), and migrating its schema to the current version.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        SqliteStore::open_with(path, &StoreOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, options: &StoreOptions) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let connection = schema::open(&path, options.busy_timeout)?;
        Ok(SqliteStore {
            path,
            busy_timeout: options.busy_timeout,
            connection: Mutex::new(connection),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one operation on the connection and gives its failure the operation's context.
    fn run<T>(
        &self,
        action: impl FnOnce() -> String,
        operation: impl FnOnce(&mut Connection) -> Result<T, Fault>,
    ) -> Result<T> {
        let mut connection = self.lock();
        busy::with_timeout(self.busy_timeout, || operation(&mut connection))
            .map_err(|fault| in_context(&self.path, &action(), fault))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic cannot leave a transaction open (dropping one rolls it back), so the
        // connection behind a poisoned lock is still sound.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn immediate(connection: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    connection.transaction_with_behavior(TransactionBehavior::Immediate)
}

fn unknown(execution: &ExecutionId) -> Fault {
    Fault::Store(StoreError::UnknownExecution(execution.0.clone()))
}

fn ensure_exists(connection: &Connection, execution: &ExecutionId) -> Result<(), Fault> {
    let found = connection
        .prepare_cached("SELECT 1 FROM executions WHERE id = ?1")?
        .exists([&execution.0])?;
    if found {
        Ok(())
    } else {
        Err(unknown(execution))
    }
}

const EXECUTION_COLUMNS: &str = "id, name, definition_path, definition, input, status, output, error, \
     cause, failed_steps, started_at, stopped_at, redrive_count";

fn read_execution(row: &Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        id: ExecutionId(row.get("id")?),
        name: row.get("name")?,
        definition_path: row.get("definition_path")?,
        definition: row.get("definition")?,
        input: read_json(row, "input")?,
        status: read_execution_status(row)?,
        started_at: read_time(row, "started_at")?,
        stopped_at: read_time_opt(row, "stopped_at")?,
        redrive_count: row.get("redrive_count")?,
    })
}

fn read_summary(row: &Row<'_>) -> rusqlite::Result<ExecutionSummary> {
    Ok(ExecutionSummary {
        id: ExecutionId(row.get("id")?),
        name: row.get("name")?,
        status: read_execution_status(row)?,
        definition_path: row.get("definition_path")?,
        started_at: read_time(row, "started_at")?,
        stopped_at: read_time_opt(row, "stopped_at")?,
    })
}

fn read_step(row: &Row<'_>) -> rusqlite::Result<StepRecord> {
    Ok(StepRecord {
        id: StepId(row.get("step_id")?),
        scope: read_scope(row)?,
        state: row.get("state")?,
        input: read_json(row, "input")?,
        status: read_step_status(row)?,
        entered_event: row.get("entered_event")?,
        finished_event: row.get("finished_event")?,
    })
}

fn read_scope_record(row: &Row<'_>) -> rusqlite::Result<ScopeRecord> {
    Ok(ScopeRecord {
        key: read_scope(row)?,
        input: read_json(row, "input")?,
        status: read_scope_status(row)?,
    })
}

fn read_compensation(row: &Row<'_>) -> rusqlite::Result<CompensationRecord> {
    Ok(CompensationRecord {
        step: StepId(row.get("step_id")?),
        status: read_compensation_status(row)?,
    })
}

fn read_event(row: &Row<'_>) -> rusqlite::Result<HistoryEvent> {
    Ok(HistoryEvent {
        id: row.get("id")?,
        previous_event_id: row.get("previous_event_id")?,
        timestamp: read_time(row, "timestamp")?,
        kind: read_event_kind(row)?,
        step: row.get::<_, Option<u64>>("step_id")?.map(StepId),
        scope: read_scope(row)?,
        details: read_json(row, "details")?,
    })
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn write_checkpoint(
    connection: &mut Connection,
    execution: &ExecutionId,
    checkpoint: &Checkpoint,
) -> Result<(), Fault> {
    let transaction = immediate(connection)?;
    ensure_exists(&transaction, execution)?;
    let id = execution.0.as_str();

    if !checkpoint.events.is_empty() {
        let mut insert = transaction.prepare_cached(
            "INSERT INTO events (execution_id, id, previous_event_id, timestamp, kind, step_id, \
             scope_parent, scope_index, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for event in &checkpoint.events {
            let (scope_parent, scope_index) = scope_columns(event.scope)?;
            insert.execute(params![
                id,
                event.id,
                event.previous_event_id,
                timestamp(event.timestamp)?,
                event.kind.as_str(),
                event.step.map(|step| step.0),
                scope_parent,
                scope_index,
                json(&event.details),
            ])?;
        }
    }

    if !checkpoint.steps.is_empty() {
        let mut upsert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO steps (execution_id, step_id, scope_parent, scope_index, state, \
             input, status, attempt, parameters, wake_at, children, output, result, error, cause, \
             next, entered_event, finished_event) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        for step in &checkpoint.steps {
            let (scope_parent, scope_index) = scope_columns(step.scope)?;
            let status = step_status_columns(&step.status)?;
            upsert.execute(params![
                id,
                step.id.0,
                scope_parent,
                scope_index,
                step.state,
                json(&step.input),
                status.status,
                status.attempt,
                status.parameters,
                status.wake_at,
                status.children,
                status.output,
                status.result,
                status.error,
                status.cause,
                status.next,
                step.entered_event,
                step.finished_event,
            ])?;
        }
    }

    if !checkpoint.scopes.is_empty() {
        let mut upsert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO scopes (execution_id, scope_parent, scope_index, input, status, \
             output, error, cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for scope in &checkpoint.scopes {
            let (scope_parent, scope_index) = scope_columns(scope.key)?;
            let status = scope_status_columns(&scope.status);
            upsert.execute(params![
                id,
                scope_parent,
                scope_index,
                json(&scope.input),
                status.status,
                status.output,
                status.error,
                status.cause,
            ])?;
        }
    }

    if !checkpoint.compensations.is_empty() {
        let mut upsert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO compensations (execution_id, step_id, status, attempt, \
             parameters, result, error, cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for compensation in &checkpoint.compensations {
            let status = compensation_status_columns(&compensation.status);
            upsert.execute(params![
                id,
                compensation.step.0,
                status.status,
                status.attempt,
                status.parameters,
                status.result,
                status.error,
                status.cause,
            ])?;
        }
    }

    let stopped_at = timestamp_opt(checkpoint.stopped_at)?;
    match &checkpoint.status {
        Some(status) => {
            let columns = execution_status_columns(status);
            // An execution driven again (resume, rollback) has no stop time until it stops.
            let keep_stop_time = !is_active(status);
            transaction
                .prepare_cached(
                    "UPDATE executions SET status = ?2, output = ?3, error = ?4, cause = ?5, \
                     failed_steps = ?6, \
                     stopped_at = CASE WHEN ?8 THEN coalesce(?7, stopped_at) ELSE ?7 END \
                     WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    columns.status,
                    columns.output,
                    columns.error,
                    columns.cause,
                    columns.failed_steps,
                    stopped_at,
                    keep_stop_time,
                ])?;
        }
        None if stopped_at.is_some() => {
            transaction
                .prepare_cached("UPDATE executions SET stopped_at = ?2 WHERE id = ?1")?
                .execute(params![id, stopped_at])?;
        }
        None => {}
    }

    if let Some(redrive_count) = checkpoint.redrive_count {
        transaction
            .prepare_cached("UPDATE executions SET redrive_count = ?2 WHERE id = ?1")?
            .execute(params![id, redrive_count])?;
    }

    transaction.commit()?;
    Ok(())
}

/// Which steps [`load_state`] reads.
#[derive(Clone, Copy, PartialEq)]
enum Steps {
    All,
    /// The last step of each scope and the steps with child scopes (see `Store::load_open`).
    Open,
}

const STEP_COLUMNS: &str = "step_id, scope_parent, scope_index, state, input, status, attempt, \
     parameters, wake_at, children, output, result, error, cause, next, entered_event, finished_event";

fn load_state(
    connection: &mut Connection,
    execution: &ExecutionId,
    which: Steps,
) -> Result<DurableState, Fault> {
    // One read transaction: a consistent snapshot even while another process commits.
    let transaction = connection.transaction()?;
    let id = execution.0.as_str();
    let record = transaction
        .prepare_cached(&format!(
            "SELECT {EXECUTION_COLUMNS} FROM executions WHERE id = ?1"
        ))?
        .query_row([id], read_execution)
        .optional()?
        .ok_or_else(|| unknown(execution))?;
    let steps = match which {
        Steps::All => {
            format!("SELECT {STEP_COLUMNS} FROM steps WHERE execution_id = ?1 ORDER BY step_id")
        }
        Steps::Open => format!(
            "SELECT {STEP_COLUMNS} FROM steps WHERE execution_id = ?1 AND (\
             step_id IN (SELECT max(step_id) FROM steps WHERE execution_id = ?1 \
                         GROUP BY scope_parent, scope_index) \
             OR step_id IN (SELECT scope_parent FROM scopes WHERE execution_id = ?1)) \
             ORDER BY step_id"
        ),
    };
    let steps = transaction
        .prepare_cached(&steps)?
        .query_map([id], read_step)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let scopes = transaction
        .prepare_cached(
            "SELECT scope_parent, scope_index, input, status, output, error, cause FROM scopes \
             WHERE execution_id = ?1 ORDER BY scope_parent, scope_index",
        )?
        .query_map([id], read_scope_record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let compensations = transaction
        .prepare_cached(
            "SELECT step_id, status, attempt, parameters, result, error, cause FROM compensations \
             WHERE execution_id = ?1 ORDER BY step_id",
        )?
        .query_map([id], read_compensation)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let last_event_id: u64 = transaction
        .prepare_cached("SELECT coalesce(max(id), 0) FROM events WHERE execution_id = ?1")?
        .query_row([id], |row| row.get(0))?;
    Ok(DurableState {
        execution: record,
        steps,
        scopes,
        compensations,
        last_event_id,
    })
}

/// A lease row.
struct Lease {
    holder: LeaseHolder,
    heartbeat_at: OffsetDateTime,
}

fn read_lease(connection: &Connection, execution: &ExecutionId) -> rusqlite::Result<Option<Lease>> {
    connection
        .prepare_cached(
            "SELECT host, pid, process_start, heartbeat_at FROM leases WHERE execution_id = ?1",
        )?
        .query_row([&execution.0], |row| {
            Ok(Lease {
                holder: LeaseHolder {
                    host: row.get("host")?,
                    pid: row.get("pid")?,
                    process_start: row.get::<_, i64>("process_start")? as u64,
                },
                heartbeat_at: read_time(row, "heartbeat_at")?,
            })
        })
        .optional()
}

fn write_lease(
    connection: &Connection,
    execution: &ExecutionId,
    holder: &LeaseHolder,
    now: OffsetDateTime,
) -> Result<(), Fault> {
    let now = timestamp(now)?;
    connection
        .prepare_cached(
            "INSERT OR REPLACE INTO leases (execution_id, host, pid, process_start, acquired_at, \
             heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )?
        // process_start is kept bit for bit in a signed column.
        .execute(params![
            execution.0,
            holder.host,
            holder.pid,
            holder.process_start as i64,
            now
        ])?;
    Ok(())
}

impl Store for SqliteStore {
    fn create_execution(&self, execution: &NewExecution) -> Result<()> {
        self.run(
            || format!("create execution {}", execution.id),
            |connection| {
                let transaction = immediate(connection)?;
                // A name must find one execution: it may match neither a name nor an id.
                let taken = transaction
                    .prepare_cached("SELECT 1 FROM executions WHERE name = ?1 OR id = ?1")?
                    .exists([&execution.name])?;
                if taken {
                    return Err(StoreError::DuplicateName(execution.name.clone()).into());
                }
                let id_taken = transaction
                    .prepare_cached("SELECT 1 FROM executions WHERE id = ?1 OR name = ?1")?
                    .exists([&execution.id.0])?;
                if id_taken {
                    return Err(StoreError::Backend {
                        message: format!("an execution with id '{}' already exists", execution.id),
                        source: None,
                    }
                    .into());
                }
                let status = execution_status_columns(&flow_engine::ExecutionStatus::Running);
                transaction
                    .prepare_cached(
                        "INSERT INTO executions (id, name, definition_path, definition, \
                         definition_sha256, input, status, started_at, redrive_count) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
                    )?
                    .execute(params![
                        execution.id.0,
                        execution.name,
                        execution.definition_path,
                        execution.definition,
                        sha256_hex(&execution.definition),
                        json(&execution.input),
                        status.status,
                        timestamp(execution.started_at)?,
                    ])?;
                transaction.commit()?;
                Ok(())
            },
        )
    }

    fn find_execution(&self, id_or_name: &str) -> Result<ExecutionRecord> {
        self.run(
            || format!("find execution '{id_or_name}'"),
            |connection| {
                connection
                    .prepare_cached(&format!(
                        "SELECT {EXECUTION_COLUMNS} FROM executions WHERE id = ?1 OR name = ?1 \
                         ORDER BY id = ?1 DESC LIMIT 1"
                    ))?
                    .query_row([id_or_name], read_execution)
                    .optional()?
                    .ok_or_else(|| StoreError::UnknownExecution(id_or_name.to_owned()).into())
            },
        )
    }

    fn list_executions(&self) -> Result<Vec<ExecutionSummary>> {
        self.run(
            || "list the executions".to_owned(),
            |connection| {
                Ok(connection
                    .prepare_cached(
                        "SELECT id, name, status, output, error, cause, failed_steps, \
                         definition_path, started_at, stopped_at FROM executions \
                         ORDER BY started_at DESC, rowid DESC",
                    )?
                    .query_map([], read_summary)?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            },
        )
    }

    fn acquire_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
        ttl_seconds: u64,
    ) -> Result<LeaseGrant> {
        self.run(
            || format!("acquire the lease of execution {execution}"),
            |connection| {
                // IMMEDIATE: the check and the write happen under one write lock, so of many
                // racing processes exactly one is granted the lease.
                let transaction = immediate(connection)?;
                ensure_exists(&transaction, execution)?;
                if let Some(lease) = read_lease(&transaction, execution)? {
                    let same_holder = lease.holder == *holder;
                    if !same_holder
                        && !holder_is_gone(&lease.holder, lease.heartbeat_at, now, ttl_seconds)
                    {
                        return Ok(LeaseGrant::HeldBy(lease.holder));
                    }
                }
                write_lease(&transaction, execution, holder, now)?;
                transaction.commit()?;
                Ok(LeaseGrant::Acquired)
            },
        )
    }

    fn renew_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.run(
            || format!("renew the lease of execution {execution}"),
            |connection| {
                let transaction = immediate(connection)?;
                ensure_exists(&transaction, execution)?;
                match read_lease(&transaction, execution)? {
                    Some(lease) if lease.holder != *holder => {
                        return Err(StoreError::LeaseHeld {
                            execution: execution.clone(),
                            holder: lease.holder,
                        }
                        .into());
                    }
                    Some(_) => {
                        transaction
                            .prepare_cached(
                                "UPDATE leases SET heartbeat_at = ?2 WHERE execution_id = ?1",
                            )?
                            .execute(params![execution.0, timestamp(now)?])?;
                    }
                    // Released already (a heartbeat racing the release): nothing to renew, and
                    // re-creating it would leave a lease behind the process.
                    None => {}
                }
                transaction.commit()?;
                Ok(())
            },
        )
    }

    fn release_lease(&self, execution: &ExecutionId, holder: &LeaseHolder) -> Result<()> {
        self.run(
            || format!("release the lease of execution {execution}"),
            |connection| {
                let transaction = immediate(connection)?;
                transaction
                    .prepare_cached(
                        "DELETE FROM leases WHERE execution_id = ?1 AND host = ?2 AND pid = ?3 \
                         AND process_start = ?4",
                    )?
                    .execute(params![
                        execution.0,
                        holder.host,
                        holder.pid,
                        holder.process_start as i64
                    ])?;
                transaction.commit()?;
                Ok(())
            },
        )
    }

    fn commit(&self, execution: &ExecutionId, checkpoint: &Checkpoint) -> Result<()> {
        self.run(
            || format!("commit a checkpoint of execution {execution}"),
            |connection| write_checkpoint(connection, execution, checkpoint),
        )
    }

    fn load(&self, execution: &ExecutionId) -> Result<DurableState> {
        self.run(
            || format!("load execution {execution}"),
            |connection| load_state(connection, execution, Steps::All),
        )
    }

    fn load_open(&self, execution: &ExecutionId) -> Result<DurableState> {
        self.run(
            || format!("load execution {execution}"),
            |connection| load_state(connection, execution, Steps::Open),
        )
    }

    fn history(&self, execution: &ExecutionId) -> Result<Vec<HistoryEvent>> {
        self.run(
            || format!("read the history of execution {execution}"),
            |connection| {
                let transaction = connection.transaction()?;
                ensure_exists(&transaction, execution)?;
                let events = transaction
                    .prepare_cached(
                        "SELECT id, previous_event_id, timestamp, kind, step_id, scope_parent, \
                         scope_index, details FROM events WHERE execution_id = ?1 ORDER BY id",
                    )?
                    .query_map([&execution.0], read_event)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(events)
            },
        )
    }
}
