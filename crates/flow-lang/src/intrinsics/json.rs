//! JSON intrinsics: `States.StringToJson`, `States.JsonToString`, `States.JsonMerge`.

use serde_json::Value;

use super::Arguments;
use super::text;
use crate::error::AslError;

/// An empty or blank string is `null`, as on AWS.
pub(crate) fn string_to_json(arguments: &Arguments) -> Result<Value, AslError> {
    let input = arguments.string(0)?;
    if input.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(input).map_err(|error| {
        arguments.invalid(format!("the string is not valid JSON ({error}): {input}"))
    })
}

pub(crate) fn json_to_string(arguments: &Arguments) -> Result<Value, AslError> {
    Ok(Value::String(text::to_json(arguments.get(0)?)))
}

/// A shallow merge: the second object's keys replace the first's. AWS supports only the
/// shallow mode, so `true` for the third argument is an error.
pub(crate) fn merge(arguments: &Arguments) -> Result<Value, AslError> {
    let first = arguments.object(0)?;
    let second = arguments.object(1)?;
    if arguments.boolean(2)? {
        return Err(
            arguments.invalid("deep merge is not supported; the third argument must be false")
        );
    }
    let mut merged = first.clone();
    for (key, value) in second {
        merged.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(merged))
}
