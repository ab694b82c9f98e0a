//! What the engine asks the store to keep: executions, steps, scopes and compensations.
//! These are the engine's types; the store maps them to its own versioned schema.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::history::HistoryEvent;
use crate::ids::{ExecutionId, ScopeKey, StepId};

/// An execution as created by `flow run`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExecution {
    pub id: ExecutionId,
    /// `--name`, or the id.
    pub name: String,
    /// The path the definition was read from, as given.
    pub definition_path: String,
    /// The definition's text, kept so that resume and rollback run the same version.
    pub definition: String,
    pub input: Value,
    pub started_at: OffsetDateTime,
}

/// The lifecycle of an execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExecutionStatus {
    Running,
    Succeeded { output: Value },
    Failed { error: String, cause: String },
    RollingBack,
    RolledBack,
    RollbackFailed { failed_steps: Vec<StepId> },
}

impl ExecutionStatus {
    /// The name used in `--output json` and `flow list`.
    pub fn name(&self) -> &'static str {
        match self {
            ExecutionStatus::Running | ExecutionStatus::RollingBack => "RUNNING",
            ExecutionStatus::Succeeded { .. } => "SUCCEEDED",
            ExecutionStatus::Failed { .. } => "FAILED",
            ExecutionStatus::RolledBack => "ROLLED_BACK",
            ExecutionStatus::RollbackFailed { .. } => "ROLLBACK_FAILED",
        }
    }
}

/// An execution as the store returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    pub id: ExecutionId,
    pub name: String,
    pub definition_path: String,
    pub definition: String,
    pub input: Value,
    pub status: ExecutionStatus,
    pub started_at: OffsetDateTime,
    pub stopped_at: Option<OffsetDateTime>,
    /// How many times `flow resume` has restarted it (Step Functions' redriveCount).
    pub redrive_count: u32,
}

/// The checkpoint of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub id: StepId,
    pub scope: ScopeKey,
    /// The state's name within its scope's machine.
    pub state: String,
    /// The input the state received (before InputPath).
    pub input: Value,
    pub status: StepStatus,
    /// Logical time (the history event id) at which the step was entered and finished;
    /// rollback orders and groups compensations by these.
    pub entered_event: u64,
    pub finished_event: Option<u64>,
}

/// The lifecycle of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StepStatus {
    /// A Task attempt has been scheduled (its parameters are durable) and may be running.
    Running { attempt: u32, parameters: Value },
    /// A Task attempt failed with a retriable error; the next attempt starts at `wake_at`.
    Backoff {
        attempt: u32,
        parameters: Value,
        #[serde(with = "time::serde::rfc3339")]
        wake_at: OffsetDateTime,
    },
    /// A Wait state sleeping until `wake_at`.
    Waiting {
        #[serde(with = "time::serde::rfc3339")]
        wake_at: OffsetDateTime,
    },
    /// A Parallel or Map step whose children (scopes) are running.
    FannedOut { children: u32 },
    /// Finished; `output` is what went to the next state. For Tasks, `parameters` and the
    /// raw `result` are kept for compensation.
    Succeeded {
        output: Value,
        parameters: Option<Value>,
        result: Option<Value>,
    },
    /// Failed and caught: execution went on at `next`.
    Caught {
        error: String,
        cause: String,
        next: String,
    },
    /// Failed, not caught: the scope failed with it.
    Failed { error: String, cause: String },
}

/// The lifecycle of a scope (see [`ScopeKey`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRecord {
    pub key: ScopeKey,
    pub input: Value,
    pub status: ScopeStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScopeStatus {
    Running,
    Succeeded { output: Value },
    Failed { error: String, cause: String },
}

/// The checkpoint of one compensation run by `flow rollback`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompensationRecord {
    pub step: StepId,
    pub status: CompensationStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CompensationStatus {
    Running { attempt: u32, parameters: Value },
    Succeeded { result: Value },
    Failed { error: String, cause: String },
}

/// Everything one transition (or a group of them) persists, in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkpoint {
    pub events: Vec<HistoryEvent>,
    /// Inserted or replaced by id.
    pub steps: Vec<StepRecord>,
    /// Inserted or replaced by key.
    pub scopes: Vec<ScopeRecord>,
    pub compensations: Vec<CompensationRecord>,
    pub status: Option<ExecutionStatus>,
    /// Set when the execution (or a rollback) finished.
    pub stopped_at: Option<OffsetDateTime>,
    /// Set when a resume redrives a FAILED execution: the new `redrive_count` to store.
    pub redrive_count: Option<u32>,
}

/// What resume and rollback need: every step, scope and compensation of the execution.
#[derive(Debug, Clone, PartialEq)]
pub struct DurableState {
    pub execution: ExecutionRecord,
    pub steps: Vec<StepRecord>,
    pub scopes: Vec<ScopeRecord>,
    pub compensations: Vec<CompensationRecord>,
    /// The id of the last history event, so new events continue the numbering.
    pub last_event_id: u64,
}

/// A line of `flow list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionSummary {
    pub id: ExecutionId,
    pub name: String,
    pub status: ExecutionStatus,
    pub definition_path: String,
    pub started_at: OffsetDateTime,
    pub stopped_at: Option<OffsetDateTime>,
}
