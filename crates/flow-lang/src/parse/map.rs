//! The Map state: its item processor, item source and selection, concurrency and failure
//! tolerance.

use super::fields::{Object, Parser};
use super::machine::{self, Level, QueryLanguage};
use super::retry;
use super::states::{allowed, data_flow, transition};
use crate::model::{Count, MapState, Percentage, StateMachine};
use crate::path::ReferencePath;

/// AWS's limit on a Map `Label`.
const MAX_LABEL: usize = 40;

pub fn map(parser: &mut Parser, state: Object) -> MapState {
    let fields = allowed(&[
        "InputPath",
        "OutputPath",
        "ResultPath",
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "ItemSelector",
        "Parameters",
        "ResultSelector",
        "Assign",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "Label",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Retry",
        "Catch",
        "Next",
        "End",
    ]);
    parser.check_fields(state, &fields, Some("Map"));
    for field in ["ItemReader", "ItemBatcher", "ResultWriter"] {
        if state.has(field) {
            parser.report(
                state.pointer_of(field),
                format!("\"{field}\" (a distributed Map feature) is not supported by flow"),
            );
        }
    }
    label(parser, state);

    parser.exclusive(state, &["ItemProcessor", "Iterator"]);
    let processor_field = if state.has("ItemProcessor") {
        "ItemProcessor"
    } else {
        "Iterator"
    };
    let processor = match state.get(processor_field) {
        Some(value) => {
            // The legacy `Iterator` takes a ProcessorConfig too (AWS accepts it).
            machine::parse_machine(
                parser,
                value,
                &state.pointer_of(processor_field),
                Level::Processor,
                QueryLanguage::JsonPath,
            )
        }
        None => {
            parser.report(state.pointer, "missing required field \"ItemProcessor\"");
            StateMachine {
                comment: None,
                start_at: String::new(),
                states: Default::default(),
                timeout_seconds: None,
                pointer: state.pointer_of("ItemProcessor"),
            }
        }
    };

    parser.exclusive(state, &["ItemSelector", "Parameters"]);
    let selector_field = if state.has("ItemSelector") {
        "ItemSelector"
    } else {
        "Parameters"
    };
    let item_selector = parser.template(state, selector_field, false);

    parser.exclusive(state, &["MaxConcurrency", "MaxConcurrencyPath"]);
    let max_concurrency = if state.has("MaxConcurrencyPath") {
        parser
            .required_reference_path(state, "MaxConcurrencyPath")
            .map(Count::Path)
    } else {
        parser
            .integer(state, "MaxConcurrency", 0, i64::MAX)
            .map(Count::Fixed)
    };

    parser.exclusive(
        state,
        &[
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        ],
    );
    let tolerated_failure_percentage = if state.has("ToleratedFailurePercentagePath") {
        parser
            .required_reference_path(state, "ToleratedFailurePercentagePath")
            .map(Percentage::Path)
    } else {
        match parser.number(state, "ToleratedFailurePercentage") {
            Some(percent) if (0.0..=100.0).contains(&percent) => Some(Percentage::Fixed(percent)),
            Some(percent) => {
                let message = format!(
                    "\"ToleratedFailurePercentage\" must be between 0 and 100, found {percent}"
                );
                parser.report(state.pointer_of("ToleratedFailurePercentage"), message);
                None
            }
            None => None,
        }
    };

    parser.exclusive(
        state,
        &["ToleratedFailureCount", "ToleratedFailureCountPath"],
    );
    let tolerated_failure_count = if state.has("ToleratedFailureCountPath") {
        parser
            .required_reference_path(state, "ToleratedFailureCountPath")
            .map(Count::Path)
    } else {
        parser
            .integer(state, "ToleratedFailureCount", 0, i64::MAX)
            .map(Count::Fixed)
    };

    MapState {
        data: data_flow(parser, state, true),
        processor: Box::new(processor),
        items_path: parser
            .reference_path(state, "ItemsPath", false)
            .flatten()
            .unwrap_or_else(ReferencePath::root),
        item_selector,
        result_selector: parser.template(state, "ResultSelector", true),
        assign: parser.template(state, "Assign", true),
        max_concurrency: max_concurrency.unwrap_or(Count::Fixed(0)),
        tolerated_failure_percentage,
        tolerated_failure_count,
        retry: retry::retriers(parser, state),
        catch: retry::catchers(parser, state),
        transition: transition(parser, state),
    }
}

/// `Label`: names a distributed Map's child executions; AWS limits its length and characters.
fn label(parser: &mut Parser, state: Object) {
    let Some(label) = parser.string(state, "Label") else {
        return;
    };
    let pointer = state.pointer_of("Label");
    if label.is_empty() {
        parser.report(pointer, "\"Label\" cannot be empty");
    } else if label.chars().count() > MAX_LABEL {
        parser.report(
            pointer,
            format!("\"Label\" cannot exceed {MAX_LABEL} characters"),
        );
    } else if let Some(bad) = label.chars().find(|c| is_forbidden_in_label(*c)) {
        parser.report(
            pointer,
            format!("\"Label\" contains the invalid character {bad:?}"),
        );
    }
}

fn is_forbidden_in_label(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c)
}
