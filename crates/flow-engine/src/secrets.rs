//! Resolving secret references at the moment of a call. Task parameters carry
//! `{"Flow.Secret": "<reference>"}` objects everywhere they are recorded (store, history,
//! events); a handler calls [`resolve_secrets`] on its copy right before the API call and
//! lets the resolved value go out of scope afterwards. Errors name the reference, never a
//! value.

use flow_lang::secret::SecretReference;
use serde_json::{Map, Value};

use crate::task::TaskError;

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret reference is malformed: {0}")]
    Malformed(String),
    #[error("the secret file '{path}' cannot be read: {reason}")]
    File { path: String, reason: String },
    #[error("the environment variable '{0}' holding a secret is not set")]
    Env(String),
}

impl SecretError {
    /// As a task failure (`Flow.SecretUnavailable`), for handlers.
    pub fn into_task_error(self) -> TaskError {
        TaskError::new("Flow.SecretUnavailable", self.to_string())
    }
}

impl From<SecretError> for TaskError {
    fn from(error: SecretError) -> Self {
        error.into_task_error()
    }
}

/// The value of one reference: `file:<path>` or a bare path (the file's contents),
/// `env:<VAR>` (the variable).
pub fn resolve(reference: &str) -> Result<String, SecretError> {
    match SecretReference::parse(reference).map_err(SecretError::Malformed)? {
        SecretReference::File(path) => {
            std::fs::read_to_string(&path).map_err(|e| SecretError::File {
                path,
                reason: e.kind().to_string(),
            })
        }
        SecretReference::Env(variable) => {
            std::env::var(&variable).map_err(|_| SecretError::Env(variable))
        }
    }
}

/// `parameters` with every `{"Flow.Secret": ref}` replaced by the secret's value.
pub fn resolve_secrets(parameters: &Value) -> Result<Value, SecretError> {
    if let Some(reference) = SecretReference::from_value(parameters) {
        let reference = reference.map_err(SecretError::Malformed)?;
        let value = match reference {
            SecretReference::File(path) => {
                std::fs::read_to_string(&path).map_err(|e| SecretError::File {
                    path,
                    reason: e.kind().to_string(),
                })?
            }
            SecretReference::Env(variable) => {
                std::env::var(&variable).map_err(|_| SecretError::Env(variable))?
            }
        };
        return Ok(Value::String(value));
    }
    Ok(match parameters {
        Value::Object(fields) => {
            let mut resolved = Map::with_capacity(fields.len());
            for (key, value) in fields {
                resolved.insert(key.clone(), resolve_secrets(value)?);
            }
            Value::Object(resolved)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(resolve_secrets)
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Whether a value holds a secret reference anywhere (handlers use it to avoid echoing
/// parameters into errors).
pub fn contains_secret(value: &Value) -> bool {
    if SecretReference::from_value(value).is_some() {
        return true;
    }
    match value {
        Value::Object(fields) => fields.values().any(contains_secret),
        Value::Array(items) => items.iter().any(contains_secret),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_from_files_and_leave_the_rest_alone() {
        let dir = std::env::temp_dir().join(format!("flow-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key.pem");
        std::fs::write(&file, "PRIVATE").unwrap();
        let parameters = json!({
            "Certificate": "public",
            "PrivateKey": {"Flow.Secret": format!("file:{}", file.display())},
            "List": [{"Flow.Secret": file.display().to_string()}],
        });
        assert!(contains_secret(&parameters));
        let resolved = resolve_secrets(&parameters).unwrap();
        assert_eq!(
            resolved,
            json!({"Certificate": "public", "PrivateKey": "PRIVATE", "List": ["PRIVATE"]})
        );
        let missing =
            resolve_secrets(&json!({"K": {"Flow.Secret": "file:/no/such/secret"}})).unwrap_err();
        assert!(missing.to_string().contains("/no/such/secret"));
        std::fs::remove_dir_all(dir).ok();
    }
}
