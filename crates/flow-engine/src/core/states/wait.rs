//! Wait: sleeps until a time given directly or by the input; an elapsed Wait finishes at once.

use flow_lang::AslError;
use flow_lang::model::{WaitFor, WaitState};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::core::dataflow::{self, Scope};
use crate::core::{Effect, Execution, next_of};
use crate::ids::StepId;
use crate::records::StepStatus;

/// Step Functions refuses delays that do not fit a 32-bit count of seconds.
const LONGEST_WAIT_SECONDS: i64 = i32::MAX as i64;

impl Execution {
    pub(crate) fn run_wait(&mut self, id: StepId, wait: &WaitState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let entered = self.step(id).entered_at;
        let wake_at = dataflow::input_path(&wait.data, &raw, scope).and_then(|effective| {
            let wake_at = wake_time(&wait.until, &effective, scope, entered)?;
            if (wake_at - entered).whole_seconds() > LONGEST_WAIT_SECONDS {
                return Err(AslError::runtime("Wait state delay is too long."));
            }
            Ok(wake_at)
        });
        self.recycle_context(context);
        match wake_at {
            Ok(wake_at) if wake_at <= self.now => self.wait_elapsed(id),
            Ok(wake_at) => {
                self.step_mut(id).record.status = StepStatus::Waiting { wake_at };
                self.effects.push(Effect::StartTimer { step: id, wake_at });
            }
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }

    pub(crate) fn wait_elapsed(&mut self, id: StepId) {
        let (machine, name) = self.state_of(id);
        let flow_lang::model::StateKind::Wait(wait) = &machine.states[&name].kind else {
            return;
        };
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let output = dataflow::input_path(&wait.data, &raw, scope).and_then(|effective| {
            Ok((
                dataflow::output_path(&wait.data, &effective, scope)?,
                effective,
            ))
        });
        self.recycle_context(context);
        let output = output.and_then(|(output, effective)| {
            self.assign(id, wait.assign.as_ref(), &effective)?;
            Ok(output)
        });
        match output {
            Ok(output) => self.complete(id, output, next_of(&wait.transition), None, None),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}

fn wake_time(
    until: &WaitFor,
    input: &Value,
    scope: Scope,
    entered: OffsetDateTime,
) -> Result<OffsetDateTime, AslError> {
    match until {
        WaitFor::Seconds(seconds) => Ok(entered + Duration::seconds(*seconds as i64)),
        WaitFor::Timestamp(text) => parse_timestamp(text).ok_or_else(|| {
            AslError::runtime(format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
            ))
        }),
        WaitFor::SecondsPath(path) => {
            let value = path.select(&scope.bindings(input)).map_err(|_| {
                AslError::runtime(format!("The SecondsPath parameter does not reference an input value: {}", path.as_str()))
            })?;
            let shown = display(&value);
            match value.as_i64() {
                Some(seconds) if seconds < 0 => Err(AslError::runtime(format!(
                    "The SecondsPath parameter references a negative value: {} == {shown}",
                    path.as_str()
                ))),
                Some(seconds) => Ok(entered + Duration::seconds(seconds)),
                None => Err(AslError::runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {} == {shown}",
                    path.as_str()
                ))),
            }
        }
        WaitFor::TimestampPath(path) => {
            let value = path.select(&scope.bindings(input)).map_err(|_| {
                AslError::runtime(format!("The TimestampPath parameter does not reference an input value: {}", path.as_str()))
            })?;
            value.as_str().and_then(parse_timestamp).ok_or_else(|| {
                AslError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                    path.as_str(),
                    display(&value)
                ))
            })
        }
    }
}

fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// An ISO-8601 extended offset date-time: `2016-12-05T21:29:29Z`, `...T21:29:29.123+01:00`.
pub(crate) fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339).ok()
}
