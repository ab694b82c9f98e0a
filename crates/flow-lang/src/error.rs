//! Run-time errors of the language, named as Step Functions names them.

use serde_json::{Map, Value};

/// An error raised while evaluating a state: `error` is the ASL error name that Retry and
/// Catch match on (`States.Runtime`, `States.IntrinsicFailure`, ...), `cause` the
/// human-readable explanation, worded like AWS's where the corpus records it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct AslError {
    pub error: String,
    pub cause: String,
}

impl AslError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        AslError { error: error.into(), cause: cause.into() }
    }

    pub fn runtime(cause: impl Into<String>) -> Self {
        AslError::new("States.Runtime", cause)
    }

    pub fn intrinsic(cause: impl Into<String>) -> Self {
        AslError::new("States.IntrinsicFailure", cause)
    }
}

/// What a path, template or intrinsic call is evaluated against: `$` is `input`, `$$` is
/// `context`, and `$name` a variable (set by `Assign`).
#[derive(Debug, Clone, Copy)]
pub struct Bindings<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub variables: Option<&'a Map<String, Value>>,
}

impl<'a> Bindings<'a> {
    pub fn new(input: &'a Value, context: &'a Value) -> Self {
        Bindings { input, context, variables: None }
    }
}
