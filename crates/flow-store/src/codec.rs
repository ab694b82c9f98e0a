//! The explicit mapping between the engine's types and the schema's columns. Enums become a
//! status name plus the columns their variant fills; JSON values become TEXT; timestamps
//! become nanoseconds since the Unix epoch.

use flow_engine::{
    CompensationStatus, EventKind, ExecutionStatus, ScopeKey, ScopeStatus, StepId, StepStatus,
};
use rusqlite::Row;
use rusqlite::types::Type;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{UnreadableRecord, UnstorableValue};

pub(crate) fn unreadable(column: &str, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        Box::new(UnreadableRecord(format!("column {column}: {what}"))),
    )
}

pub(crate) fn json(value: &Value) -> String {
    // A serde_json Value always serializes: its keys are strings.
    value.to_string()
}

pub(crate) fn json_opt(value: Option<&Value>) -> Option<String> {
    value.map(json)
}

pub(crate) fn read_json(row: &Row<'_>, column: &str) -> rusqlite::Result<Value> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text)
        .map_err(|error| unreadable(column, format!("invalid JSON ({error})")))
}

pub(crate) fn read_json_opt(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Value>> {
    match row.get::<_, Option<String>>(column)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| unreadable(column, format!("invalid JSON ({error})"))),
    }
}

/// A column that the row's status requires.
fn required<T>(value: Option<T>, column: &str, status: &str) -> rusqlite::Result<T> {
    value.ok_or_else(|| unreadable(column, format!("missing for status '{status}'")))
}

pub(crate) fn timestamp(time: OffsetDateTime) -> rusqlite::Result<i64> {
    i64::try_from(time.unix_timestamp_nanos()).map_err(|_| {
        rusqlite::Error::ToSqlConversionFailure(Box::new(UnstorableValue(format!(
            "the timestamp {time} is outside the years 1677-2262"
        ))))
    })
}

pub(crate) fn timestamp_opt(time: Option<OffsetDateTime>) -> rusqlite::Result<Option<i64>> {
    time.map(timestamp).transpose()
}

fn to_time(nanos: i64, column: &str) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .map_err(|error| unreadable(column, format!("invalid timestamp ({error})")))
}

pub(crate) fn read_time(row: &Row<'_>, column: &str) -> rusqlite::Result<OffsetDateTime> {
    to_time(row.get(column)?, column)
}

pub(crate) fn read_time_opt(
    row: &Row<'_>,
    column: &str,
) -> rusqlite::Result<Option<OffsetDateTime>> {
    row.get::<_, Option<i64>>(column)?
        .map(|nanos| to_time(nanos, column))
        .transpose()
}

/// A scope as (scope_parent, scope_index): (0, 0) is the root; step ids start at 1.
pub(crate) fn scope_columns(scope: ScopeKey) -> rusqlite::Result<(u64, u32)> {
    match scope {
        ScopeKey::Root => Ok((0, 0)),
        ScopeKey::Child {
            parent: StepId(0), ..
        } => Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
            UnstorableValue("a scope's parent step cannot be step 0".into()),
        ))),
        ScopeKey::Child { parent, index } => Ok((parent.0, index)),
    }
}

pub(crate) fn read_scope(row: &Row<'_>) -> rusqlite::Result<ScopeKey> {
    let parent: u64 = row.get("scope_parent")?;
    let index: u32 = row.get("scope_index")?;
    match (parent, index) {
        (0, 0) => Ok(ScopeKey::Root),
        (0, _) => Err(unreadable(
            "scope_index",
            format!("{index} in the root scope"),
        )),
        (parent, index) => Ok(ScopeKey::Child {
            parent: StepId(parent),
            index,
        }),
    }
}

pub(crate) fn read_event_kind(row: &Row<'_>) -> rusqlite::Result<EventKind> {
    let name: String = row.get("kind")?;
    EventKind::parse(&name)
        .ok_or_else(|| unreadable("kind", format!("unknown event kind '{name}'")))
}

/// The columns of an execution's status.
#[derive(Debug, Default)]
pub(crate) struct ExecutionStatusColumns {
    pub status: &'static str,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub failed_steps: Option<String>,
}

pub(crate) fn execution_status_columns(status: &ExecutionStatus) -> ExecutionStatusColumns {
    match status {
        ExecutionStatus::Running => ExecutionStatusColumns {
            status: "running",
            ..Default::default()
        },
        ExecutionStatus::Succeeded { output } => ExecutionStatusColumns {
            status: "succeeded",
            output: Some(json(output)),
            ..Default::default()
        },
        ExecutionStatus::Failed { error, cause } => ExecutionStatusColumns {
            status: "failed",
            error: Some(error.clone()),
            cause: Some(cause.clone()),
            ..Default::default()
        },
        ExecutionStatus::RollingBack => ExecutionStatusColumns {
            status: "rolling_back",
            ..Default::default()
        },
        ExecutionStatus::RolledBack => ExecutionStatusColumns {
            status: "rolled_back",
            ..Default::default()
        },
        ExecutionStatus::RollbackFailed { failed_steps } => {
            let ids: Vec<u64> = failed_steps.iter().map(|step| step.0).collect();
            ExecutionStatusColumns {
                status: "rollback_failed",
                failed_steps: Some(json(&Value::from(ids))),
                ..Default::default()
            }
        }
    }
}

/// Whether an execution in this status is being driven (so it has no stop time).
pub(crate) fn is_active(status: &ExecutionStatus) -> bool {
    matches!(
        status,
        ExecutionStatus::Running | ExecutionStatus::RollingBack
    )
}

pub(crate) fn read_execution_status(row: &Row<'_>) -> rusqlite::Result<ExecutionStatus> {
    let status: String = row.get("status")?;
    Ok(match status.as_str() {
        "running" => ExecutionStatus::Running,
        "succeeded" => ExecutionStatus::Succeeded {
            output: required(read_json_opt(row, "output")?, "output", &status)?,
        },
        "failed" => ExecutionStatus::Failed {
            error: required(row.get("error")?, "error", &status)?,
            cause: required(row.get("cause")?, "cause", &status)?,
        },
        "rolling_back" => ExecutionStatus::RollingBack,
        "rolled_back" => ExecutionStatus::RolledBack,
        "rollback_failed" => {
            let ids = required(read_json_opt(row, "failed_steps")?, "failed_steps", &status)?;
            let failed_steps = serde_json::from_value::<Vec<u64>>(ids)
                .map_err(|error| unreadable("failed_steps", error.to_string()))?
                .into_iter()
                .map(StepId)
                .collect();
            ExecutionStatus::RollbackFailed { failed_steps }
        }
        other => {
            return Err(unreadable(
                "status",
                format!("unknown execution status '{other}'"),
            ));
        }
    })
}

/// The columns of a step's status.
#[derive(Debug, Default)]
pub(crate) struct StepStatusColumns {
    pub status: &'static str,
    pub attempt: Option<u32>,
    pub parameters: Option<String>,
    pub wake_at: Option<i64>,
    pub children: Option<u32>,
    pub output: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next: Option<String>,
}

pub(crate) fn step_status_columns(status: &StepStatus) -> rusqlite::Result<StepStatusColumns> {
    Ok(match status {
        StepStatus::Running {
            attempt,
            parameters,
        } => StepStatusColumns {
            status: "running",
            attempt: Some(*attempt),
            parameters: Some(json(parameters)),
            ..Default::default()
        },
        StepStatus::Backoff {
            attempt,
            parameters,
            wake_at,
        } => StepStatusColumns {
            status: "backoff",
            attempt: Some(*attempt),
            parameters: Some(json(parameters)),
            wake_at: Some(timestamp(*wake_at)?),
            ..Default::default()
        },
        StepStatus::Waiting { wake_at } => StepStatusColumns {
            status: "waiting",
            wake_at: Some(timestamp(*wake_at)?),
            ..Default::default()
        },
        StepStatus::FannedOut { children } => StepStatusColumns {
            status: "fanned_out",
            children: Some(*children),
            ..Default::default()
        },
        StepStatus::Succeeded {
            output,
            parameters,
            result,
        } => StepStatusColumns {
            status: "succeeded",
            output: Some(json(output)),
            parameters: json_opt(parameters.as_ref()),
            result: json_opt(result.as_ref()),
            ..Default::default()
        },
        StepStatus::Caught { error, cause, next } => StepStatusColumns {
            status: "caught",
            error: Some(error.clone()),
            cause: Some(cause.clone()),
            next: Some(next.clone()),
            ..Default::default()
        },
        StepStatus::Failed { error, cause } => StepStatusColumns {
            status: "failed",
            error: Some(error.clone()),
            cause: Some(cause.clone()),
            ..Default::default()
        },
    })
}

pub(crate) fn read_step_status(row: &Row<'_>) -> rusqlite::Result<StepStatus> {
    let status: String = row.get("status")?;
    let s = status.as_str();
    Ok(match s {
        "running" => StepStatus::Running {
            attempt: required(row.get("attempt")?, "attempt", s)?,
            parameters: required(read_json_opt(row, "parameters")?, "parameters", s)?,
        },
        "backoff" => StepStatus::Backoff {
            attempt: required(row.get("attempt")?, "attempt", s)?,
            parameters: required(read_json_opt(row, "parameters")?, "parameters", s)?,
            wake_at: required(read_time_opt(row, "wake_at")?, "wake_at", s)?,
        },
        "waiting" => StepStatus::Waiting {
            wake_at: required(read_time_opt(row, "wake_at")?, "wake_at", s)?,
        },
        "fanned_out" => StepStatus::FannedOut {
            children: required(row.get("children")?, "children", s)?,
        },
        "succeeded" => StepStatus::Succeeded {
            output: required(read_json_opt(row, "output")?, "output", s)?,
            parameters: read_json_opt(row, "parameters")?,
            result: read_json_opt(row, "result")?,
        },
        "caught" => StepStatus::Caught {
            error: required(row.get("error")?, "error", s)?,
            cause: required(row.get("cause")?, "cause", s)?,
            next: required(row.get("next")?, "next", s)?,
        },
        "failed" => StepStatus::Failed {
            error: required(row.get("error")?, "error", s)?,
            cause: required(row.get("cause")?, "cause", s)?,
        },
        other => {
            return Err(unreadable(
                "status",
                format!("unknown step status '{other}'"),
            ));
        }
    })
}

/// The columns of a scope's status.
#[derive(Debug, Default)]
pub(crate) struct ScopeStatusColumns {
    pub status: &'static str,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

pub(crate) fn scope_status_columns(status: &ScopeStatus) -> ScopeStatusColumns {
    match status {
        ScopeStatus::Running => ScopeStatusColumns {
            status: "running",
            ..Default::default()
        },
        ScopeStatus::Succeeded { output } => ScopeStatusColumns {
            status: "succeeded",
            output: Some(json(output)),
            ..Default::default()
        },
        ScopeStatus::Failed { error, cause } => ScopeStatusColumns {
            status: "failed",
            error: Some(error.clone()),
            cause: Some(cause.clone()),
            ..Default::default()
        },
    }
}

pub(crate) fn read_scope_status(row: &Row<'_>) -> rusqlite::Result<ScopeStatus> {
    let status: String = row.get("status")?;
    let s = status.as_str();
    Ok(match s {
        "running" => ScopeStatus::Running,
        "succeeded" => ScopeStatus::Succeeded {
            output: required(read_json_opt(row, "output")?, "output", s)?,
        },
        "failed" => ScopeStatus::Failed {
            error: required(row.get("error")?, "error", s)?,
            cause: required(row.get("cause")?, "cause", s)?,
        },
        other => {
            return Err(unreadable(
                "status",
                format!("unknown scope status '{other}'"),
            ));
        }
    })
}

/// The columns of a compensation's status.
#[derive(Debug, Default)]
pub(crate) struct CompensationStatusColumns {
    pub status: &'static str,
    pub attempt: Option<u32>,
    pub parameters: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

pub(crate) fn compensation_status_columns(
    status: &CompensationStatus,
) -> CompensationStatusColumns {
    match status {
        CompensationStatus::Running {
            attempt,
            parameters,
        } => CompensationStatusColumns {
            status: "running",
            attempt: Some(*attempt),
            parameters: Some(json(parameters)),
            ..Default::default()
        },
        CompensationStatus::Succeeded { result } => CompensationStatusColumns {
            status: "succeeded",
            result: Some(json(result)),
            ..Default::default()
        },
        CompensationStatus::Failed { error, cause } => CompensationStatusColumns {
            status: "failed",
            error: Some(error.clone()),
            cause: Some(cause.clone()),
            ..Default::default()
        },
    }
}

pub(crate) fn read_compensation_status(row: &Row<'_>) -> rusqlite::Result<CompensationStatus> {
    let status: String = row.get("status")?;
    let s = status.as_str();
    Ok(match s {
        "running" => CompensationStatus::Running {
            attempt: required(row.get("attempt")?, "attempt", s)?,
            parameters: required(read_json_opt(row, "parameters")?, "parameters", s)?,
        },
        "succeeded" => CompensationStatus::Succeeded {
            result: required(read_json_opt(row, "result")?, "result", s)?,
        },
        "failed" => CompensationStatus::Failed {
            error: required(row.get("error")?, "error", s)?,
            cause: required(row.get("cause")?, "cause", s)?,
        },
        other => {
            return Err(unreadable(
                "status",
                format!("unknown compensation status '{other}'"),
            ));
        }
    })
}
