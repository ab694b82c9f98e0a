//! Identifiers of executions, steps and scopes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An execution's id: a UUID unless given by `--name` too (the name is kept separately and
/// also finds the execution).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExecutionId(pub String);

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One run of a state, numbered from 1 in order of creation within the execution. The
/// number is assigned once, persisted, and reused when a step is re-run after a crash or by
/// resume, so idempotency tokens derived from it stay stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(pub u64);

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A sequential thread of states: the execution's top level, or one branch of a Parallel
/// step, or one iteration of a Map step (identified by that step and the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ScopeKey {
    Root,
    Child { parent: StepId, index: u32 },
}
