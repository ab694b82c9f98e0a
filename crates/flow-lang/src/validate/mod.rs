//! Validation: the rules that span more than one field (the graph of states, unique names,
//! resources as later crates understand them), and the one way to obtain a
//! [`ValidatedMachine`].

mod graph;
mod resource;

pub use resource::ResourceValidator;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::StateMachine;
use crate::source::Source;

/// A state machine in which no problem was found. Only [`load`], [`load_with`] and
/// [`validate_value`] make one, so holding one is proof of validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedMachine {
    machine: StateMachine,
    definition: Value,
}

impl ValidatedMachine {
    pub fn machine(&self) -> &StateMachine {
        &self.machine
    }

    /// The machine, without a copy (an engine keeps it for the whole execution).
    pub fn into_machine(self) -> StateMachine {
        self.machine
    }

    /// The definition as JSON, as it was given.
    pub fn definition(&self) -> &Value {
        &self.definition
    }
}

/// Parses and validates definition text; every problem found is returned, each with its
/// JSON pointer, line and column.
pub fn load(text: &str) -> Result<ValidatedMachine, Diagnostics> {
    load_with(text, &[])
}

/// [`load`], with extra checks of Task resources (e.g. that an AWS SDK action exists).
pub fn load_with(
    text: &str,
    validators: &[&dyn ResourceValidator],
) -> Result<ValidatedMachine, Diagnostics> {
    let source = Source::parse(text).map_err(|diagnostic| vec![diagnostic])?;
    let (machine, mut diagnostics) = check(&source.value, validators);
    for pointer in &source.duplicate_keys {
        diagnostics.push(duplicate_key(pointer));
    }
    source.locate(&mut diagnostics);
    finish(machine, source.value, diagnostics)
}

/// Validates a definition already parsed as JSON (no line or column is known, and duplicate
/// keys are no longer visible).
pub fn validate_value(
    definition: &Value,
    validators: &[&dyn ResourceValidator],
) -> Result<ValidatedMachine, Diagnostics> {
    let (machine, diagnostics) = check(definition, validators);
    finish(machine, definition.clone(), diagnostics)
}

fn check(definition: &Value, validators: &[&dyn ResourceValidator]) -> (StateMachine, Diagnostics) {
    let (machine, mut diagnostics) = crate::parse::parse(definition);
    diagnostics.extend(graph::check(&machine));
    diagnostics.extend(resource::check(&machine, definition, validators));
    (machine, diagnostics)
}

fn finish(
    machine: StateMachine,
    definition: Value,
    mut diagnostics: Diagnostics,
) -> Result<ValidatedMachine, Diagnostics> {
    if diagnostics.is_empty() {
        return Ok(ValidatedMachine {
            machine,
            definition,
        });
    }
    // Reading order, so that a file's problems are listed top to bottom.
    diagnostics.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(usize::MAX)));
    diagnostics.dedup();
    Err(diagnostics)
}

fn duplicate_key(pointer: &str) -> Diagnostic {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let key = key.replace("~1", "/").replace("~0", "~");
    if parent.ends_with("/States") || parent == "/States" {
        Diagnostic::new(pointer, format!("duplicate state name \"{key}\""))
    } else {
        Diagnostic::new(pointer, format!("duplicate field \"{key}\""))
    }
}
