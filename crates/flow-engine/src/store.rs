//! The durable store the engine writes through. flow-store implements it on SQLite; an
//! in-memory implementation serves the engine's own tests.

use time::OffsetDateTime;

use crate::history::HistoryEvent;
use crate::ids::ExecutionId;
use crate::records::{Checkpoint, DurableState, ExecutionRecord, ExecutionSummary, NewExecution};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no execution with id or name '{0}'")]
    UnknownExecution(String),
    #[error("an execution named '{0}' already exists")]
    DuplicateName(String),
    #[error("execution {execution} is driven by {holder}")]
    LeaseHeld {
        execution: ExecutionId,
        holder: LeaseHolder,
    },
    /// The backend failed (IO, corruption, full disk, locked database...).
    #[error("{message}")]
    Backend {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who drives an execution: a process on a host. Liveness is judged from the heartbeat and,
/// on the same host, from whether the process still exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub host: String,
    pub pid: u32,
    /// Distinguishes a reused pid: the process's start time as the OS reports it.
    pub process_start: u64,
}

impl std::fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} on {}", self.pid, self.host)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseGrant {
    Acquired,
    /// Someone alive holds it.
    HeldBy(LeaseHolder),
}

pub trait Store: Send + Sync + 'static {
    /// Creates the execution with status Running. Fails with `DuplicateName` if the name is
    /// taken.
    fn create_execution(&self, execution: &NewExecution) -> Result<()>;

    /// Finds an execution by id, or else by name.
    fn find_execution(&self, id_or_name: &str) -> Result<ExecutionRecord>;

    /// Every execution, newest first.
    fn list_executions(&self) -> Result<Vec<ExecutionSummary>>;

    /// Takes the lease of an execution for `holder` unless a live holder has it. `now` and
    /// `ttl_seconds` decide when a silent holder counts as dead.
    fn acquire_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
        ttl_seconds: u64,
    ) -> Result<LeaseGrant>;

    /// Records that the holder is still alive.
    fn renew_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
    ) -> Result<()>;

    fn release_lease(&self, execution: &ExecutionId, holder: &LeaseHolder) -> Result<()>;

    /// Persists a checkpoint atomically and durably: when this returns, all of it survives a
    /// crash; if it fails, none of it was written.
    fn commit(&self, execution: &ExecutionId, checkpoint: &Checkpoint) -> Result<()>;

    /// Everything needed to resume or roll back.
    fn load(&self, execution: &ExecutionId) -> Result<DurableState>;

    /// What resume needs, which may be less than [`Store::load`]: every scope, and of the
    /// steps at least the last one of each scope and every step that has child scopes (a
    /// Parallel or Map). A long execution resumes without reading the steps it finished.
    fn load_open(&self, execution: &ExecutionId) -> Result<DurableState> {
        self.load(execution)
    }

    /// The history, oldest first.
    fn history(&self, execution: &ExecutionId) -> Result<Vec<HistoryEvent>>;
}
