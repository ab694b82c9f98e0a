//! Secret references, resolved at the moment of the call by flow-engine's resolver
//! ([`flow_engine::secrets`]). This module adds what the handler needs around it: the
//! resolved values (so error causes can be scrubbed of them) and a placeholder for
//! validation, where a reference stands for a string.

use serde_json::Value;

pub use flow_engine::secrets::SecretError;

const KEY: &str = "Flow.Secret";

/// `parameters` with every reference replaced by its value, and the values themselves.
pub fn resolve(parameters: &Value) -> Result<(Value, Vec<String>), SecretError> {
    let resolved = flow_engine::secrets::resolve_secrets(parameters)?;
    let mut values = Vec::new();
    collect(parameters, &resolved, &mut values);
    Ok((resolved, values))
}

fn collect(original: &Value, resolved: &Value, values: &mut Vec<String>) {
    if is_reference(original) {
        if let Value::String(secret) = resolved {
            values.push(secret.clone());
        }
        return;
    }
    match (original, resolved) {
        (Value::Object(before), Value::Object(after)) => {
            for (key, item) in before {
                if let Some(resolved_item) = after.get(key) {
                    collect(item, resolved_item, values);
                }
            }
        }
        (Value::Array(before), Value::Array(after)) => {
            for (item, resolved_item) in before.iter().zip(after) {
                collect(item, resolved_item, values);
            }
        }
        _ => {}
    }
}

/// Whether `value` is a reference (`{"Flow.Secret": ...}`).
pub fn is_reference(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 1 && map.contains_key(KEY))
}

/// `text` with every secret value (and every longer line of a multi-line one) replaced.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        let trimmed = secret.trim();
        if trimmed.is_empty() {
            continue;
        }
        out = out.replace(trimmed, "***");
        for line in trimmed
            .lines()
            .map(str::trim)
            .filter(|line| line.len() >= 8)
        {
            out = out.replace(line, "***");
        }
    }
    out
}
