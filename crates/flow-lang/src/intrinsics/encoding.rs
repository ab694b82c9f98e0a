//! Encoding intrinsics: `States.Base64Encode` and `States.Base64Decode`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::Arguments;
use crate::error::AslError;

/// AWS's limit on the input of both functions, in characters.
const MAX_CHARACTERS: usize = 10_000;

fn bounded<'a>(arguments: &'a Arguments) -> Result<&'a str, AslError> {
    let input = arguments.string(0)?;
    let length = input.chars().count();
    if length > MAX_CHARACTERS {
        return Err(arguments.invalid(format!(
            "the input has {length} characters, but at most {MAX_CHARACTERS} are allowed"
        )));
    }
    Ok(input)
}

pub(crate) fn encode(arguments: &Arguments) -> Result<Value, AslError> {
    Ok(Value::String(
        STANDARD.encode(bounded(arguments)?.as_bytes()),
    ))
}

pub(crate) fn decode(arguments: &Arguments) -> Result<Value, AslError> {
    let input = bounded(arguments)?;
    let bytes = STANDARD
        .decode(input.as_bytes())
        .map_err(|error| arguments.invalid(format!("the input is not valid Base64 ({error})")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| arguments.invalid("the decoded data is not valid UTF-8 text"))
}
