//! The 18 intrinsic functions: `States.Format`, `States.StringToJson`, ..., `States.UUID`.

use serde_json::Value;

use crate::error::{AslError, Bindings};

/// A parsed intrinsic function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    source: String,
}

impl Call {
    pub fn parse(source: &str) -> Result<Call, String> {
        todo!("parse {source}")
    }

    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        let _ = bindings;
        todo!()
    }
}
