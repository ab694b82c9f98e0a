//! Parameter checks for `flow validate`, independent of flow-lang: the lead plugs this into
//! the definition validator.

use serde_json::Value;

use crate::resource::{self, ResourceError};
use crate::{bridge, naming, secrets, services};

/// Problems with one Task's `Resource` and `Parameters`: `(JSON pointer relative to the
/// state's Parameters, message, did-you-mean hint)`. Keys ending in `.$` are dynamic: their
/// names are checked, their values are not. A secret reference stands for a string.
pub fn validate_parameters(
    resource: &str,
    params: Option<&Value>,
) -> Vec<(String, String, Option<String>)> {
    let parsed = match resource::parse(resource) {
        Ok(parsed) => parsed,
        Err(ResourceError::NotSdk) => return Vec::new(),
        Err(error) => {
            let hint = error.hint().map(str::to_string);
            return vec![(String::new(), format!("Resource: {error}"), hint)];
        }
    };
    let Some(operation) = services::find(parsed.service, &parsed.action) else {
        let actions = services::operations(parsed.service)
            .iter()
            .map(|op| op.action);
        return vec![(
            String::new(),
            format!(
                "Resource: unknown action `{}` of service `{}`",
                parsed.action, parsed.service
            ),
            naming::did_you_mean(&parsed.action, actions),
        )];
    };
    let Some(params) = params else {
        return Vec::new();
    };
    let params = placeholders_for_secrets(params);
    (operation.validate)(&params)
        .into_iter()
        .map(
            |bridge::Diagnostic {
                 pointer,
                 message,
                 hint,
             }| (pointer, message, hint),
        )
        .collect()
}

fn placeholders_for_secrets(value: &Value) -> Value {
    if secrets::is_reference(value) {
        return Value::String("secret".to_string());
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), placeholders_for_secrets(v)))
                .collect(),
        ),
        Value::Array(items) => items.iter().map(placeholders_for_secrets).collect(),
        other => other.clone(),
    }
}
