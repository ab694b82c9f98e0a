//! flow's local task resources: Task states whose `Resource` starts with `flow:` do their work
//! on this machine, without AWS.
//!
//! | resource | does | module |
//! |---|---|---|
//! | `flow:command` | runs a program; stdin gets JSON, stdout is the result | [`command`] |
//! | `flow:https-check` | one HTTP(S) request, the certificate checked like `curl` does | [`https_check`] |
//!
//! [`LocalTasks`] is the [`TaskHandler`] for all of them. Parameters are checked twice with
//! the same schema: statically by [`validate_parameters`] (for `flow validate`, where a field
//! may still be dynamic, `"Command.$": "$.argv"`), and at call time, where a problem fails the
//! attempt with `Flow.InvalidParameters`. The error names are in [`names`].

use flow_engine::{TaskError, TaskFuture, TaskHandler, TaskRequest};
use serde_json::Value;

pub mod command;
mod error;
pub mod https_check;
mod params;

pub use error::{CommandOutcome, Error, Result, names};
pub use params::Problem;

use params::Phase;

/// What every local resource's name starts with.
pub const PREFIX: &str = "flow:";

/// A local resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Command,
    HttpsCheck,
}

impl Resource {
    pub const ALL: &[Resource] = &[Resource::Command, Resource::HttpsCheck];
    pub const ALL_NAMES: &[&str] = &["flow:command", "flow:https-check"];

    pub fn parse(resource: &str) -> Option<Resource> {
        Resource::ALL
            .iter()
            .copied()
            .find(|known| known.name() == resource)
    }

    pub fn name(self) -> &'static str {
        match self {
            Resource::Command => "flow:command",
            Resource::HttpsCheck => "flow:https-check",
        }
    }

    fn fields(self) -> &'static [params::Field] {
        match self {
            Resource::Command => command::FIELDS,
            Resource::HttpsCheck => https_check::FIELDS,
        }
    }
}

/// Checks a Task's static `Parameters` for a `flow:` resource, as written in the definition:
/// an unknown resource, unknown or missing fields, wrong types. Dynamic fields (`"Url.$"`)
/// count as present and are checked at call time. Returns every problem as (JSON pointer
/// relative to `Parameters`, message); an unknown resource is one problem at `""` whose
/// message starts with "unknown resource".
///
/// Call it only for resources that start with [`PREFIX`] and Tasks that have `Parameters`
/// (without them the effective input is checked at call time).
pub fn validate_parameters(resource: &str, parameters: &Value) -> Vec<(String, String)> {
    let problems = match Resource::parse(resource) {
        Some(known) => params::check(known.fields(), parameters, Phase::Definition),
        None => vec![Problem::new(
            "",
            Error::UnknownResource {
                resource: resource.to_owned(),
            }
            .to_string(),
        )],
    };
    problems
        .into_iter()
        .map(|problem| (problem.pointer, problem.message))
        .collect()
}

/// The [`TaskHandler`] of the `flow:` resources.
#[derive(Debug, Clone, Default)]
pub struct LocalTasks {
    _private: (),
}

impl LocalTasks {
    pub fn new() -> Self {
        LocalTasks::default()
    }

    /// Runs one attempt; the same as [`TaskHandler::invoke`] with the crate's own error type.
    pub async fn run(&self, request: TaskRequest) -> Result<Value> {
        attempt(request).await
    }
}

async fn attempt(request: TaskRequest) -> Result<Value> {
    let Some(resource) = Resource::parse(&request.resource) else {
        return Err(Error::UnknownResource {
            resource: request.resource.clone(),
        });
    };
    let problems = params::check(resource.fields(), &request.parameters, Phase::Call);
    if !problems.is_empty() {
        return Err(Error::InvalidParameters {
            resource: resource.name(),
            problems,
        });
    }
    // `check` accepted only an object.
    let Value::Object(parameters) = &request.parameters else {
        return Err(Error::InvalidParameters {
            resource: resource.name(),
            problems: Vec::new(),
        });
    };
    match resource {
        Resource::Command => command::run(&request, parameters).await,
        Resource::HttpsCheck => https_check::run(parameters).await,
    }
}

impl TaskHandler for LocalTasks {
    fn handles(&self, resource: &str) -> bool {
        resource.starts_with(PREFIX)
    }

    fn invoke(&self, mut request: TaskRequest) -> TaskFuture {
        Box::pin(async move {
            // Secret references are read now, at the call; the resolved values live only in
            // this attempt's copy of the parameters and never go back to the engine.
            request.parameters = flow_engine::secrets::resolve_secrets(&request.parameters)?;
            attempt(request).await.map_err(TaskError::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Resource;

    #[test]
    fn the_names_list_matches_the_resources() {
        let names: Vec<&str> = Resource::ALL
            .iter()
            .map(|resource| resource.name())
            .collect();
        assert_eq!(names, Resource::ALL_NAMES);
        for name in Resource::ALL_NAMES {
            assert_eq!(Resource::parse(name).map(Resource::name), Some(*name));
        }
    }
}
