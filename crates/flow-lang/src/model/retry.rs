//! Retry and Catch rules, and the matching of error names against them.

use crate::path::ReferencePath;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryRule {
    pub error_equals: Vec<ErrorMatcher>,
    /// Default 1.
    pub interval_seconds: u64,
    /// Default 3; 0 means never retry.
    pub max_attempts: u64,
    /// Default 2.0.
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter_strategy: JitterStrategy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JitterStrategy {
    Full,
    #[default]
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatchRule {
    pub error_equals: Vec<ErrorMatcher>,
    pub next: String,
    /// Default `$`; `None` for `"ResultPath": null`.
    pub result_path: Option<ReferencePath>,
}

/// One entry of `ErrorEquals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorMatcher {
    /// `States.ALL`: every error except `States.Runtime`.
    All,
    /// `States.TaskFailed`: every error except `States.Timeout` (and `States.Runtime`).
    TaskFailed,
    /// Any other name, matched exactly.
    Name(String),
}

impl ErrorMatcher {
    pub fn parse(name: &str) -> ErrorMatcher {
        match name {
            "States.ALL" => ErrorMatcher::All,
            "States.TaskFailed" => ErrorMatcher::TaskFailed,
            other => ErrorMatcher::Name(other.to_string()),
        }
    }

    /// Whether an error of this name is matched, under the Step Functions rules:
    /// `States.Runtime` is never caught nor retried by the wildcards, and
    /// `States.TaskFailed` matches anything but a timeout.
    pub fn matches(&self, error: &str) -> bool {
        match self {
            ErrorMatcher::All => error != "States.Runtime",
            ErrorMatcher::TaskFailed => !matches!(
                error,
                "States.Runtime" | "States.Timeout" | "States.HeartbeatTimeout"
            ),
            ErrorMatcher::Name(name) => name == error,
        }
    }
}

impl RetryRule {
    pub fn matches(&self, error: &str) -> bool {
        self.error_equals.iter().any(|m| m.matches(error))
    }
}

impl CatchRule {
    pub fn matches(&self, error: &str) -> bool {
        self.error_equals.iter().any(|m| m.matches(error))
    }
}
