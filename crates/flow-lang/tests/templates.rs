//! Payload templates, from tests/data/templates/*.json: a case gives a `template`, and either
//! `diagnostics` (each a `pointer` and a `message_contains`) expected from compiling it at
//! `pointer`, or an `input` (optionally `context`, `variables`) and `expected`/`error`.

mod common;

use flow_lang::Bindings;
use flow_lang::intrinsics::SeededRandom;
use flow_lang::template::Template;
use serde_json::{Map, Value, json};

fn run(name: &str, case: &Value) -> Result<(), String> {
    let pointer = case.get("pointer").and_then(Value::as_str).unwrap_or("");
    let compiled = Template::compile(&case["template"], pointer);
    if let Some(wanted) = case.get("diagnostics").and_then(Value::as_array) {
        let diagnostics = match compiled {
            Ok(_) => return Err(format!("{name}: compiled, expected diagnostics")),
            Err(diagnostics) => diagnostics,
        };
        if diagnostics.len() != wanted.len() {
            return Err(format!(
                "{name}: expected {} diagnostics, got {diagnostics:#?}",
                wanted.len()
            ));
        }
        for (diagnostic, want) in diagnostics.iter().zip(wanted) {
            let part = want["message_contains"].as_str().unwrap_or_default();
            if want["pointer"].as_str() != Some(diagnostic.pointer.as_str())
                || !diagnostic.message.contains(part)
            {
                return Err(format!("{name}: expected {want}, got {diagnostic:?}"));
            }
        }
        return Ok(());
    }
    let template = compiled.map_err(|diagnostics| format!("{name}: {diagnostics:?}"))?;
    let input = case.get("input").cloned().unwrap_or(json!({}));
    let context = case.get("context").cloned().unwrap_or(json!({}));
    let variables: Map<String, Value> = case
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let bindings = Bindings::new(&input, &context).with_variables(&variables);
    common::check(
        name,
        case,
        template.evaluate_with(&bindings, &mut SeededRandom::new(0)),
    )
}

#[test]
fn template_cases() {
    let cases = common::cases("templates");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| run(name, case).err())
        .collect();
    common::report("template", cases.len(), &failures);
}
