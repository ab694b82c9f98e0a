//! Paths, Reference Paths and ResultPath merging, from tests/data/paths/*.json: a case gives a
//! `path` and an `input` (optionally `context`, `variables`), and `expected` or `error` for
//! `Path::select`; with `"reference": true` the path is parsed as a Reference Path; with
//! `merge: {"target", "value"}` it is merged instead; `parse_error` expects the parse to fail.

mod common;

use flow_lang::Bindings;
use flow_lang::path::{Path, ReferencePath};
use serde_json::{Map, Value, json};

fn run(name: &str, case: &Value) -> Result<(), String> {
    let source = case["path"].as_str().ok_or(format!("{name}: no path"))?;
    let reference = case
        .get("reference")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || case.get("merge").is_some();
    if let Some(part) = case.get("parse_error").and_then(Value::as_str) {
        let error = if reference {
            ReferencePath::parse(source).err().map(|e| e.0)
        } else {
            Path::parse(source).err().map(|e| e.0)
        };
        return match error {
            Some(message) if message.contains(part) => Ok(()),
            Some(message) => Err(format!("{name}: parse error {message:?} lacks {part:?}")),
            None => Err(format!("{name}: {source} parsed, expected a parse error")),
        };
    }
    let input = case.get("input").cloned().unwrap_or(json!({}));
    let context = case.get("context").cloned().unwrap_or(json!({}));
    let variables: Map<String, Value> = case
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let bindings = Bindings::new(&input, &context).with_variables(&variables);
    let result = if let Some(merge) = case.get("merge") {
        let path = ReferencePath::parse(source).map_err(|e| format!("{name}: {e}"))?;
        path.merge_into(merge["target"].clone(), merge["value"].clone())
    } else if reference {
        ReferencePath::parse(source)
            .map_err(|e| format!("{name}: {e}"))?
            .select(&bindings)
    } else {
        Path::parse(source)
            .map_err(|e| format!("{name}: {e}"))?
            .select(&bindings)
    };
    common::check(name, case, result)
}

#[test]
fn path_cases() {
    let cases = common::cases("paths");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| run(name, case).err())
        .collect();
    common::report("path", cases.len(), &failures);
}
