//! The event history, in Step Functions' vocabulary (GetExecutionHistory), plus flow's own
//! compensation events.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::ids::{ScopeKey, StepId};

/// One persisted event. `details` follows the shape of the matching `...EventDetails`
/// object of GetExecutionHistory (e.g. `{"name": "Create", "input": {...}}` for a
/// `TaskStateEntered`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// 1, 2, 3, ... within the execution.
    pub id: u64,
    pub previous_event_id: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub kind: EventKind,
    pub step: Option<StepId>,
    pub scope: ScopeKey,
    pub details: Value,
}

/// The event types. Names are Step Functions' (`as_str`), flow's additions are prefixed by
/// what they concern (`Compensation...`, `Rollback...`, `ExecutionRedriven`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionTimedOut,
    ExecutionAborted,
    ExecutionRedriven,
    PassStateEntered,
    PassStateExited,
    TaskStateEntered,
    TaskStateExited,
    TaskScheduled,
    TaskStarted,
    TaskSucceeded,
    TaskFailed,
    TaskTimedOut,
    ChoiceStateEntered,
    ChoiceStateExited,
    WaitStateEntered,
    WaitStateExited,
    SucceedStateEntered,
    SucceedStateExited,
    FailStateEntered,
    ParallelStateEntered,
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    ParallelStateExited,
    MapStateEntered,
    MapStateStarted,
    MapStateSucceeded,
    MapStateFailed,
    MapStateExited,
    MapIterationStarted,
    MapIterationSucceeded,
    MapIterationFailed,
    RollbackStarted,
    /// A step whose outcome is unknown (in flight at a crash, or stopped when a sibling
    /// branch failed) is sent again as `recovering` before its compensation, so that what
    /// it may have created is adopted and then undone.
    InFlightStepRecovering,
    InFlightStepRecovered,
    CompensationScheduled,
    CompensationSucceeded,
    CompensationFailed,
    RollbackSucceeded,
    RollbackFailed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        // The Debug names are exactly the Step Functions names.
        match self {
            EventKind::ExecutionStarted => "ExecutionStarted",
            EventKind::ExecutionSucceeded => "ExecutionSucceeded",
            EventKind::ExecutionFailed => "ExecutionFailed",
            EventKind::ExecutionTimedOut => "ExecutionTimedOut",
            EventKind::ExecutionAborted => "ExecutionAborted",
            EventKind::ExecutionRedriven => "ExecutionRedriven",
            EventKind::PassStateEntered => "PassStateEntered",
            EventKind::PassStateExited => "PassStateExited",
            EventKind::TaskStateEntered => "TaskStateEntered",
            EventKind::TaskStateExited => "TaskStateExited",
            EventKind::TaskScheduled => "TaskScheduled",
            EventKind::TaskStarted => "TaskStarted",
            EventKind::TaskSucceeded => "TaskSucceeded",
            EventKind::TaskFailed => "TaskFailed",
            EventKind::TaskTimedOut => "TaskTimedOut",
            EventKind::ChoiceStateEntered => "ChoiceStateEntered",
            EventKind::ChoiceStateExited => "ChoiceStateExited",
            EventKind::WaitStateEntered => "WaitStateEntered",
            EventKind::WaitStateExited => "WaitStateExited",
            EventKind::SucceedStateEntered => "SucceedStateEntered",
            EventKind::SucceedStateExited => "SucceedStateExited",
            EventKind::FailStateEntered => "FailStateEntered",
            EventKind::ParallelStateEntered => "ParallelStateEntered",
            EventKind::ParallelStateStarted => "ParallelStateStarted",
            EventKind::ParallelStateSucceeded => "ParallelStateSucceeded",
            EventKind::ParallelStateFailed => "ParallelStateFailed",
            EventKind::ParallelStateExited => "ParallelStateExited",
            EventKind::MapStateEntered => "MapStateEntered",
            EventKind::MapStateStarted => "MapStateStarted",
            EventKind::MapStateSucceeded => "MapStateSucceeded",
            EventKind::MapStateFailed => "MapStateFailed",
            EventKind::MapStateExited => "MapStateExited",
            EventKind::MapIterationStarted => "MapIterationStarted",
            EventKind::MapIterationSucceeded => "MapIterationSucceeded",
            EventKind::MapIterationFailed => "MapIterationFailed",
            EventKind::RollbackStarted => "RollbackStarted",
            EventKind::InFlightStepRecovering => "InFlightStepRecovering",
            EventKind::InFlightStepRecovered => "InFlightStepRecovered",
            EventKind::CompensationScheduled => "CompensationScheduled",
            EventKind::CompensationSucceeded => "CompensationSucceeded",
            EventKind::CompensationFailed => "CompensationFailed",
            EventKind::RollbackSucceeded => "RollbackSucceeded",
            EventKind::RollbackFailed => "RollbackFailed",
        }
    }

    /// Inverse of [`EventKind::as_str`], for stores.
    pub fn parse(name: &str) -> Option<EventKind> {
        ALL_KINDS.iter().copied().find(|k| k.as_str() == name)
    }
}

const ALL_KINDS: [EventKind; 43] = [
    EventKind::ExecutionStarted,
    EventKind::ExecutionSucceeded,
    EventKind::ExecutionFailed,
    EventKind::ExecutionTimedOut,
    EventKind::ExecutionAborted,
    EventKind::ExecutionRedriven,
    EventKind::PassStateEntered,
    EventKind::PassStateExited,
    EventKind::TaskStateEntered,
    EventKind::TaskStateExited,
    EventKind::TaskScheduled,
    EventKind::TaskStarted,
    EventKind::TaskSucceeded,
    EventKind::TaskFailed,
    EventKind::TaskTimedOut,
    EventKind::ChoiceStateEntered,
    EventKind::ChoiceStateExited,
    EventKind::WaitStateEntered,
    EventKind::WaitStateExited,
    EventKind::SucceedStateEntered,
    EventKind::SucceedStateExited,
    EventKind::FailStateEntered,
    EventKind::ParallelStateEntered,
    EventKind::ParallelStateStarted,
    EventKind::ParallelStateSucceeded,
    EventKind::ParallelStateFailed,
    EventKind::ParallelStateExited,
    EventKind::MapStateEntered,
    EventKind::MapStateStarted,
    EventKind::MapStateSucceeded,
    EventKind::MapStateFailed,
    EventKind::MapStateExited,
    EventKind::MapIterationStarted,
    EventKind::MapIterationSucceeded,
    EventKind::MapIterationFailed,
    EventKind::RollbackStarted,
    EventKind::InFlightStepRecovering,
    EventKind::InFlightStepRecovered,
    EventKind::CompensationScheduled,
    EventKind::CompensationSucceeded,
    EventKind::CompensationFailed,
    EventKind::RollbackSucceeded,
    EventKind::RollbackFailed,
];
