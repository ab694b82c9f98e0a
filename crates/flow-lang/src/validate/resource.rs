//! The hook through which later crates add their own checks of Task resources (the AWS
//! handler knows which SDK services and actions exist; flow-lang only knows shapes).

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::model::{StateKind, StateMachine};
use crate::source::child_pointer;

/// Checks one Task `Resource` (or a `Compensate` resource) with its raw `Parameters`.
/// `pointer` is that of the `Resource` field.
pub trait ResourceValidator {
    fn check(&self, resource: &str, parameters: Option<&Value>, pointer: &str) -> Vec<Diagnostic>;
}

pub(super) fn check(
    machine: &StateMachine,
    definition: &Value,
    validators: &[&dyn ResourceValidator],
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if !validators.is_empty() {
        visit(machine, definition, validators, &mut diagnostics);
    }
    diagnostics
}

fn visit(
    machine: &StateMachine,
    definition: &Value,
    validators: &[&dyn ResourceValidator],
    out: &mut Vec<Diagnostic>,
) {
    for state in machine.states.values() {
        match &state.kind {
            StateKind::Task(task) => {
                let raw = definition.pointer(&state.pointer);
                let mut run = |resource: &str, object: &str| {
                    // `object` is a path of field names below the state ("Compensate/Lookup").
                    let object_pointer = object
                        .split('/')
                        .filter(|token| !token.is_empty())
                        .fold(state.pointer.clone(), |pointer, token| {
                            child_pointer(&pointer, token)
                        });
                    let parameters = definition
                        .pointer(&object_pointer)
                        .and_then(|o| o.get("Parameters"));
                    for validator in validators {
                        out.extend(validator.check(
                            resource,
                            parameters,
                            &child_pointer(&object_pointer, "Resource"),
                        ));
                    }
                };
                if raw.is_some() && !task.resource.is_empty() {
                    run(&task.resource, "");
                }
                if let Some(compensation) = &task.compensate
                    && !compensation.resource.is_empty()
                {
                    run(&compensation.resource, "Compensate");
                    if let Some(lookup) = &compensation.lookup
                        && !lookup.resource.is_empty()
                    {
                        run(&lookup.resource, "Compensate/Lookup");
                    }
                }
            }
            StateKind::Parallel(parallel) => {
                for branch in &parallel.branches {
                    visit(branch, definition, validators, out);
                }
            }
            StateKind::Map(map) => visit(&map.processor, definition, validators, out),
            _ => {}
        }
    }
}
