//! Paths (JSONPath as Step Functions accepts it) and Reference Paths (a single node, no
//! wildcards or filters), their parsing and evaluation, and ResultPath merging.

use serde_json::Value;

use crate::error::{AslError, Bindings};

/// A parse error of a path, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

/// A Path: may select several nodes (wildcards, slices, filters, `..`). Starts with `$`
/// (the input), `$$` (the context object) or `$name` (a variable).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    source: String,
}

impl Path {
    /// `$`.
    pub fn root() -> Path {
        Path { source: "$".into() }
    }

    pub fn parse(source: &str) -> Result<Path, PathError> {
        todo!("parse {source}")
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Selects from the bindings. A definite path gives its single node; an indefinite one
    /// (wildcard, slice, filter, descendant) gives the array of matches.
    pub fn select(&self, bindings: &Bindings) -> Result<Value, AslError> {
        let _ = bindings;
        todo!()
    }
}

/// A Reference Path: names exactly one node.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePath {
    source: String,
}

impl ReferencePath {
    /// `$`.
    pub fn root() -> ReferencePath {
        ReferencePath { source: "$".into() }
    }

    pub fn parse(source: &str) -> Result<ReferencePath, PathError> {
        todo!("parse {source}")
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn select(&self, bindings: &Bindings) -> Result<Value, AslError> {
        let _ = bindings;
        todo!()
    }

    /// ResultPath merging: `target` with `value` placed at this path, creating objects on
    /// the way. `$` replaces the whole target.
    pub fn merge_into(&self, target: Value, value: Value) -> Result<Value, AslError> {
        let _ = (target, value);
        todo!()
    }
}
