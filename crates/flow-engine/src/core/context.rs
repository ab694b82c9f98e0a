//! The context object (`$$`) as Step Functions fills it for a state.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// Where executions are said to run: the region and account of the ARNs in `$$`. The caller
/// decides (the CLI reads `AWS_REGION`); the core reads no environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub region: String,
    pub account: String,
}

impl Default for Placement {
    fn default() -> Self {
        Placement {
            region: "us-east-1".into(),
            account: "000000000000".into(),
        }
    }
}

/// The execution-wide part of `$$`, fixed for the whole run.
#[derive(Debug, Clone)]
pub struct ExecutionContext {
    pub execution_arn: String,
    pub name: String,
    pub input: Value,
    pub role_arn: String,
    pub start_time: String,
    pub redrive_count: u32,
    pub machine_arn: String,
    pub machine_name: String,
}

impl ExecutionContext {
    pub fn new(
        placement: &Placement,
        machine_name: &str,
        execution_name: &str,
        input: Value,
        started_at: OffsetDateTime,
        redrive_count: u32,
    ) -> Self {
        let Placement { region, account } = placement;
        ExecutionContext {
            execution_arn: format!(
                "arn:aws:states:{region}:{account}:execution:{machine_name}:{execution_name}"
            ),
            name: execution_name.to_string(),
            input,
            role_arn: format!("arn:aws:iam::{account}:role/flow-{machine_name}"),
            start_time: timestamp(started_at),
            redrive_count,
            machine_arn: format!("arn:aws:states:{region}:{account}:stateMachine:{machine_name}"),
            machine_name: machine_name.to_string(),
        }
    }

    /// `$$` while a state runs. `State.RetryCount` exists only for the types that retry
    /// (Task, Parallel, Map), as on AWS.
    pub fn for_state(
        &self,
        state: &str,
        entered: OffsetDateTime,
        retry_count: Option<u32>,
    ) -> Value {
        let mut context = self.skeleton();
        context["State"] = self.state_part(state, entered, retry_count);
        context
    }

    /// `$$` with an empty `State`: the part that is the same for every step. Building it
    /// copies the execution's input, which may be large, so the core builds it once and
    /// only swaps the `State` part per step (see `Execution::context_of`).
    pub(crate) fn skeleton(&self) -> Value {
        json!({
            "Execution": {
                "Id": self.execution_arn,
                "Input": self.input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": self.start_time,
                "RedriveCount": self.redrive_count,
            },
            "State": {},
            "StateMachine": {
                "Id": self.machine_arn,
                "Name": self.machine_name,
            },
        })
    }

    /// `$$.State` for a step.
    pub(crate) fn state_part(
        &self,
        state: &str,
        entered: OffsetDateTime,
        retry_count: Option<u32>,
    ) -> Value {
        let mut part = json!({
            "EnteredTime": timestamp(entered),
            "Name": state,
        });
        if let Some(count) = retry_count {
            part["RetryCount"] = json!(count);
        }
        part
    }

    /// `$$` while a Map's `ItemSelector` is evaluated for one item.
    pub fn for_map_item(
        &self,
        state: &str,
        entered: OffsetDateTime,
        index: usize,
        value: &Value,
    ) -> Value {
        let mut context = self.for_state(state, entered, None);
        context["Map"] = map_item(index, value);
        context
    }
}

/// `$$.Map` for one item.
pub(crate) fn map_item(index: usize, value: &Value) -> Value {
    json!({"Item": {"Index": index, "Value": value}})
}

/// The machine's name in ARNs: the definition file's stem (`provision` for
/// `workflows/provision.json`), or `flow` when there is none.
pub fn machine_name(definition_path: &str) -> String {
    let stem = std::path::Path::new(definition_path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    if stem.is_empty() { "flow".into() } else { stem }
}

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A timestamp as Step Functions writes them in `$$`: UTC, milliseconds, `Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}
