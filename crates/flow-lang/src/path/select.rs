//! Evaluation of a parsed path against the bindings, with Jayway's semantics: a definite path
//! gives its node or fails with Jayway's message; an indefinite one gives the array of its
//! matches, possibly empty, and never fails.

use serde_json::{Number, Value};

use super::filter;
use super::syntax::{Function, Root, Segment, Selector, Syntax};
use crate::error::Bindings;

/// What a path is evaluated in.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub bindings: Bindings<'a>,
}

/// Why a definite path named nothing, in Jayway's words (e.g. `No results for path: $['a']`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Miss(pub String);

/// Evaluates `path`; `current` is the node `@` stands for inside a filter.
pub(crate) fn evaluate(
    path: &Syntax,
    scope: &Scope<'_>,
    current: Option<&Value>,
) -> Result<Option<Value>, Miss> {
    evaluate_value(path, scope, current).map(Some)
}

pub(crate) fn evaluate_value(
    path: &Syntax,
    scope: &Scope<'_>,
    current: Option<&Value>,
) -> Result<Value, Miss> {
    let document = match &path.root {
        Root::Input => scope.bindings.input,
        Root::Context => scope.bindings.context,
        Root::Current => current.unwrap_or(scope.bindings.input),
        Root::Variable(name) => match scope
            .bindings
            .variables
            .and_then(|variables| variables.get(name))
        {
            Some(value) => value,
            None => return Err(Miss(format!("The variable '${name}' is not defined"))),
        },
    };
    let selected = if path.is_definite() {
        definite(path, document)?.clone()
    } else {
        Value::Array(
            indefinite(&path.segments, document, scope)
                .into_iter()
                .cloned()
                .collect(),
        )
    };
    match path.function {
        None => Ok(selected),
        Some(function) => apply(function, selected),
    }
}

fn definite<'v>(path: &Syntax, document: &'v Value) -> Result<&'v Value, Miss> {
    let mut node = document;
    let count = path.segments.len();
    for (position, segment) in path.segments.iter().enumerate() {
        let is_leaf = position + 1 == count;
        node = match segment {
            Segment::Child(Selector::Name(name)) => match node {
                Value::Object(map) => match map.get(name) {
                    Some(child) => child,
                    None if is_leaf => {
                        return Err(Miss(format!(
                            "No results for path: {}",
                            path.normalized(count)
                        )));
                    }
                    None => {
                        return Err(Miss(format!(
                            "Missing property in path {}",
                            path.normalized(position + 1)
                        )));
                    }
                },
                other => {
                    return Err(Miss(format!(
                        "Expected to find an object with property ['{name}'] in path {} but found '{}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
                        path.normalized(position),
                        java_type(other)
                    )));
                }
            },
            Segment::Child(Selector::Index(index)) => match node {
                Value::Array(items) => {
                    match resolve_index(*index, items.len()).and_then(|i| items.get(i)) {
                        Some(child) => child,
                        None => {
                            return Err(Miss(format!(
                                "No results for path: {}",
                                path.normalized(count)
                            )));
                        }
                    }
                }
                Value::Null => {
                    return Err(Miss(format!(
                        "The path {} is null",
                        path.normalized(position)
                    )));
                }
                other => {
                    return Err(Miss(format!(
                        "Filter: [{index}] can only be applied to arrays. Current context is: {}",
                        compact(other)
                    )));
                }
            },
            _ => return Err(Miss("internal: not a definite path".into())),
        };
    }
    Ok(node)
}

/// The class Jayway's Jackson provider would name for a value.
fn java_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(_) => "java.lang.Integer",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "java.util.ArrayList",
        Value::Object(_) => "java.util.LinkedHashMap",
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn resolve_index(index: i64, length: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok()
    } else {
        let from_end = usize::try_from(index.unsigned_abs()).ok()?;
        length.checked_sub(from_end)
    }
}

fn indefinite<'v>(segments: &[Segment], document: &'v Value, scope: &Scope<'_>) -> Vec<&'v Value> {
    let mut nodes = vec![document];
    for segment in segments {
        let mut next = Vec::new();
        for node in nodes {
            match segment {
                Segment::Child(selector) => children(selector, node, scope, &mut next),
                Segment::Descendant(selector) => {
                    let mut all = Vec::new();
                    descendants_or_self(node, &mut all);
                    for descendant in all {
                        children(selector, descendant, scope, &mut next);
                    }
                }
            }
        }
        nodes = next;
    }
    nodes
}

fn descendants_or_self<'v>(node: &'v Value, out: &mut Vec<&'v Value>) {
    // An explicit stack: a deeply nested input must not exhaust the call stack.
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        out.push(node);
        match node {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => stack.extend(map.values().rev()),
            _ => {}
        }
    }
}

fn children<'v>(selector: &Selector, node: &'v Value, scope: &Scope<'_>, out: &mut Vec<&'v Value>) {
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => out.extend(map.get(name)),
        (Selector::Names(names), Value::Object(map)) => {
            out.extend(names.iter().filter_map(|name| map.get(name)))
        }
        (Selector::Index(index), Value::Array(items)) => {
            out.extend(resolve_index(*index, items.len()).and_then(|i| items.get(i)));
        }
        (Selector::Indexes(indexes), Value::Array(items)) => {
            for index in indexes {
                out.extend(resolve_index(*index, items.len()).and_then(|i| items.get(i)));
            }
        }
        (Selector::Slice { start, end }, Value::Array(items)) => {
            let length = items.len() as i128;
            let clamp = |bound: i128| bound.clamp(0, length) as usize;
            let from = match start {
                None => 0,
                Some(s) if *s < 0 => clamp(length + i128::from(*s)),
                Some(s) => clamp(i128::from(*s)),
            };
            let to = match end {
                None => items.len(),
                Some(e) if *e < 0 => clamp(length + i128::from(*e)),
                Some(e) => clamp(i128::from(*e)),
            };
            if from < to {
                out.extend(items.get(from..to).unwrap_or_default());
            }
        }
        (Selector::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Filter(expr), Value::Array(items)) => {
            out.extend(items.iter().filter(|item| filter::test(expr, item, scope)));
        }
        // Jayway applies a filter on an object to the object itself.
        (Selector::Filter(expr), Value::Object(_)) => {
            if filter::test(expr, node, scope) {
                out.push(node);
            }
        }
        _ => {}
    }
}

fn apply(function: Function, value: Value) -> Result<Value, Miss> {
    let numbers = |value: &Value| -> Vec<f64> {
        match value {
            Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
            _ => Vec::new(),
        }
    };
    let empty =
        || Miss("Aggregation function attempted to calculate value using empty array".into());
    let float = |x: f64| {
        Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| Miss("not a finite number".into()))
    };
    match function {
        Function::Length => match &value {
            Value::Array(items) => Ok(Value::from(items.len())),
            Value::Object(map) => Ok(Value::from(map.len())),
            Value::String(text) => Ok(Value::from(text.encode_utf16().count())),
            _ => Err(Miss(
                "Invalid function length() on a value that is neither an array nor an object"
                    .into(),
            )),
        },
        Function::Min => numbers(&value)
            .into_iter()
            .reduce(f64::min)
            .ok_or_else(empty)
            .and_then(float),
        Function::Max => numbers(&value)
            .into_iter()
            .reduce(f64::max)
            .ok_or_else(empty)
            .and_then(float),
        Function::Sum => {
            let all = numbers(&value);
            if all.is_empty() {
                Err(empty())
            } else {
                float(all.iter().sum())
            }
        }
        Function::Avg => {
            let all = numbers(&value);
            if all.is_empty() {
                Err(empty())
            } else {
                float(all.iter().sum::<f64>() / all.len() as f64)
            }
        }
        Function::Stddev => {
            let all = numbers(&value);
            if all.is_empty() {
                return Err(empty());
            }
            let count = all.len() as f64;
            let mean = all.iter().sum::<f64>() / count;
            let variance = all.iter().map(|x| x * x).sum::<f64>() / count - mean * mean;
            float(variance.max(0.0).sqrt())
        }
        Function::First | Function::Last => match value {
            Value::Array(mut items) if !items.is_empty() => Ok(if function == Function::First {
                items.swap_remove(0)
            } else {
                items.pop().unwrap_or(Value::Null)
            }),
            _ => Err(empty()),
        },
        Function::Keys => match value {
            Value::Object(map) => Ok(Value::Array(
                map.keys().cloned().map(Value::String).collect(),
            )),
            _ => Err(Miss(
                "Invalid function keys() on a value that is not an object".into(),
            )),
        },
    }
}
