//! The machine level: the top of a definition, a Parallel branch, a Map's item processor.

use indexmap::IndexMap;
use serde_json::Value;

use super::fields::{Object, Parser};
use super::states;
use crate::model::StateMachine;

/// Which of the three places a machine is in; each allows different fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Top,
    Branch,
    Processor,
}

/// The query language in force for a state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueryLanguage {
    JsonPath,
    /// Not supported by flow; reported once where it is declared.
    Jsonata,
}

/// ASL state names: at most 80 characters (AWS's limit).
const MAX_STATE_NAME: usize = 80;

pub fn parse_top(parser: &mut Parser, definition: &Value) -> StateMachine {
    if !definition.is_object() {
        parser.report("", "a state machine definition must be a JSON object");
        return empty("");
    }
    parse_machine(parser, definition, "", Level::Top, QueryLanguage::JsonPath)
}

/// A placeholder for a machine that could not be read at all.
fn empty(pointer: &str) -> StateMachine {
    StateMachine {
        comment: None,
        start_at: String::new(),
        states: IndexMap::new(),
        timeout_seconds: None,
        pointer: pointer.into(),
    }
}

pub fn parse_machine(
    parser: &mut Parser,
    value: &Value,
    pointer: &str,
    level: Level,
    inherited: QueryLanguage,
) -> StateMachine {
    let what = match level {
        Level::Top => "the state machine",
        Level::Branch => "a Parallel branch",
        Level::Processor => "a Map item processor",
    };
    let Some(object) = parser.object(value, pointer, what) else {
        return empty(pointer);
    };
    let allowed: &[&str] = match level {
        Level::Top => &[
            "Comment",
            "StartAt",
            "States",
            "TimeoutSeconds",
            "Version",
            "QueryLanguage",
        ],
        Level::Branch => &["Comment", "StartAt", "States"],
        Level::Processor => &["Comment", "StartAt", "States", "ProcessorConfig"],
    };
    parser.check_fields(object, allowed, None);

    let missing: Vec<&str> = ["States", "StartAt"]
        .into_iter()
        .filter(|f| !object.has(f))
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(" and ");
        let noun = if missing.len() == 1 {
            "field"
        } else {
            "fields"
        };
        parser.report(pointer, format!("missing required {noun} {list}"));
    }
    let comment = parser.string(object, "Comment").map(str::to_string);
    let start_at = parser
        .string(object, "StartAt")
        .unwrap_or_default()
        .to_string();
    let timeout_seconds = parser.integer(object, "TimeoutSeconds", 1, 99_999_999);
    if let Some(version) = parser.string(object, "Version")
        && version != "1.0"
    {
        parser.report(
            object.pointer_of("Version"),
            format!("unsupported \"Version\" \"{version}\": only \"1.0\" exists"),
        );
    }
    let language = if level == Level::Top {
        query_language(parser, object, inherited)
    } else {
        inherited
    };
    if level == Level::Processor {
        processor_config(parser, object);
    }

    let mut machine = empty(pointer);
    machine.comment = comment;
    machine.start_at = start_at;
    machine.timeout_seconds = timeout_seconds;
    if let Some(states_value) = object.get("States") {
        let states_pointer = object.pointer_of("States");
        if let Some(states) = parser.object(states_value, &states_pointer, "\"States\"") {
            if states.map.is_empty() {
                parser.report(states.pointer, "\"States\" must name at least one state");
            }
            for (name, state) in states.map {
                let state_pointer = states.pointer_of(name);
                if name.is_empty() || name.chars().count() > MAX_STATE_NAME {
                    parser.report(
                        state_pointer.clone(),
                        format!("state names must be 1 to {MAX_STATE_NAME} characters long"),
                    );
                }
                let parsed = states::parse_state(parser, name, state, &state_pointer, language);
                machine.states.insert(name.clone(), parsed);
            }
        }
    }
    machine
}

/// `QueryLanguage` of the top level or of a state. JSONata is reported as unsupported where it
/// is declared; a state may not go back to JSONPath under a JSONata machine (AWS's rule).
pub fn query_language(
    parser: &mut Parser,
    object: Object,
    inherited: QueryLanguage,
) -> QueryLanguage {
    let Some(declared) = parser.string(object, "QueryLanguage") else {
        return inherited;
    };
    match declared {
        "JSONPath" if inherited == QueryLanguage::Jsonata => {
            let message = "\"QueryLanguage\" cannot be \"JSONPath\" when the whole state machine is \"JSONata\"";
            parser.report(object.pointer, message);
            QueryLanguage::JsonPath
        }
        "JSONPath" => QueryLanguage::JsonPath,
        "JSONata" => {
            if inherited != QueryLanguage::Jsonata {
                let message = "\"QueryLanguage\": \"JSONata\" is not supported by flow; use the JSONPath flavour of ASL";
                parser.report(object.pointer_of("QueryLanguage"), message);
            }
            QueryLanguage::Jsonata
        }
        other => {
            let message =
                format!("\"QueryLanguage\" must be \"JSONPath\" or \"JSONata\", found \"{other}\"");
            parser.report(object.pointer_of("QueryLanguage"), message);
            inherited
        }
    }
}

/// `ProcessorConfig` of a Map's `ItemProcessor`. flow runs every Map inline. A `DISTRIBUTED`
/// processor is accepted as long as it uses nothing that only a distributed Map has (item
/// readers, batchers, result writers, which the Map state reports): for a JSON array of items
/// its results are the same as an inline Map's, and the conformance corpus relies on that.
fn processor_config(parser: &mut Parser, machine: Object) {
    let Some(value) = machine.get("ProcessorConfig") else {
        return;
    };
    let pointer = machine.pointer_of("ProcessorConfig");
    let Some(config) = parser.object(value, &pointer, "\"ProcessorConfig\"") else {
        return;
    };
    parser.check_fields(config, &["Mode", "ExecutionType"], None);
    match parser.string(config, "Mode") {
        None | Some("INLINE") => {
            if config.has("ExecutionType") {
                parser.report(
                    config.pointer_of("ExecutionType"),
                    "\"ExecutionType\" is only allowed with \"Mode\": \"DISTRIBUTED\"",
                );
            }
        }
        Some("DISTRIBUTED") => match parser.string(config, "ExecutionType") {
            Some("STANDARD" | "EXPRESS") => {}
            Some(other) => parser.report(
                config.pointer_of("ExecutionType"),
                format!("\"ExecutionType\" must be \"STANDARD\" or \"EXPRESS\", found \"{other}\""),
            ),
            None => {
                if !config.has("ExecutionType") {
                    parser.report(
                        config.pointer,
                        "missing required field \"ExecutionType\" for \"Mode\": \"DISTRIBUTED\"",
                    );
                }
            }
        },
        Some(other) => {
            parser.report(
                config.pointer_of("Mode"),
                format!("\"Mode\" must be \"INLINE\" or \"DISTRIBUTED\", found \"{other}\""),
            );
        }
    }
}
