//! Evaluation of Choice rules against a state's input.

use crate::error::{AslError, Bindings};
use crate::model::Condition;

/// Whether the condition holds. Type mismatches make a comparison false, as on AWS; a
/// missing `Variable` is a `States.Runtime` error except under `IsPresent`.
pub fn evaluate(condition: &Condition, bindings: &Bindings) -> Result<bool, AslError> {
    let _ = (condition, bindings);
    todo!()
}
