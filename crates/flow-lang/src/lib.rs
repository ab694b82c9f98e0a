//! The Amazon States Language (JSONPath flavour), as flow understands it.
//!
//! Phases are separate types: source text -> [`parse`] -> [`model::StateMachine`] (with every
//! problem collected as a [`Diagnostic`]) -> [`validate`] -> [`ValidatedMachine`] ->
//! [`compile`] -> [`graph::MachineGraph`]. The evaluators the engine needs at run time
//! (paths, payload templates, intrinsic functions, Choice rules, ResultPath merging) live
//! here too, so that validation and execution share one definition of the language.
//!
//! This crate does no IO: it takes text and values and returns values.

pub mod choice;
pub mod context;
pub mod diagnostic;
pub mod error;
pub mod graph;
pub mod intrinsics;
pub mod model;
pub mod parse;
pub mod path;
pub mod secret;
pub mod source;
pub mod template;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use error::{AslError, Bindings};
pub use graph::{MachineGraph, compile};
pub use validate::{ResourceValidator, ValidatedMachine, load, load_with, validate_value};
