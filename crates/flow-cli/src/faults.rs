//! A test-only fault hook: `FLOW_TEST_FAIL_AT_STATE=<state name>` makes every forward attempt
//! of the Task state of that name fail with `Flow.Test.InjectedFault`, before its handler is
//! called (nothing is created). Compensations are never failed, so a run stopped this way can
//! be rolled back, or resumed (without the variable) to completion.
//!
//! It exists so that the end-to-end tests can fail a provisioning run at each creating state
//! in turn. It wraps the task handlers in the CLI, leaving the engine untouched, and announces
//! itself on stderr whenever it is armed, so it cannot act unnoticed.

use std::sync::Arc;

use flow_engine::{TaskError, TaskFuture, TaskHandler, TaskRequest};

/// The variable that arms the hook.
pub const VARIABLE: &str = "FLOW_TEST_FAIL_AT_STATE";
/// The error name of an injected failure (no Retry of a definition should match it).
pub const ERROR: &str = "Flow.Test.InjectedFault";

/// `handlers`, each wrapped by the hook when [`VARIABLE`] names a state; unchanged otherwise.
pub fn wrap(handlers: Vec<Arc<dyn TaskHandler>>) -> Vec<Arc<dyn TaskHandler>> {
    let Some(state) = std::env::var(VARIABLE).ok().filter(|name| !name.is_empty()) else {
        return handlers;
    };
    eprintln!("warning: {VARIABLE} is set (test only): Task state \"{state}\" fails with {ERROR}");
    let state: Arc<str> = Arc::from(state);
    handlers
        .into_iter()
        .map(|inner| {
            Arc::new(FailAtState {
                inner,
                state: state.clone(),
            }) as Arc<dyn TaskHandler>
        })
        .collect()
}

struct FailAtState {
    inner: Arc<dyn TaskHandler>,
    state: Arc<str>,
}

/// Compensation requests (and their lookups) carry the step's token with these suffixes
/// (flow-engine's rollback).
fn is_compensation(request: &TaskRequest) -> bool {
    request.idempotency_token.ends_with("-compensate")
        || request.idempotency_token.ends_with("-lookup")
}

impl TaskHandler for FailAtState {
    fn handles(&self, resource: &str) -> bool {
        self.inner.handles(resource)
    }

    fn invoke(&self, request: TaskRequest) -> TaskFuture {
        if request.state == *self.state && !is_compensation(&request) {
            let cause = format!("{VARIABLE} names this state (attempt {})", request.attempt);
            return Box::pin(async move { Err(TaskError::new(ERROR, cause)) });
        }
        self.inner.invoke(request)
    }

    fn finish_when_abandoned(&self) -> bool {
        self.inner.finish_when_abandoned()
    }
}
