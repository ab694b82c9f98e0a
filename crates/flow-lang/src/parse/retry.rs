//! `Retry` and `Catch`: the rule lists of Task, Parallel, Map (and a compensation's Retry).

use serde_json::Value;

use super::fields::{Object, Parser, type_name};
use crate::model::{CatchRule, ErrorMatcher, JitterStrategy, RetryRule};
use crate::path::ReferencePath;

/// AWS's bounds for the Retry fields.
const MAX_RETRY_NUMBER: i64 = 99_999_999;
const MAX_DELAY_SECONDS: i64 = 31_622_400;

pub fn retriers(parser: &mut Parser, state: Object) -> Vec<RetryRule> {
    rules(parser, state, "Retry", retrier)
}

pub fn catchers(parser: &mut Parser, state: Object) -> Vec<CatchRule> {
    rules(parser, state, "Catch", catcher)
}

/// Reads each element of the array `field` with `read`, then checks that `States.ALL`, when
/// used, is the only name of the last rule (so that no rule after it is dead).
fn rules<T>(
    parser: &mut Parser,
    state: Object,
    field: &str,
    read: fn(&mut Parser, Object) -> Option<T>,
) -> Vec<T> {
    let Some(value) = state.get(field) else {
        return Vec::new();
    };
    let pointer = state.pointer_of(field);
    let Value::Array(items) = value else {
        parser.report(
            pointer,
            format!("\"{field}\" must be an array, found {}", type_name(value)),
        );
        return Vec::new();
    };
    let mut parsed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_pointer = format!("{pointer}/{index}");
        let Some(rule) = parser.object(item, &item_pointer, &format!("a \"{field}\" rule")) else {
            continue;
        };
        if let Some(names) = rule.get("ErrorEquals").and_then(Value::as_array) {
            let all_at = names.iter().position(|name| name == "States.ALL");
            if let Some(at) = all_at {
                let name_pointer = format!("{item_pointer}/ErrorEquals/{at}");
                if names.len() > 1 {
                    parser.report(
                        name_pointer,
                        "\"States.ALL\" must appear alone in \"ErrorEquals\"",
                    );
                } else if index + 1 != items.len() {
                    parser.report(
                        name_pointer,
                        format!("\"States.ALL\" must be in the last rule of \"{field}\""),
                    );
                }
            }
        }
        if let Some(rule) = read(parser, rule) {
            parsed.push(rule);
        }
    }
    parsed
}

fn error_equals(parser: &mut Parser, rule: Object) -> Option<Vec<ErrorMatcher>> {
    parser.require(rule, "ErrorEquals")?;
    let pointer = rule.pointer_of("ErrorEquals");
    match rule.get("ErrorEquals")? {
        Value::Array(names) if names.is_empty() => {
            parser.report(pointer, "\"ErrorEquals\" must name at least one error");
            None
        }
        Value::Array(names) => {
            let mut matchers = Vec::new();
            for (index, name) in names.iter().enumerate() {
                match name {
                    Value::String(name) => matchers.push(ErrorMatcher::parse(name)),
                    other => parser.report(
                        format!("{pointer}/{index}"),
                        format!("error names must be strings, found {}", type_name(other)),
                    ),
                }
            }
            Some(matchers)
        }
        other => {
            parser.report(
                pointer,
                format!(
                    "\"ErrorEquals\" must be an array of error names, found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

fn retrier(parser: &mut Parser, rule: Object) -> Option<RetryRule> {
    let fields = [
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    ];
    parser.check_fields(rule, &fields, None);
    let error_equals = error_equals(parser, rule);
    let interval_seconds = parser
        .integer(rule, "IntervalSeconds", 1, MAX_RETRY_NUMBER)
        .unwrap_or(1);
    let max_attempts = parser
        .integer(rule, "MaxAttempts", 0, MAX_RETRY_NUMBER)
        .unwrap_or(3);
    let backoff_rate = match parser.number(rule, "BackoffRate") {
        Some(rate) if rate >= 1.0 => rate,
        Some(rate) => {
            parser.report(
                rule.pointer_of("BackoffRate"),
                format!("\"BackoffRate\" must be at least 1.0, found {rate}"),
            );
            2.0
        }
        None => 2.0,
    };
    let max_delay_seconds = parser.integer(rule, "MaxDelaySeconds", 1, MAX_DELAY_SECONDS);
    let jitter_strategy = match parser.string(rule, "JitterStrategy") {
        Some("FULL") => JitterStrategy::Full,
        Some("NONE") | None => JitterStrategy::None,
        Some(other) => {
            let message =
                format!("\"JitterStrategy\" must be \"FULL\" or \"NONE\", found \"{other}\"");
            parser.report(rule.pointer_of("JitterStrategy"), message);
            JitterStrategy::None
        }
    };
    Some(RetryRule {
        error_equals: error_equals?,
        interval_seconds,
        max_attempts,
        backoff_rate,
        max_delay_seconds,
        jitter_strategy,
    })
}

fn catcher(parser: &mut Parser, rule: Object) -> Option<CatchRule> {
    parser.check_fields(
        rule,
        &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"],
        None,
    );
    if rule.has("Assign") {
        // The model has no place for it yet, and silently dropping an assignment would
        // change what the workflow computes.
        parser.report(
            rule.pointer_of("Assign"),
            "\"Assign\" in a Catch rule is not supported by flow yet",
        );
    }
    let error_equals = error_equals(parser, rule);
    let next = parser.required_string(rule, "Next");
    let result_path = parser
        .reference_path(rule, "ResultPath", true)
        .unwrap_or(Some(ReferencePath::root()));
    Some(CatchRule {
        error_equals: error_equals?,
        next: next?.to_string(),
        result_path,
    })
}
