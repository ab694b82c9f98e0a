//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`): JSON in which
//! a key ending in `.$` takes its value from a path or an intrinsic function call.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::error::{AslError, Bindings};
use crate::intrinsics::Call;
use crate::path::Path;

/// A compiled template: the JSON shape with its dynamic values already parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Value,
}

/// What a `"key.$"` value (or `ErrorPath`, `CausePath`) can be.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    /// `$...`, `$$...` or `$var...`.
    Path(Path),
    /// `States.Format(...)` and the other intrinsic functions.
    Intrinsic(Call),
}

impl ValueExpr {
    /// Parses the string value of a `"key.$"` field.
    pub fn parse(source: &str) -> Result<ValueExpr, String> {
        todo!("parse {source}")
    }

    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        let _ = bindings;
        todo!()
    }
}

impl Template {
    /// Compiles the JSON found at `pointer`; every malformed path or call is reported.
    pub fn compile(value: &Value, pointer: &str) -> Result<Template, Vec<Diagnostic>> {
        let _ = pointer;
        Ok(Template { root: value.clone() })
    }

    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        let _ = bindings;
        todo!()
    }
}
