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
        AslError {
            error: error.into(),
            cause: cause.into(),
        }
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
        Bindings {
            input,
            context,
            variables: None,
        }
    }
}

impl<'a> Bindings<'a> {
    /// The same bindings with `$name` variables.
    pub fn with_variables(mut self, variables: &'a Map<String, Value>) -> Self {
        self.variables = Some(variables);
        self
    }
}

/// Why an evaluation inside a payload template stopped. A definite path that named nothing is
/// kept apart from other errors because AWS words it after the field it was found in
/// ("... specified for the field 'x.$' could not be found in the input ..."), which only the
/// template knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    NotFound { path: String, detail: String },
    Error(AslError),
}

impl From<AslError> for Failure {
    fn from(error: AslError) -> Self {
        Failure::Error(error)
    }
}

impl Failure {
    /// The error as a path or call evaluated on its own reports it (InputPath's wording).
    pub(crate) fn into_error(self) -> AslError {
        match self {
            Failure::NotFound { path, detail } => {
                AslError::runtime(format!("Invalid path '{path}' : {detail}"))
            }
            Failure::Error(error) => error,
        }
    }
}
