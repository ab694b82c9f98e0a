//! flow extension: secret references, values passed by reference and resolved only when a
//! task is called, so that they never reach the state database, the history, logs or output.
//!
//! In a Task's `Parameters` (or its `Compensate` `Parameters`), any value may be an object
//! with exactly one key:
//!
//! ```json
//! {"PrivateKey": {"Flow.Secret": "file:certs/server.key"}}
//! {"PrivateKey": {"Flow.Secret.$": "$.keyReference"}}
//! ```
//!
//! The reference is `file:<path>` (a file's contents), `env:<VAR>` (an environment
//! variable), or a bare path meaning a file. With `Flow.Secret.$` the reference is taken from
//! the state input (or context, or a variable) at run time, like any `.$` field; the template
//! then evaluates to `{"Flow.Secret": "<reference>"}` and [`SecretReference::from_value`]
//! recognises it. Validation checks the shape: exactly that one key, a string value, a known
//! scheme when literal. Secret references anywhere else (Pass `Parameters`, `ResultSelector`,
//! `Assign`...) are rejected, because whatever those produce is recorded.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::child_pointer;

/// The key of a literal reference.
pub const SECRET_KEY: &str = "Flow.Secret";
/// The key of a reference computed from a path or intrinsic call.
pub const SECRET_PATH_KEY: &str = "Flow.Secret.$";

/// Where a secret's value is read from when the task is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretReference {
    File(String),
    Env(String),
}

impl SecretReference {
    pub fn parse(reference: &str) -> Result<SecretReference, String> {
        if let Some(variable) = reference.strip_prefix("env:") {
            let valid = variable
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && variable
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return if valid {
                Ok(SecretReference::Env(variable.to_string()))
            } else {
                Err(format!(
                    "\"{variable}\" is not an environment variable name"
                ))
            };
        }
        let path = reference.strip_prefix("file:").unwrap_or(reference);
        if path.is_empty() {
            return Err("the secret reference names no file".into());
        }
        // A scheme we do not know would otherwise be read as a relative file name.
        if let Some((scheme, _)) = reference.split_once(':')
            && scheme.len() > 1
            && scheme != "file"
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return Err(format!(
                "unknown secret scheme \"{scheme}:\": use \"file:\" or \"env:\""
            ));
        }
        Ok(SecretReference::File(path.to_string()))
    }

    /// Recognises an evaluated reference, `{"Flow.Secret": "<reference>"}`.
    pub fn from_value(value: &Value) -> Option<Result<SecretReference, String>> {
        let object = value.as_object()?;
        let reference = object.get(SECRET_KEY)?;
        if object.len() != 1 {
            return Some(Err(format!(
                "a secret reference must be an object with the single key \"{SECRET_KEY}\""
            )));
        }
        Some(match reference {
            Value::String(text) => SecretReference::parse(text),
            _ => Err("a secret reference must be a string".into()),
        })
    }
}

/// Reports every malformed secret reference in a template, and every reference at all when
/// `allowed` is false.
pub(crate) fn check_references(
    value: &Value,
    pointer: &str,
    allowed: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match value {
        Value::Object(object) => {
            let key = [SECRET_KEY, SECRET_PATH_KEY]
                .into_iter()
                .find(|key| object.contains_key(*key));
            if let Some(key) = key {
                let key_pointer = child_pointer(pointer, key);
                if !allowed {
                    let message = "secret references are only allowed in the \"Parameters\" of a Task or of its \"Compensate\"";
                    diagnostics.push(Diagnostic::new(key_pointer, message));
                    return;
                }
                if object.len() != 1 {
                    let message = format!(
                        "a secret reference must be an object with the single key \"{key}\""
                    );
                    diagnostics.push(Diagnostic::new(pointer, message));
                }
                match &object[key] {
                    Value::String(text) if key == SECRET_KEY => {
                        if let Err(error) = SecretReference::parse(text) {
                            let hint = "write \"file:<path>\", \"env:<VARIABLE>\" or a file path";
                            diagnostics.push(
                                Diagnostic::new(
                                    key_pointer,
                                    format!("invalid secret reference: {error}"),
                                )
                                .with_hint(hint),
                            );
                        }
                    }
                    // A `.$` value is a path or intrinsic call, checked with the template.
                    Value::String(_) => {}
                    _ => diagnostics.push(Diagnostic::new(
                        key_pointer,
                        format!("\"{key}\" must be a string"),
                    )),
                }
                return;
            }
            for (name, member) in object {
                check_references(member, &child_pointer(pointer, name), allowed, diagnostics);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_references(item, &format!("{pointer}/{index}"), allowed, diagnostics);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            SecretReference::parse("file:a/b.key"),
            Ok(SecretReference::File("a/b.key".into()))
        );
        assert_eq!(
            SecretReference::parse("certs/key.pem"),
            Ok(SecretReference::File("certs/key.pem".into()))
        );
        assert_eq!(
            SecretReference::parse("env:TLS_KEY"),
            Ok(SecretReference::Env("TLS_KEY".into()))
        );
        assert!(SecretReference::parse("vault:x").is_err());
        assert!(SecretReference::parse("env:1X").is_err());
        assert!(SecretReference::parse("file:").is_err());
    }
}
