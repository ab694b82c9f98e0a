//! Evaluation of Choice rules against a state's input.

use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{AslError, Bindings};
use crate::model::{Comparison, Condition, Operand, Operator};
use crate::path::{Path, compare_numbers, compare_strings};

/// Whether the condition holds. Type mismatches make a comparison false, as on AWS; a
/// missing `Variable` is a `States.Runtime` error except under `IsPresent`.
pub fn evaluate(condition: &Condition, bindings: &Bindings) -> Result<bool, AslError> {
    match condition {
        Condition::And(all) => {
            for inner in all {
                if !evaluate(inner, bindings)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(any) => {
            for inner in any {
                if evaluate(inner, bindings)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, bindings)?),
        Condition::Comparison(comparison) => compare(comparison, bindings),
    }
}

/// AWS's words for a condition path that names nothing.
fn missing(path: &Path) -> AslError {
    AslError::runtime(format!(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    ))
}

fn compare(comparison: &Comparison, bindings: &Bindings) -> Result<bool, AslError> {
    let variable = comparison.variable.lookup(bindings)?;
    if comparison.operator == Operator::IsPresent {
        let expected = comparison_flag(&comparison.operand);
        return Ok(variable.is_some() == expected);
    }
    let Some(variable) = variable else {
        return Err(missing(&comparison.variable));
    };
    let operand = match &comparison.operand {
        Operand::Literal(value) => value.clone(),
        Operand::Path(path) => path.lookup(bindings)?.ok_or_else(|| missing(path))?,
    };
    Ok(holds(comparison.operator, &variable, &operand))
}

/// The `true`/`false` of a type test (`"IsNull": true`).
fn comparison_flag(operand: &Operand) -> bool {
    !matches!(operand, Operand::Literal(Value::Bool(false)))
}

/// Whether `operator` holds between the variable's value and the operand's.
pub(crate) fn holds(operator: Operator, variable: &Value, operand: &Value) -> bool {
    use Operator as O;
    let flag = operand.as_bool() == Some(true);
    match operator {
        O::StringEquals
        | O::StringLessThan
        | O::StringGreaterThan
        | O::StringLessThanEquals
        | O::StringGreaterThanEquals => match (variable, operand) {
            (Value::String(left), Value::String(right)) => {
                ordered(operator, compare_strings(left, right))
            }
            _ => false,
        },
        O::StringMatches => match (variable, operand) {
            (Value::String(text), Value::String(pattern)) => wildcard_match(pattern, text),
            _ => false,
        },
        O::NumericEquals
        | O::NumericLessThan
        | O::NumericGreaterThan
        | O::NumericLessThanEquals
        | O::NumericGreaterThanEquals => match (variable, operand) {
            (Value::Number(left), Value::Number(right)) => {
                compare_numbers(left, right).is_some_and(|ordering| ordered(operator, ordering))
            }
            _ => false,
        },
        O::BooleanEquals => {
            matches!((variable, operand), (Value::Bool(l), Value::Bool(r)) if l == r)
        }
        O::TimestampEquals
        | O::TimestampLessThan
        | O::TimestampGreaterThan
        | O::TimestampLessThanEquals
        | O::TimestampGreaterThanEquals => match (timestamp(variable), timestamp(operand)) {
            (Some(left), Some(right)) => ordered(operator, left.cmp(&right)),
            _ => false,
        },
        O::IsNull => variable.is_null() == flag,
        O::IsPresent => flag,
        O::IsNumeric => variable.is_number() == flag,
        O::IsString => variable.is_string() == flag,
        O::IsBoolean => variable.is_boolean() == flag,
        O::IsTimestamp => timestamp(variable).is_some() == flag,
    }
}

fn ordered(operator: Operator, ordering: Ordering) -> bool {
    use Operator as O;
    match operator {
        O::StringEquals | O::NumericEquals | O::TimestampEquals => ordering == Ordering::Equal,
        O::StringLessThan | O::NumericLessThan | O::TimestampLessThan => ordering == Ordering::Less,
        O::StringGreaterThan | O::NumericGreaterThan | O::TimestampGreaterThan => {
            ordering == Ordering::Greater
        }
        O::StringLessThanEquals | O::NumericLessThanEquals | O::TimestampLessThanEquals => {
            ordering != Ordering::Greater
        }
        O::StringGreaterThanEquals
        | O::NumericGreaterThanEquals
        | O::TimestampGreaterThanEquals => ordering != Ordering::Less,
        _ => false,
    }
}

/// An RFC 3339 timestamp (`2016-08-18T17:33:00Z`, with an offset or fraction as needed).
pub(crate) fn timestamp(value: &Value) -> Option<OffsetDateTime> {
    let text = value.as_str()?;
    // ASL narrows RFC 3339: an uppercase `T` between date and time, an uppercase `Z` for UTC.
    if text.contains(['t', 'z']) {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// One piece of a StringMatches pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// An unescaped `*`: any run of characters, even none.
    Any,
}

/// StringMatches: `*` matches any run of characters; `\*` is a literal star and `\\` a literal
/// backslash. Greedy matching with one backtrack point is linear enough for any pattern.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut tokens = Vec::new();
    let mut characters = pattern.chars();
    while let Some(c) = characters.next() {
        match c {
            '\\' => match characters.next() {
                Some(escaped) => tokens.push(Token::Literal(escaped)),
                None => tokens.push(Token::Literal('\\')),
            },
            '*' => tokens.push(Token::Any),
            c => tokens.push(Token::Literal(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut p) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Any) => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(Token::Literal(c)) if text.get(t) == Some(c) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    t = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    tokens
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|token| *token == Token::Any)
}
