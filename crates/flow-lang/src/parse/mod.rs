//! Definition JSON -> [`model::StateMachine`], collecting every problem as a [`Diagnostic`].
//!
//! The parser never stops at the first problem: each field is checked on its own, a bad value
//! is reported and replaced by its default, and a state whose `Type` cannot be understood is
//! kept as a placeholder so that the graph rules can still run over the rest. The model that
//! results is only handed out (by [`crate::load`]) when no diagnostic was found.

mod choice;
mod compensate;
mod fields;
mod machine;
mod map;
mod resource;
mod retry;
mod states;
mod task;

pub use fields::closest as closest_name;
pub use resource::{ResourceKind, classify_resource};

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::StateMachine;

/// Parses the top level of a definition. The machine is returned even when diagnostics were
/// found (with defaults where values were wrong), so that later phases can report more.
pub fn parse(definition: &Value) -> (StateMachine, Diagnostics) {
    let mut parser = fields::Parser::default();
    let machine = machine::parse_top(&mut parser, definition);
    (machine, parser.diagnostics)
}
