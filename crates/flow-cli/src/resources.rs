//! The checks of Task resources that flow-lang leaves to the handlers' crates: `flow:`
//! resources (flow-local) and `arn:aws:states:::aws-sdk:` ones (flow-aws: the service, the
//! action and every parameter name and type), plugged into `flow validate`, `flow run` and
//! `flow graph` through flow-lang's [`ResourceValidator`] hook.

use flow_lang::{Diagnostic, ResourceValidator};
use serde_json::Value;

/// Every validator, for [`flow_lang::load_with`].
pub fn validators() -> [&'static dyn ResourceValidator; 2] {
    [&LocalResources, &AwsResources]
}

/// `/States/X/Parameters` + a pointer relative to it, from the pointer of `/States/X/Resource`.
fn parameters_pointer(resource_pointer: &str, relative: &str) -> String {
    let owner = resource_pointer
        .strip_suffix("/Resource")
        .unwrap_or(resource_pointer);
    if relative.is_empty() {
        return resource_pointer.to_string();
    }
    format!("{owner}/Parameters{relative}")
}

struct LocalResources;

impl ResourceValidator for LocalResources {
    fn check(&self, resource: &str, parameters: Option<&Value>, pointer: &str) -> Vec<Diagnostic> {
        if !resource.starts_with(flow_local::PREFIX) {
            return Vec::new();
        }
        let Some(parameters) = parameters else {
            // Without Parameters the task gets the state's input, known only at run time; the
            // resource itself is known now, and an unknown one must not start an execution.
            if flow_local::Resource::parse(resource).is_some() {
                return Vec::new();
            }
            let unknown = flow_local::Error::UnknownResource {
                resource: resource.to_owned(),
            };
            return vec![Diagnostic::new(pointer.to_owned(), unknown.to_string())];
        };
        flow_local::validate_parameters(resource, parameters)
            .into_iter()
            .map(|(relative, message)| {
                Diagnostic::new(parameters_pointer(pointer, &relative), message)
            })
            .collect()
    }
}

struct AwsResources;

impl ResourceValidator for AwsResources {
    fn check(&self, resource: &str, parameters: Option<&Value>, pointer: &str) -> Vec<Diagnostic> {
        let parameters = parameters.map(static_secret_references);
        flow_aws::validate_parameters(resource, parameters.as_ref())
            .into_iter()
            .map(|(relative, message, hint)| {
                let diagnostic = Diagnostic::new(parameters_pointer(pointer, &relative), message);
                // flow-aws's hints are the closest names; say them as flow-lang's own are said.
                match hint {
                    Some(hint) => diagnostic.with_hint(format!("did you mean \"{hint}\"?")),
                    None => diagnostic,
                }
            })
            .collect()
    }
}

/// `{"Flow.Secret.$": "$.Path"}` (a reference whose value comes from the input) as the
/// reference it evaluates to, `{"Flow.Secret": "..."}`: flow-aws's validation recognises only
/// the static form, and would call the dynamic one "an object where a string belongs".
fn static_secret_references(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("Flow.Secret.$") => {
            serde_json::json!({"Flow.Secret": "file:(from the input)"})
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), static_secret_references(v)))
                .collect(),
        ),
        Value::Array(items) => items.iter().map(static_secret_references).collect(),
        other => other.clone(),
    }
}
