//! Choice rules, from tests/data/choice/*.json: a case gives a `rule` as written in ASL (without
//! `Next`), an `input` (optionally `context`), and `expected` (true or false) or `error`.

mod common;

use flow_lang::model::Operator;
use flow_lang::{Bindings, choice};
use serde_json::{Value, json};

fn run(name: &str, case: &Value) -> Result<(), String> {
    let rule = common::condition(&case["rule"]).map_err(|e| format!("{name}: {e}"))?;
    let input = case.get("input").cloned().unwrap_or(json!({}));
    let context = case.get("context").cloned().unwrap_or(json!({}));
    let bindings = Bindings::new(&input, &context);
    common::check(
        name,
        case,
        choice::evaluate(&rule, &bindings).map(Value::Bool),
    )
}

#[test]
fn choice_cases() {
    let cases = common::cases("choice");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| run(name, case).err())
        .collect();
    common::report("choice", cases.len(), &failures);
}

/// Every operator, in both its forms where it has two, appears in the data.
#[test]
fn every_operator_is_covered() {
    let cases = common::cases("choice");
    let text: String = cases
        .iter()
        .map(|(_, case)| case["rule"].to_string())
        .collect();
    for operator in Operator::ALL {
        assert!(
            text.contains(&format!("\"{}\"", operator.name())),
            "no case uses {}",
            operator.name()
        );
        // AWS has no StringMatchesPath, whatever the model allows.
        if operator.has_path_form() && operator != Operator::StringMatches {
            assert!(
                text.contains(&format!("\"{}Path\"", operator.name())),
                "no case uses {}Path",
                operator.name()
            );
        }
    }
}
