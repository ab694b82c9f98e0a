//! Fail: ends its scope with an error and a cause, literal or computed from the input.

use flow_lang::model::{FailState, TextSource};
use flow_lang::template::ValueExpr;
use flow_lang::{AslError, Bindings};
use serde_json::Value;

use crate::core::Execution;
use crate::ids::StepId;

impl Execution {
    pub(crate) fn run_fail(&mut self, id: StepId, fail: &FailState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let bindings = Bindings {
            input: &raw,
            context: &context,
            variables: Some(&variables),
        };
        let texts = text(fail.error.as_ref(), &bindings, "ErrorPath")
            .and_then(|error| Ok((error, text(fail.cause.as_ref(), &bindings, "CausePath")?)));
        self.recycle_context(context);
        match texts {
            Ok((error, cause)) => self.fail_uncaught(id, error, cause),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_uncaught(id, error, cause);
            }
        }
    }
}

fn text(source: Option<&TextSource>, bindings: &Bindings, field: &str) -> Result<String, AslError> {
    match source {
        None => Ok(String::new()),
        Some(TextSource::Literal(text)) => Ok(text.clone()),
        Some(TextSource::Dynamic(expression)) => match expression.evaluate(bindings).map_err(|error| match expression {
            ValueExpr::Path(path) if error.error == "States.Runtime" => AslError::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                path.as_str(),
                bindings.input
            )),
            _ => error,
        })? {
            Value::String(text) => Ok(text),
            other => Ok(other.to_string()),
        },
    }
}
