//! JSON (Step Functions naming) <-> AWS SDK values, for every operation by one mechanism per
//! kind of SDK crate.
//!
//! - [`schema`]: for SDK crates that carry runtime Smithy schemas (ACM, ECS, Cloud Map): a
//!   `ShapeDeserializer` over JSON feeds any operation's generated `Input::deserialize`, and a
//!   `ShapeSerializer` turns any output into JSON.
//! - [`typed`]: for the others (EFS, Route53, ELBv2, App Mesh, EC2): `FromJson`/`ToJson`
//!   traits, implemented once for the primitive and container types and, by one macro line
//!   per SDK type (generated from the service models by `codegen/generate.py`), for every
//!   structure, union and enum the registered operations reach.
//!
//! Both report problems into [`Diagnostics`] instead of stopping at the first, so the same
//! walk that builds a request also validates a definition (`flow validate`): there, keys
//! ending in `.$` are dynamic, their names are checked and their values skipped.

pub mod schema;
pub mod typed;

use std::cell::RefCell;

/// One problem with a parameter: where (a JSON pointer relative to the state's
/// `Parameters`), what, and possibly a did-you-mean hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub pointer: String,
    pub message: String,
    pub hint: Option<String>,
}

/// Whether a walk builds a request (every value is present) or validates a definition
/// (values under `.$` keys are only known at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Build,
    Validate,
}

/// The problems found by one walk, shared by the nested deserializers.
#[derive(Debug)]
pub struct Diagnostics {
    pub mode: Mode,
    found: RefCell<Vec<Diagnostic>>,
}

impl Diagnostics {
    pub fn new(mode: Mode) -> Self {
        Diagnostics {
            mode,
            found: RefCell::new(Vec::new()),
        }
    }

    pub fn report(&self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.found.borrow_mut().push(Diagnostic {
            pointer: pointer.to_string(),
            message: message.into(),
            hint,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.found.borrow().is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.found.into_inner()
    }

    pub fn unknown_member<'a>(
        &self,
        pointer: &str,
        key: &str,
        known: impl IntoIterator<Item = &'a str>,
    ) {
        let hint = crate::naming::did_you_mean(key, known);
        self.report(pointer, format!("unknown parameter `{key}`"), hint);
    }
}

/// Appends one reference token to a JSON pointer (RFC 6901 escaping).
pub fn pointer_push(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// A key of a Parameters object: its name and whether it is dynamic (`Name.$`).
pub fn split_dynamic(key: &str) -> (&str, bool) {
    match key.strip_suffix(".$") {
        Some(name) => (name, true),
        None => (key, false),
    }
}

/// The JSON type of a value, for messages.
pub fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Timestamps in parameters: an RFC 3339 string or epoch seconds, as the Java SDK accepts.
pub fn parse_timestamp(value: &serde_json::Value) -> Option<aws_smithy_types::DateTime> {
    use aws_smithy_types::date_time::Format;
    match value {
        serde_json::Value::String(text) => {
            aws_smithy_types::DateTime::from_str(text, Format::DateTimeWithOffset)
                .or_else(|_| aws_smithy_types::DateTime::from_str(text, Format::DateTime))
                .ok()
        }
        serde_json::Value::Number(number) => number
            .as_f64()
            .map(aws_smithy_types::DateTime::from_secs_f64),
        _ => None,
    }
}

/// Timestamps in results: ISO 8601 in UTC.
pub fn format_timestamp(value: &aws_smithy_types::DateTime) -> serde_json::Value {
    use aws_smithy_types::date_time::Format;
    match value.fmt(Format::DateTime) {
        Ok(text) => serde_json::Value::String(text),
        Err(_) => serde_json::Value::from(value.secs()),
    }
}

/// Blobs in results: base64, as JSON has no bytes.
pub fn format_blob(value: &aws_smithy_types::Blob) -> serde_json::Value {
    use base64::Engine;
    serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(value.as_ref()))
}

pub fn document_from_json(value: &serde_json::Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(items) => {
            Document::Array(items.iter().map(document_from_json).collect())
        }
        serde_json::Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_from_json(v)))
                .collect(),
        ),
    }
}

pub fn document_to_json(value: &aws_smithy_types::Document) -> serde_json::Value {
    use aws_smithy_types::{Document, Number};
    match value {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => serde_json::Value::from(*u),
        Document::Number(Number::NegInt(i)) => serde_json::Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Value::from(*f),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(items) => items.iter().map(document_to_json).collect(),
        Document::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
    }
}
