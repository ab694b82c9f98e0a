//! ResultPath: placing a state's result into its input at a Reference Path.

use serde_json::{Map, Value};

use super::syntax::{Root, Segment, Selector, Syntax};
use crate::error::AslError;

/// `target` with `value` at `path`. Missing objects on the way are created; an existing node
/// that is not an object (or an array, for an index) cannot take the result, and an index past
/// the end of an array names nothing: both are `States.ResultPathMatchFailure`.
pub(crate) fn merge(
    source: &str,
    path: &Syntax,
    target: Value,
    value: Value,
) -> Result<Value, AslError> {
    if path.root != Root::Input || !path.is_definite() || path.function.is_some() {
        return Err(AslError::runtime(format!(
            "The ResultPath '{source}' must be a Reference Path starting with '$'"
        )));
    }
    if path.segments.is_empty() {
        return Ok(value);
    }
    let failure = |target: &Value| {
        AslError::new(
            "States.ResultPathMatchFailure",
            format!(
                "Unable to apply ReferencePath {source} to input {}",
                serde_json::to_string(target).unwrap_or_default()
            ),
        )
    };
    let mut target = target;
    if place(&mut target, &path.segments, value).is_err() {
        return Err(failure(&target));
    }
    Ok(target)
}

struct Unplaceable;

fn place(node: &mut Value, segments: &[Segment], value: Value) -> Result<(), Unplaceable> {
    let Some((segment, rest)) = segments.split_first() else {
        *node = value;
        return Ok(());
    };
    match segment {
        Segment::Child(Selector::Name(name)) => {
            let Value::Object(map) = node else {
                return Err(Unplaceable);
            };
            if rest.is_empty() {
                map.insert(name.clone(), value);
                return Ok(());
            }
            // A missing node is created as an object; an index below it could never match,
            // so refuse before changing anything (the error shows the input as it was).
            if !map.contains_key(name)
                && rest
                    .iter()
                    .any(|segment| matches!(segment, Segment::Child(Selector::Index(_))))
            {
                return Err(Unplaceable);
            }
            let child = map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            place(child, rest, value)
        }
        Segment::Child(Selector::Index(index)) => {
            let Value::Array(items) = node else {
                return Err(Unplaceable);
            };
            let position = if *index >= 0 {
                usize::try_from(*index).ok()
            } else {
                usize::try_from(index.unsigned_abs())
                    .ok()
                    .and_then(|back| items.len().checked_sub(back))
            };
            match position.and_then(|p| items.get_mut(p)) {
                Some(child) => place(child, rest, value),
                None => Err(Unplaceable),
            }
        }
        _ => Err(Unplaceable),
    }
}
