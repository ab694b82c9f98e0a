//! One state: its `Type`, the fields every type shares (transition, data-flow paths), and the
//! simple types (Pass, Wait, Succeed, Fail, Parallel). Task, Map and Choice have their modules.

use serde_json::Value;

use super::fields::{Object, Parser};
use super::machine::{self, Level, QueryLanguage};
use super::{choice, map, retry, task};
use crate::model::{
    DataFlow, FailState, ParallelState, PassState, State, StateKind, SucceedState, TextSource,
    Transition, WaitFor, WaitState,
};

const STATE_TYPES: &[&str] = &[
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// AWS's upper bound for `Seconds`, `TimeoutSeconds` and the like.
pub const MAX_SECONDS: i64 = 99_999_999;

pub fn parse_state(
    parser: &mut Parser,
    name: &str,
    value: &Value,
    pointer: &str,
    inherited: QueryLanguage,
) -> State {
    let comment = value
        .get("Comment")
        .and_then(Value::as_str)
        .map(str::to_string);
    let kind = parse_kind(parser, value, pointer, inherited).unwrap_or_else(|| placeholder(value));
    State {
        name: name.to_string(),
        comment,
        pointer: pointer.to_string(),
        kind,
    }
}

/// Stands in for a state that could not be read, keeping its `Next` so that the graph rules
/// do not report its successor as unreachable. Never leaves the crate: diagnostics exist.
fn placeholder(value: &Value) -> StateKind {
    let transition = match value.get("Next").and_then(Value::as_str) {
        Some(next) => Transition::Next(next.to_string()),
        None => Transition::End,
    };
    StateKind::Pass(PassState {
        data: DataFlow::default(),
        parameters: None,
        result: None,
        assign: None,
        transition,
    })
}

fn parse_kind(
    parser: &mut Parser,
    value: &Value,
    pointer: &str,
    inherited: QueryLanguage,
) -> Option<StateKind> {
    let state = parser.object(value, pointer, "a state")?;
    let language = machine::query_language(parser, state, inherited);
    let type_name = parser.required_string(state, "Type")?;
    if !STATE_TYPES.contains(&type_name) {
        let message = format!("unknown state type \"{type_name}\"");
        match super::fields::closest(type_name, STATE_TYPES) {
            Some(name) => parser.report_with_hint(
                state.pointer_of("Type"),
                message,
                format!("did you mean \"{name}\"?"),
            ),
            None => parser.report(
                state.pointer_of("Type"),
                format!("{message}; expected one of {}", STATE_TYPES.join(", ")),
            ),
        }
        return None;
    }
    if language == QueryLanguage::Jsonata {
        // Already reported where JSONata was declared; a JSONata state's fields hold
        // expressions flow cannot read, so only what every language shares is checked.
        if let Some(credentials) = state.get("Credentials") {
            task::credentials(parser, credentials, &state.pointer_of("Credentials"));
        }
        return None;
    }
    Some(match type_name {
        "Pass" => StateKind::Pass(pass(parser, state)),
        "Task" => StateKind::Task(task::task(parser, state)),
        "Choice" => StateKind::Choice(choice::choice_state(parser, state)),
        "Wait" => StateKind::Wait(wait(parser, state)),
        "Succeed" => StateKind::Succeed(succeed(parser, state)),
        "Fail" => StateKind::Fail(fail(parser, state)),
        "Parallel" => StateKind::Parallel(parallel(parser, state)),
        "Map" => StateKind::Map(map::map(parser, state)),
        _ => unreachable!("checked against STATE_TYPES"),
    })
}

/// `Next` or `End: true`, exactly one of them.
pub fn transition(parser: &mut Parser, state: Object) -> Transition {
    let next = parser.string(state, "Next");
    let end = parser.boolean(state, "End");
    match (next, end) {
        (Some(next), Some(true)) => {
            parser.report(
                state.pointer_of("End"),
                "a state cannot have both \"Next\" and \"End\": true",
            );
            // Following Next keeps its target from being reported unreachable as well.
            Transition::Next(next.to_string())
        }
        (Some(next), _) => Transition::Next(next.to_string()),
        (None, Some(true)) => Transition::End,
        (None, _) => {
            if !state.has("Next") && !state.has("End") || end == Some(false) {
                parser.report(
                    state.pointer,
                    "a state must have either \"Next\" or \"End\": true",
                );
            }
            Transition::End
        }
    }
}

/// `InputPath` and `OutputPath`, and `ResultPath` when the type has it.
pub fn data_flow(parser: &mut Parser, state: Object, has_result_path: bool) -> DataFlow {
    let mut data = DataFlow::default();
    if let Some(path) = parser.path(state, "InputPath", true) {
        data.input_path = path;
    }
    if let Some(path) = parser.path(state, "OutputPath", true) {
        data.output_path = path;
    }
    if has_result_path && let Some(path) = parser.reference_path(state, "ResultPath", true) {
        data.result_path = path;
    }
    data
}

/// The fields of every type; each type adds its own.
pub const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

pub fn allowed(own: &[&'static str]) -> Vec<&'static str> {
    COMMON.iter().chain(own).copied().collect()
}

fn pass(parser: &mut Parser, state: Object) -> PassState {
    let fields = allowed(&[
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "Result",
        "Assign",
        "Next",
        "End",
    ]);
    parser.check_fields(state, &fields, Some("Pass"));
    PassState {
        data: data_flow(parser, state, true),
        parameters: parser.template(state, "Parameters", false),
        result: state.get("Result").cloned(),
        assign: parser.template(state, "Assign", true),
        transition: transition(parser, state),
    }
}

fn wait(parser: &mut Parser, state: Object) -> WaitState {
    let fields = allowed(&[
        "InputPath",
        "OutputPath",
        "Seconds",
        "Timestamp",
        "SecondsPath",
        "TimestampPath",
        "Assign",
        "Next",
        "End",
    ]);
    parser.check_fields(state, &fields, Some("Wait"));
    let ways = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
    let given = ways.iter().filter(|f| state.has(f)).count();
    if given == 0 {
        parser.report(state.pointer, "a Wait state needs one of \"Seconds\", \"Timestamp\", \"SecondsPath\" or \"TimestampPath\"");
    }
    parser.exclusive(state, &ways);
    let until = if state.has("Seconds") {
        parser
            .integer(state, "Seconds", 0, MAX_SECONDS)
            .map(WaitFor::Seconds)
    } else if state.has("Timestamp") {
        parser.string(state, "Timestamp").and_then(|text| {
            if is_rfc3339(text) {
                Some(WaitFor::Timestamp(text.to_string()))
            } else {
                parser.report(
                    state.pointer_of("Timestamp"),
                    format!("\"Timestamp\" is not an RFC 3339 timestamp: \"{text}\""),
                );
                None
            }
        })
    } else if state.has("SecondsPath") {
        parser
            .required_reference_path(state, "SecondsPath")
            .map(WaitFor::SecondsPath)
    } else if state.has("TimestampPath") {
        parser
            .required_reference_path(state, "TimestampPath")
            .map(WaitFor::TimestampPath)
    } else {
        None
    };
    WaitState {
        data: data_flow(parser, state, false),
        until: until.unwrap_or(WaitFor::Seconds(0)),
        assign: parser.template(state, "Assign", true),
        transition: transition(parser, state),
    }
}

/// RFC 3339 as Step Functions reads it: a `T` between date and time, and a zone (`Z` or an
/// offset) always.
pub fn is_rfc3339(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
        && text.as_bytes().get(10) == Some(&b'T')
}

fn succeed(parser: &mut Parser, state: Object) -> SucceedState {
    parser.check_fields(
        state,
        &allowed(&["InputPath", "OutputPath"]),
        Some("Succeed"),
    );
    SucceedState {
        data: data_flow(parser, state, false),
    }
}

fn fail(parser: &mut Parser, state: Object) -> FailState {
    parser.check_fields(
        state,
        &allowed(&["Error", "ErrorPath", "Cause", "CausePath"]),
        Some("Fail"),
    );
    parser.exclusive(state, &["Error", "ErrorPath"]);
    parser.exclusive(state, &["Cause", "CausePath"]);
    let text = |parser: &mut Parser, literal: &str, dynamic: &str| {
        if state.has(literal) {
            parser
                .string(state, literal)
                .map(|text| TextSource::Literal(text.to_string()))
        } else if state.has(dynamic) {
            parser
                .value_expression(state, dynamic)
                .map(TextSource::Dynamic)
        } else {
            None
        }
    };
    let error = text(parser, "Error", "ErrorPath");
    let cause = text(parser, "Cause", "CausePath");
    FailState { error, cause }
}

fn parallel(parser: &mut Parser, state: Object) -> ParallelState {
    let fields = allowed(&[
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "Branches",
        "Retry",
        "Catch",
        "Assign",
        "Next",
        "End",
    ]);
    parser.check_fields(state, &fields, Some("Parallel"));
    let mut branches = Vec::new();
    if parser.require(state, "Branches").is_some() {
        let pointer = state.pointer_of("Branches");
        match state.get("Branches") {
            Some(Value::Array(items)) if !items.is_empty() => {
                for (index, branch) in items.iter().enumerate() {
                    let branch_pointer = format!("{pointer}/{index}");
                    branches.push(machine::parse_machine(
                        parser,
                        branch,
                        &branch_pointer,
                        Level::Branch,
                        QueryLanguage::JsonPath,
                    ));
                }
            }
            Some(Value::Array(_)) => {
                parser.report(pointer, "\"Branches\" must hold at least one branch")
            }
            Some(other) => parser.report(
                pointer,
                format!(
                    "\"Branches\" must be an array, found {}",
                    super::fields::type_name(other)
                ),
            ),
            None => {}
        }
    }
    ParallelState {
        data: data_flow(parser, state, true),
        branches,
        parameters: parser.template(state, "Parameters", false),
        result_selector: parser.template(state, "ResultSelector", true),
        assign: parser.template(state, "Assign", true),
        retry: retry::retriers(parser, state),
        catch: retry::catchers(parser, state),
        transition: transition(parser, state),
    }
}

/// `<Name>` (a fixed integer) or `<Name>Path` (a reference path), not both.
pub fn seconds_or_path(
    parser: &mut Parser,
    state: Object,
    field: &str,
    minimum: i64,
) -> Option<crate::model::Duration> {
    let path_field = format!("{field}Path");
    parser.exclusive(state, &[field, &path_field]);
    if state.has(field) {
        parser
            .integer(state, field, minimum, MAX_SECONDS)
            .map(crate::model::Duration::Seconds)
    } else {
        parser
            .required_reference_path(state, &path_field)
            .map(crate::model::Duration::Path)
    }
}
