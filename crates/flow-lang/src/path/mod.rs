//! Paths (JSONPath as Step Functions accepts it) and Reference Paths (a single node, no
//! wildcards or filters), their parsing and evaluation, and ResultPath merging.
//!
//! Why a dedicated parser and evaluator rather than a JSONPath crate: Step Functions evaluates
//! paths with Jayway JsonPath (Java), and the maintained Rust crates (serde_json_path,
//! jsonpath-rust) implement RFC 9535 instead. They differ where ASL users notice: RFC 9535
//! always returns a node list, while Jayway returns a definite path's node itself and fails
//! when it is missing (with messages such as `No results for path: $['a']` that AWS puts in
//! its causes); Jayway has `.length()` and its other functions, `in`/`nin`/`size`/`=~` filter
//! operators, and applies a filter on an object to the object itself. ASL adds the `$$` and
//! `$name` roots and Reference Paths. Matching all of that on top of an RFC 9535 engine would
//! take more code than this small evaluator.

mod compare;
mod filter;
mod merge;
mod select;
mod syntax;

pub(crate) use compare::{
    equal as values_equal, numbers as compare_numbers, strings as compare_strings,
};

use serde_json::Value;

use crate::error::{AslError, Bindings};
use select::{Miss, Scope};
use syntax::Syntax;

/// A parse error of a path, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

/// A Path: may select several nodes (wildcards, slices, filters, `..`). Starts with `$`
/// (the input), `$$` (the context object) or `$name` (a variable).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    source: String,
    syntax: Syntax,
}

impl Path {
    /// `$`.
    pub fn root() -> Path {
        Path {
            source: "$".into(),
            syntax: Syntax {
                root: syntax::Root::Input,
                segments: Vec::new(),
                function: None,
            },
        }
    }

    pub fn parse(source: &str) -> Result<Path, PathError> {
        let syntax = syntax::parse(source)?;
        Ok(Path {
            source: source.to_string(),
            syntax,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the path names at most one node (no wildcard, slice, filter, union or `..`).
    /// An indefinite path always yields an array.
    pub fn is_definite(&self) -> bool {
        self.syntax.is_definite()
    }

    /// Whether the path reads the context object (`$$...`).
    pub fn is_context(&self) -> bool {
        self.syntax.root == syntax::Root::Context
    }

    /// The variable a `$name...` path reads.
    pub fn variable(&self) -> Option<&str> {
        match &self.syntax.root {
            syntax::Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// Selects from the bindings. A definite path gives its single node; an indefinite one
    /// (wildcard, slice, filter, descendant) gives the array of matches. A definite path that
    /// names nothing is `States.Runtime`, worded as AWS words it for InputPath/OutputPath:
    /// `Invalid path '$.x' : No results for path: $['x']`.
    pub fn select(&self, bindings: &Bindings) -> Result<Value, AslError> {
        self.evaluate(bindings).map_err(|Miss(detail)| {
            AslError::runtime(format!("Invalid path '{}' : {detail}", self.source))
        })
    }

    /// Like [`Path::select`], but a definite path that names nothing gives `None`, so that the
    /// caller can word the error for its field (or, for `IsPresent`, not fail at all).
    pub fn lookup(&self, bindings: &Bindings) -> Result<Option<Value>, AslError> {
        Ok(self.evaluate(bindings).ok())
    }

    pub(crate) fn evaluate(&self, bindings: &Bindings) -> Result<Value, Miss> {
        select::evaluate_value(
            &self.syntax,
            &Scope {
                bindings: *bindings,
            },
            None,
        )
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// A Reference Path: names exactly one node.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePath {
    path: Path,
}

impl ReferencePath {
    /// `$`.
    pub fn root() -> ReferencePath {
        ReferencePath { path: Path::root() }
    }

    pub fn parse(source: &str) -> Result<ReferencePath, PathError> {
        let path = Path::parse(source)?;
        if !path.is_definite() || path.syntax.function.is_some() {
            return Err(PathError(format!(
                "'{source}' is not a Reference Path: only names and single indexes may follow the root (no wildcards, slices, filters, unions, '..' or functions)"
            )));
        }
        Ok(ReferencePath { path })
    }

    pub fn as_str(&self) -> &str {
        self.path.as_str()
    }

    /// The same path as a [`Path`].
    pub fn as_path(&self) -> &Path {
        &self.path
    }

    /// Whether this is `$`, the whole input.
    pub fn is_root(&self) -> bool {
        self.path.syntax.root == syntax::Root::Input && self.path.syntax.segments.is_empty()
    }

    pub fn select(&self, bindings: &Bindings) -> Result<Value, AslError> {
        self.path.select(bindings)
    }

    /// `None` when the path names nothing.
    pub fn lookup(&self, bindings: &Bindings) -> Result<Option<Value>, AslError> {
        self.path.lookup(bindings)
    }

    /// ResultPath merging: `target` with `value` placed at this path, creating objects on
    /// the way. `$` replaces the whole target.
    pub fn merge_into(&self, target: Value, value: Value) -> Result<Value, AslError> {
        merge::merge(&self.path.source, &self.path.syntax, target, value)
    }
}

impl std::fmt::Display for ReferencePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
