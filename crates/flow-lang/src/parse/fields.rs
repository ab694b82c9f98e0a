//! Reading typed fields out of JSON objects, reporting wrong types, unknown and misplaced
//! fields, and missing required ones.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::path::{Path, ReferencePath};
use crate::source::child_pointer;
use crate::template::{Template, ValueExpr};

/// Every field some state type has, so that a field of another type is reported as misplaced
/// ("not allowed in a Pass state") rather than unknown.
pub const ALL_STATE_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "QueryLanguage",
    "Next",
    "End",
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "Assign",
    "Resource",
    "Retry",
    "Catch",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Credentials",
    "Compensate",
    "Choices",
    "Default",
    "Seconds",
    "Timestamp",
    "SecondsPath",
    "TimestampPath",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
    "Branches",
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "Label",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    // JSONata-only fields, so that they read as misplaced in a JSONPath state.
    "Arguments",
    "Output",
    "Items",
];

#[derive(Default)]
pub struct Parser {
    pub diagnostics: Diagnostics,
}

/// A JSON object being read, with its pointer.
#[derive(Clone, Copy)]
pub struct Object<'v> {
    pub map: &'v Map<String, Value>,
    pub pointer: &'v str,
}

impl<'v> Object<'v> {
    pub fn get(&self, field: &str) -> Option<&'v Value> {
        self.map.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    pub fn pointer_of(&self, field: &str) -> String {
        child_pointer(self.pointer, field)
    }
}

/// The JSON type of a value, as a message names it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Parser {
    pub fn report(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(pointer, message));
    }

    pub fn report_with_hint(
        &mut self,
        pointer: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(pointer, message).with_hint(hint));
    }

    /// The value as an object, or a diagnostic naming `what` it should have been.
    pub fn object<'v>(
        &mut self,
        value: &'v Value,
        pointer: &'v str,
        what: &str,
    ) -> Option<Object<'v>> {
        match value {
            Value::Object(map) => Some(Object { map, pointer }),
            other => {
                self.report(
                    pointer,
                    format!("{what} must be an object, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Reports each field of `object` that is not in `allowed`: as misplaced when another
    /// state type has it (and `misplaced_in` names this one), else as unknown, with the
    /// closest allowed name as a hint.
    pub fn check_fields(&mut self, object: Object, allowed: &[&str], misplaced_in: Option<&str>) {
        for field in object.map.keys() {
            if allowed.contains(&field.as_str()) {
                continue;
            }
            let pointer = object.pointer_of(field);
            let suggestion = closest(field, allowed);
            match misplaced_in {
                Some(kind) if ALL_STATE_FIELDS.contains(&field.as_str()) => {
                    self.report(
                        pointer,
                        format!("field \"{field}\" is not allowed in a {kind} state"),
                    );
                }
                _ => {
                    let message = format!("unknown field \"{field}\"");
                    match suggestion {
                        Some(name) => self.report_with_hint(
                            pointer,
                            message,
                            format!("did you mean \"{name}\"?"),
                        ),
                        None => self.report(pointer, message),
                    }
                }
            }
        }
    }

    pub fn require(&mut self, object: Object, field: &str) -> Option<()> {
        if object.has(field) {
            Some(())
        } else {
            self.report(
                object.pointer,
                format!("missing required field \"{field}\""),
            );
            None
        }
    }

    /// Reports when more than one of `fields` is present.
    pub fn exclusive(&mut self, object: Object, fields: &[&str]) {
        let present: Vec<&str> = fields.iter().copied().filter(|f| object.has(f)).collect();
        if present.len() > 1 {
            let list = present
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(" and ");
            self.report(
                object.pointer_of(present[1]),
                format!("{list} cannot be used together"),
            );
        }
    }

    pub fn string<'v>(&mut self, object: Object<'v>, field: &str) -> Option<&'v str> {
        match object.get(field)? {
            Value::String(text) => Some(text),
            other => {
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    pub fn required_string<'v>(&mut self, object: Object<'v>, field: &str) -> Option<&'v str> {
        self.require(object, field)?;
        self.string(object, field)
    }

    pub fn boolean(&mut self, object: Object, field: &str) -> Option<bool> {
        match object.get(field)? {
            Value::Bool(flag) => Some(*flag),
            other => {
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be a boolean, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An integer in `minimum..=maximum`.
    pub fn integer(
        &mut self,
        object: Object,
        field: &str,
        minimum: i64,
        maximum: i64,
    ) -> Option<u64> {
        let value = object.get(field)?;
        let number = match value {
            Value::Number(number) => number,
            other => {
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be an integer, found {}", type_name(other)),
                );
                return None;
            }
        };
        let integer = number
            .as_i64()
            .or_else(|| number.as_u64().map(|_| i64::MAX));
        match integer {
            Some(n) if (minimum..=maximum).contains(&n) => Some(n as u64),
            Some(n) => {
                let range = if maximum == i64::MAX {
                    format!("at least {minimum}")
                } else {
                    format!("between {minimum} and {maximum}")
                };
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be {range}, found {n}"),
                );
                None
            }
            None => {
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be an integer, found {number}"),
                );
                None
            }
        }
    }

    pub fn number(&mut self, object: Object, field: &str) -> Option<f64> {
        match object.get(field)? {
            Value::Number(number) => number.as_f64(),
            other => {
                self.report(
                    object.pointer_of(field),
                    format!("\"{field}\" must be a number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A Path field: absent gives `absent`, `null` gives `None` when `nullable`.
    pub fn path(&mut self, object: Object, field: &str, nullable: bool) -> Option<Option<Path>> {
        match object.get(field)? {
            Value::Null if nullable => Some(None),
            Value::String(text) => match Path::parse(text) {
                Ok(path) => Some(Some(path)),
                Err(error) => {
                    self.report(
                        object.pointer_of(field),
                        format!("\"{field}\" is not a valid path: {error}"),
                    );
                    None
                }
            },
            other => {
                self.report(
                    object.pointer_of(field),
                    format!(
                        "\"{field}\" must be a path string, found {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    /// A Reference Path field; `null` gives `None` when `nullable`.
    pub fn reference_path(
        &mut self,
        object: Object,
        field: &str,
        nullable: bool,
    ) -> Option<Option<ReferencePath>> {
        match object.get(field)? {
            Value::Null if nullable => Some(None),
            Value::String(text) => match ReferencePath::parse(text) {
                Ok(path) => Some(Some(path)),
                Err(error) => {
                    self.report(
                        object.pointer_of(field),
                        format!("\"{field}\" is not a valid reference path: {error}"),
                    );
                    None
                }
            },
            other => {
                let message = format!(
                    "\"{field}\" must be a reference path string, found {}",
                    type_name(other)
                );
                self.report(object.pointer_of(field), message);
                None
            }
        }
    }

    /// A non-null Reference Path field.
    pub fn required_reference_path(
        &mut self,
        object: Object,
        field: &str,
    ) -> Option<ReferencePath> {
        self.reference_path(object, field, false).flatten()
    }

    /// A path or intrinsic call (`ErrorPath`, `CausePath`).
    pub fn value_expression(&mut self, object: Object, field: &str) -> Option<ValueExpr> {
        let text = self.string(object, field)?;
        match ValueExpr::parse(text) {
            Ok(expression) => Some(expression),
            Err(error) => {
                let message =
                    format!("\"{field}\" must be a valid path or intrinsic function call: {error}");
                self.report(object.pointer_of(field), message);
                None
            }
        }
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`).
    pub fn template(
        &mut self,
        object: Object,
        field: &str,
        must_be_object: bool,
    ) -> Option<Template> {
        self.template_with_secrets(object, field, must_be_object, false)
    }

    /// A template in which secret references may appear (a Task's or compensation's
    /// `Parameters`); elsewhere they are reported, since their values would end up in a
    /// state's output and so in the history.
    pub fn template_with_secrets(
        &mut self,
        object: Object,
        field: &str,
        must_be_object: bool,
        secrets_allowed: bool,
    ) -> Option<Template> {
        let value = object.get(field)?;
        let pointer = object.pointer_of(field);
        if must_be_object && !value.is_object() {
            self.report(
                pointer,
                format!("\"{field}\" must be an object, found {}", type_name(value)),
            );
            return None;
        }
        let before = self.diagnostics.len();
        crate::secret::check_references(value, &pointer, secrets_allowed, &mut self.diagnostics);
        if self.diagnostics.len() > before {
            return None;
        }
        match Template::compile(value, &pointer) {
            Ok(template) => Some(template),
            Err(diagnostics) => {
                self.diagnostics.extend(diagnostics);
                None
            }
        }
    }
}

/// The allowed name closest to `field`, if it is close enough to be what was meant.
pub fn closest<'a>(field: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&field.to_lowercase(), &candidate.to_lowercase()),
                *candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
