//! Task handlers: what a Task state's `Resource` calls.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::ids::{ExecutionId, StepId};

/// One attempt of a Task (or of a compensation).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    pub resource: String,
    /// The evaluated `Parameters` (or the effective input when there are none). Secret
    /// references (`{"Flow.Secret": ...}`) are still unresolved here: a handler resolves them
    /// at the moment of the call and never returns or logs them.
    pub parameters: Value,
    pub execution: ExecutionId,
    pub step: StepId,
    pub state: String,
    pub attempt: u32,
    /// Stable across attempts and crashes of the same step: use it as the API's idempotency
    /// token (EFS CreationToken, ECS clientToken, ...) and in tags.
    pub idempotency_token: String,
    /// True when this attempt re-runs a step that was in flight when a previous process
    /// died: the handler should look for what that attempt may have created and adopt it.
    pub recovering: bool,
    /// `TimeoutSeconds` of the state, enforced by the engine too; handlers may use it as a
    /// deadline for their own calls.
    pub timeout_seconds: Option<u64>,
}

/// A task's failure, named as Retry and Catch will match it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    pub error: String,
    pub cause: String,
}

impl TaskError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send>>;

pub trait TaskHandler: Send + Sync + 'static {
    /// Whether this handler serves the resource (e.g. a `flow:` or `arn:aws:states:::aws-sdk:`
    /// prefix).
    fn handles(&self, resource: &str) -> bool;

    /// Runs one attempt. Must not panic; every failure is a [`TaskError`].
    fn invoke(&self, request: TaskRequest) -> TaskFuture;

    /// Whether an attempt nobody waits for any more (its branch was cancelled) should be
    /// left to finish rather than dropped. A remote call cut off mid-request may still be
    /// carried out after flow has moved on, where no lookup sees it coming: such handlers
    /// say yes. A local command is simply stopped (the default).
    fn finish_when_abandoned(&self) -> bool {
        false
    }
}
