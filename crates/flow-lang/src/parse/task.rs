//! The Task state: its Resource, Parameters (where secret references may appear), timeouts,
//! Retry/Catch, Credentials and flow's `Compensate`.

use serde_json::Value;

use super::fields::{Object, Parser};
use super::states::{allowed, data_flow, seconds_or_path, transition};
use super::{compensate, resource, retry};
use crate::model::{Duration, TaskState};

pub fn task(parser: &mut Parser, state: Object) -> TaskState {
    let fields = allowed(&[
        "Resource",
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "Assign",
        "Retry",
        "Catch",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
        "Compensate",
        "Next",
        "End",
    ]);
    parser.check_fields(state, &fields, Some("Task"));
    let resource = resource_field(parser, state);
    let timeout = seconds_or_path(parser, state, "TimeoutSeconds", 1);
    let heartbeat = seconds_or_path(parser, state, "HeartbeatSeconds", 1);
    if let (Some(Duration::Seconds(timeout)), Some(Duration::Seconds(heartbeat))) =
        (&timeout, &heartbeat)
        && heartbeat >= timeout
    {
        parser.report(
            state.pointer_of("HeartbeatSeconds"),
            "\"HeartbeatSeconds\" must be smaller than \"TimeoutSeconds\"",
        );
    }
    if let Some(credentials_value) = state.get("Credentials") {
        credentials(parser, credentials_value, &state.pointer_of("Credentials"));
    }
    TaskState {
        resource,
        data: data_flow(parser, state, true),
        parameters: parser.template_with_secrets(state, "Parameters", false, true),
        result_selector: parser.template(state, "ResultSelector", true),
        assign: parser.template(state, "Assign", true),
        retry: retry::retriers(parser, state),
        catch: retry::catchers(parser, state),
        timeout,
        heartbeat,
        compensate: compensate::compensation(parser, state),
        transition: transition(parser, state),
    }
}

/// The `Resource` of a Task or a compensation: required, and of a shape flow knows.
pub fn resource_field(parser: &mut Parser, object: Object) -> String {
    let Some(resource) = parser.required_string(object, "Resource") else {
        return String::new();
    };
    if let Err(message) = resource::classify_resource(resource) {
        parser.report(object.pointer_of("Resource"), message);
    }
    resource.to_string()
}

/// `Credentials` (a role to assume): its shape is checked as AWS does, then reported, since
/// flow calls AWS with its own credentials only.
pub fn credentials(parser: &mut Parser, value: &Value, pointer: &str) {
    let Some(credentials) = parser.object(value, pointer, "\"Credentials\"") else {
        return;
    };
    let role = ["RoleArn", "RoleArn.$"]
        .iter()
        .filter(|f| credentials.has(f))
        .count();
    if role == 0 {
        parser.report(pointer, "missing required field \"RoleArn\"");
    } else {
        parser.report(
            pointer,
            "\"Credentials\" (assuming another role) is not supported by flow",
        );
    }
}
