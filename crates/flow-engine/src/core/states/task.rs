//! Task: evaluate the parameters, record them, ask the driver to call the handler; then
//! ResultSelector/ResultPath/OutputPath on the result, or Retry/Catch on the error.

use flow_lang::AslError;
use flow_lang::model::{Duration, StateKind, TaskState};
use serde_json::{Value, json};

use crate::core::dataflow::{self, Scope};
use crate::core::{Effect, Execution, next_of};
use crate::history::EventKind;
use crate::ids::StepId;
use crate::records::StepStatus;
use crate::task::TaskError;

impl Execution {
    pub(crate) fn run_task(&mut self, id: StepId, task: &TaskState, attempt: u32) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let parameters = dataflow::input_path(&task.data, &raw, scope)
            .and_then(|effective| dataflow::template(task.parameters.as_ref(), effective, scope));
        self.recycle_context(context);
        match parameters {
            Ok(parameters) => self.schedule_task(id, task, attempt, parameters, false),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }

    /// `TimeoutSeconds` (or `TimeoutSecondsPath`, read from the effective input).
    fn task_timeout(&self, id: StepId, task: &TaskState) -> Result<Option<u64>, AslError> {
        let Some(timeout) = &task.timeout else {
            return Ok(None);
        };
        match timeout {
            Duration::Seconds(seconds) => Ok(Some(*seconds)),
            Duration::Path(path) => {
                let raw = &self.step(id).record.input;
                let context = self.context_of(id);
                let variables = self.variables_of(id);
                let scope = Scope {
                    context: &context,
                    variables: Some(&variables),
                };
                let effective = dataflow::input_path(&task.data, raw, scope)?;
                let value = path.select(&scope.bindings(&effective))?;
                match value.as_u64() {
                    Some(seconds) if seconds > 0 => Ok(Some(seconds)),
                    _ => Err(AslError::runtime(format!(
                        "The TimeoutSecondsPath field refers to value \"{value}\" which is not a valid positive integer: {}",
                        path.as_str()
                    ))),
                }
            }
        }
    }

    /// Records the attempt as scheduled and asks for the call.
    pub(crate) fn schedule_task(
        &mut self,
        id: StepId,
        task: &TaskState,
        attempt: u32,
        parameters: Value,
        recovering: bool,
    ) {
        let timeout = match self.task_timeout(id, task) {
            Ok(timeout) => timeout,
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
                return;
            }
        };
        let scope = self.step(id).record.scope;
        let name = self.step(id).record.state.clone();
        self.step_mut(id).record.status = StepStatus::Running {
            attempt,
            parameters: parameters.clone(),
        };
        self.event(
            EventKind::TaskScheduled,
            Some(id),
            scope,
            json!({
                "name": name,
                "resource": task.resource,
                "region": self.context.execution_arn.split(':').nth(3).unwrap_or_default(),
                "parameters": parameters.to_string(),
                "timeoutInSeconds": timeout,
                "attempt": attempt,
                "recovering": recovering,
            }),
        );
        self.event(
            EventKind::TaskStarted,
            Some(id),
            scope,
            json!({"name": name, "resource": task.resource, "attempt": attempt}),
        );
        let deadline = timeout.map(|seconds| self.now + time::Duration::seconds(seconds as i64));
        let request = self.request(id, &task.resource, attempt, parameters, recovering, timeout);
        self.effects.push(Effect::Invoke { request, deadline });
    }

    /// Sends the recorded attempt of a step that was in flight when a process died.
    pub(crate) fn reinvoke(&mut self, id: StepId) {
        let StepStatus::Running {
            attempt,
            parameters,
        } = self.step(id).record.status.clone()
        else {
            return;
        };
        let (machine, name) = self.state_of(id);
        let StateKind::Task(task) = &machine.states[&name].kind else {
            return;
        };
        self.schedule_task(id, task, attempt, parameters, true);
    }

    pub(crate) fn task_finished(
        &mut self,
        id: StepId,
        attempt: u32,
        result: Result<Value, TaskError>,
    ) {
        let (machine, name) = self.state_of(id);
        let StateKind::Task(task) = &machine.states[&name].kind else {
            return;
        };
        let scope_key = self.step(id).record.scope;
        match result {
            Ok(result) => {
                self.event(
                    EventKind::TaskSucceeded,
                    Some(id),
                    scope_key,
                    json!({"name": name, "resource": task.resource, "output": result, "attempt": attempt}),
                );
                let raw = self.step(id).record.input.clone();
                let context = self.context_of(id);
                let variables = self.variables_of(id);
                let scope = Scope {
                    context: &context,
                    variables: Some(&variables),
                };
                let parameters = match &self.step(id).record.status {
                    StepStatus::Running { parameters, .. } => parameters.clone(),
                    _ => Value::Null,
                };
                let finished = dataflow::finish(
                    &task.data,
                    task.result_selector.as_ref(),
                    &raw,
                    result.clone(),
                    scope,
                );
                self.recycle_context(context);
                let finished = finished.and_then(|(selected, output)| {
                    self.assign(id, task.assign.as_ref(), &selected)
                        .map(|_| output)
                });
                match finished {
                    Ok(output) => self.complete(
                        id,
                        output,
                        next_of(&task.transition),
                        Some(parameters),
                        Some(result),
                    ),
                    Err(error) => {
                        let (error, cause) = self.state_error(id, error);
                        self.fail_step(id, error, cause);
                    }
                }
            }
            Err(failure) => {
                let kind = if failure.error == "States.Timeout" {
                    EventKind::TaskTimedOut
                } else {
                    EventKind::TaskFailed
                };
                self.event(
                    kind,
                    Some(id),
                    scope_key,
                    json!({"name": name, "resource": task.resource, "error": failure.error, "cause": failure.cause, "attempt": attempt}),
                );
                self.fail_step(id, failure.error, failure.cause);
            }
        }
    }
}
