//! Parameter schemas of the `flow:` resources, checked once at `flow validate` time (against
//! the definition's static `Parameters`) and again at call time (against the evaluated ones).
//!
//! One small schema language serves both, so the two checks cannot drift apart. In the
//! definition a field may be dynamic (`"Command.$": "$.argv"`): it counts as present and its
//! value is checked only at call time.

use serde_json::{Map, Value};

/// One problem with a resource's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer relative to `Parameters` (`""` is the object itself).
    pub pointer: String,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// What a field's value must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A non-empty array of strings (an argv).
    Argv,
    /// An object whose values are strings (environment variables, HTTP headers).
    StringMap { key_rule: KeyRule },
    /// A non-empty string.
    String,
    /// Any JSON value.
    Any,
    /// A number greater than zero.
    PositiveSeconds,
    /// An HTTP status code (100..=599), or a non-empty array of them.
    StatusCodes,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// An `http://` or `https://` URL with a host.
    Url,
    /// `host:port` or `host` (the URL's port then).
    HostPort,
}

/// What the keys of a [`Kind::StringMap`] must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyRule {
    EnvironmentVariable,
    HeaderName,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// Whether dynamic (`.$`) keys may still appear: in the definition, yes; after evaluation, no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Definition,
    Call,
}

/// The key of a secret reference, resolved only at the moment of a call.
pub(crate) const SECRET_KEY: &str = "Flow.Secret";

fn is_secret_reference(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 1 && map.contains_key(SECRET_KEY))
}

/// Escapes one JSON pointer token (RFC 6901).
pub(crate) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `parameters` against `fields`, collecting every problem.
pub(crate) fn check(fields: &[Field], parameters: &Value, phase: Phase) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Value::Object(map) = parameters else {
        problems.push(Problem::new(
            "",
            format!("must be an object, not {}", describe(parameters)),
        ));
        return problems;
    };
    let mut present = Vec::new();
    for (key, value) in map {
        let pointer = format!("/{}", pointer_token(key));
        let (name, dynamic) = match key.strip_suffix(".$") {
            Some(name) if phase == Phase::Definition => (name, true),
            _ => (key.as_str(), false),
        };
        let Some(field) = fields.iter().find(|field| field.name == name) else {
            problems.push(Problem::new(pointer, unknown_field_message(name, fields)));
            continue;
        };
        if present.contains(&field.name) {
            problems.push(Problem::new(
                pointer,
                format!("\"{name}\" is given twice (once with \".$\")"),
            ));
            continue;
        }
        present.push(field.name);
        if !dynamic {
            check_value(field.kind, value, &pointer, phase, &mut problems);
        }
    }
    for field in fields
        .iter()
        .filter(|field| field.required && !present.contains(&field.name))
    {
        problems.push(Problem::new(
            "",
            format!("missing required field \"{}\"", field.name),
        ));
    }
    if phase == Phase::Call {
        find_secret_references(parameters, "", &mut problems);
    }
    problems
}

fn unknown_field_message(name: &str, fields: &[Field]) -> String {
    let known: Vec<&str> = fields.iter().map(|field| field.name).collect();
    let closest = known
        .iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&name.to_lowercase(), &candidate.to_lowercase()),
                *candidate,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, candidate)) => format!("unknown field \"{name}\"; did you mean \"{candidate}\"?"),
        None => format!(
            "unknown field \"{name}\"; expected one of {}",
            known.join(", ")
        ),
    }
}

fn check_value(
    kind: Kind,
    value: &Value,
    pointer: &str,
    phase: Phase,
    problems: &mut Vec<Problem>,
) {
    let mut fail = |message: String| problems.push(Problem::new(pointer, message));
    match kind {
        Kind::Any => {}
        Kind::String => match value {
            Value::String(text) if text.is_empty() => fail("must not be empty".into()),
            Value::String(text) if text.contains('\0') => fail("must not contain NUL".into()),
            Value::String(_) => {}
            other => fail(format!("must be a string, not {}", describe(other))),
        },
        Kind::Argv => match value {
            Value::Array(items) if items.is_empty() => {
                fail("must name the program: an empty array runs nothing".into())
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let item_pointer = format!("{pointer}/{index}");
                    match item {
                        Value::String(text) if index == 0 && text.is_empty() => problems.push(
                            Problem::new(item_pointer, "the program name must not be empty"),
                        ),
                        Value::String(text) if text.contains('\0') => {
                            problems.push(Problem::new(item_pointer, "must not contain NUL"))
                        }
                        Value::String(_) => {}
                        secret if phase == Phase::Definition && is_secret_reference(secret) => {}
                        other => problems.push(Problem::new(
                            item_pointer,
                            format!("must be a string, not {}", describe(other)),
                        )),
                    }
                }
            }
            other => fail(format!(
                "must be an array of strings (program and arguments), not {}",
                describe(other)
            )),
        },
        Kind::StringMap { key_rule } => match value {
            Value::Object(map) => check_string_map(map, key_rule, pointer, phase, problems),
            other => fail(format!(
                "must be an object of strings, not {}",
                describe(other)
            )),
        },
        Kind::PositiveSeconds => match value.as_f64() {
            Some(seconds) if seconds > 0.0 && seconds.is_finite() && seconds <= 31_536_000.0 => {}
            Some(_) => fail("must be greater than 0 (and at most a year)".into()),
            None => fail(format!(
                "must be a number of seconds, not {}",
                describe(value)
            )),
        },
        Kind::StatusCodes => match value {
            Value::Array(items) if items.is_empty() => fail("must list at least one status".into()),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let Some(message) = status_problem(item) {
                        problems.push(Problem::new(format!("{pointer}/{index}"), message));
                    }
                }
            }
            single => {
                if let Some(message) = status_problem(single) {
                    fail(message)
                }
            }
        },
        Kind::OneOf(choices) => match value {
            Value::String(text) if choices.contains(&text.as_str()) => {}
            other => fail(format!(
                "must be one of {}, not {other}",
                choices.join(", ")
            )),
        },
        Kind::Url => match value {
            Value::String(text) => {
                if let Err(message) = crate::https_check::Target::parse_url(text) {
                    fail(message)
                }
            }
            other => fail(format!("must be a URL string, not {}", describe(other))),
        },
        Kind::HostPort => match value {
            Value::String(text) => {
                if let Err(message) = crate::https_check::parse_host_port(text) {
                    fail(message)
                }
            }
            other => fail(format!(
                "must be a \"host:port\" string, not {}",
                describe(other)
            )),
        },
    }
}

fn status_problem(value: &Value) -> Option<String> {
    match value.as_u64() {
        Some(100..=599) => None,
        _ => Some(format!(
            "must be an HTTP status code (100 to 599), not {value}"
        )),
    }
}

fn check_string_map(
    map: &Map<String, Value>,
    key_rule: KeyRule,
    pointer: &str,
    phase: Phase,
    problems: &mut Vec<Problem>,
) {
    for (key, value) in map {
        let entry_pointer = format!("{pointer}/{}", pointer_token(key));
        let (name, dynamic) = match key.strip_suffix(".$") {
            Some(name) if phase == Phase::Definition => (name, true),
            _ => (key.as_str(), false),
        };
        let key_ok = match key_rule {
            KeyRule::EnvironmentVariable => !name.is_empty() && !name.contains(['=', '\0']),
            KeyRule::HeaderName => {
                !name.is_empty()
                    && name.bytes().all(|byte| {
                        byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
                    })
            }
        };
        if !key_ok {
            let what = match key_rule {
                KeyRule::EnvironmentVariable => {
                    "an environment variable name (non-empty, without '=')"
                }
                KeyRule::HeaderName => "an HTTP header name",
            };
            problems.push(Problem::new(
                entry_pointer.clone(),
                format!("\"{name}\" is not {what}"),
            ));
        }
        if dynamic {
            continue;
        }
        match value {
            Value::String(text) if text.contains('\0') => {
                problems.push(Problem::new(entry_pointer, "must not contain NUL"))
            }
            Value::String(text)
                if matches!(key_rule, KeyRule::HeaderName) && text.contains(['\r', '\n']) =>
            {
                problems.push(Problem::new(entry_pointer, "must not contain line breaks"))
            }
            Value::String(_) => {}
            secret if phase == Phase::Definition && is_secret_reference(secret) => {}
            other => problems.push(Problem::new(
                entry_pointer,
                format!("must be a string, not {}", describe(other)),
            )),
        }
    }
}

/// At call time every secret reference must have been resolved already: a `flow:` resource
/// never sends one on as it is (it would reach a command or a server as a literal object).
fn find_secret_references(value: &Value, pointer: &str, problems: &mut Vec<Problem>) {
    match value {
        secret if is_secret_reference(secret) => problems.push(Problem::new(
            pointer,
            "an unresolved secret reference reached the resource (secrets are resolved before the call)",
        )),
        Value::Object(map) => {
            for (key, item) in map {
                find_secret_references(item, &format!("{pointer}/{}", pointer_token(key)), problems);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                find_secret_references(item, &format!("{pointer}/{index}"), problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const FIELDS: &[Field] = &[
        Field {
            name: "Command",
            kind: Kind::Argv,
            required: true,
        },
        Field {
            name: "Env",
            kind: Kind::StringMap {
                key_rule: KeyRule::EnvironmentVariable,
            },
            required: false,
        },
        Field {
            name: "TimeoutSeconds",
            kind: Kind::PositiveSeconds,
            required: false,
        },
    ];

    fn pointers(problems: &[Problem]) -> Vec<&str> {
        problems
            .iter()
            .map(|problem| problem.pointer.as_str())
            .collect()
    }

    #[test]
    fn dynamic_fields_count_as_present_in_the_definition_only() {
        let parameters = json!({"Command.$": "$.argv", "Env": {"HOME.$": "$.home"}});
        assert!(check(FIELDS, &parameters, Phase::Definition).is_empty());
        let problems = check(FIELDS, &parameters, Phase::Call);
        assert_eq!(pointers(&problems), ["/Command.$", ""]);
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let parameters = json!({"Comand": ["x"], "Env": {"A=B": 1}, "TimeoutSeconds": 0});
        let problems = check(FIELDS, &parameters, Phase::Definition);
        assert_eq!(
            pointers(&problems),
            ["/Comand", "/Env/A=B", "/Env/A=B", "/TimeoutSeconds", ""]
        );
        assert!(
            problems[0].message.contains("did you mean \"Command\""),
            "{problems:?}"
        );
    }

    #[test]
    fn secret_references_are_accepted_in_the_definition_and_refused_unresolved_at_call_time() {
        let parameters = json!({"Command": ["x"], "Env": {"KEY": {"Flow.Secret": "arn:key"}}});
        assert!(check(FIELDS, &parameters, Phase::Definition).is_empty());
        assert_eq!(
            pointers(&check(FIELDS, &parameters, Phase::Call)),
            ["/Env/KEY", "/Env/KEY"]
        );
    }
}
