//! Intrinsic functions, from the cases in tests/data/intrinsics/*.json: each gives a `call`,
//! an `input` (and optionally `context`, `variables`, `seed`), and the `expected` value, the
//! `error` (name and `cause` or `cause_contains`), a `shape` (for random results) or a
//! `parse_error` substring.

mod common;

use flow_lang::Bindings;
use flow_lang::intrinsics::{Call, Function, SeededRandom};
use serde_json::{Map, Value, json};

fn run(name: &str, case: &Value) -> Result<(), String> {
    let source = case["call"].as_str().ok_or(format!("{name}: no call"))?;
    let parsed = Call::parse(source);
    if let Some(part) = case.get("parse_error").and_then(Value::as_str) {
        return match parsed {
            Err(message) if message.contains(part) => Ok(()),
            Err(message) => Err(format!("{name}: parse error {message:?} lacks {part:?}")),
            Ok(_) => Err(format!("{name}: {source} parsed, expected a parse error")),
        };
    }
    let call = parsed.map_err(|message| format!("{name}: {message}"))?;
    let input = case.get("input").cloned().unwrap_or(json!({}));
    let context = case.get("context").cloned().unwrap_or(json!({}));
    let variables: Map<String, Value> = case
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let bindings = Bindings::new(&input, &context).with_variables(&variables);
    let mut random = SeededRandom::new(case.get("seed").and_then(Value::as_u64).unwrap_or(0));
    let result = call.evaluate_with(&bindings, &mut random);
    if let Some(shape) = case.get("shape").and_then(Value::as_str) {
        return check_shape(name, shape, case, result);
    }
    common::check(name, case, result)
}

fn check_shape(
    name: &str,
    shape: &str,
    case: &Value,
    result: Result<Value, flow_lang::AslError>,
) -> Result<(), String> {
    let value = result.map_err(|error| format!("{name}: {error}"))?;
    let fits = match shape {
        "uuid-v4" => value
            .as_str()
            .and_then(|text| uuid::Uuid::parse_str(text).ok())
            .is_some_and(|id| id.get_version_num() == 4),
        "integer-in-range" => {
            let low = case["range"][0].as_i64().unwrap_or(i64::MIN);
            let high = case["range"][1].as_i64().unwrap_or(i64::MAX);
            value.as_i64().is_some_and(|n| (low..high).contains(&n))
        }
        other => return Err(format!("{name}: unknown shape {other}")),
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{name}: {value} is not a {shape}"))
    }
}

#[test]
fn intrinsic_cases() {
    let cases = common::cases("intrinsics");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| run(name, case).err())
        .collect();
    common::report("intrinsic", cases.len(), &failures);
}

/// Every function has cases, so that dropping a data file cannot go unnoticed.
#[test]
fn every_function_is_covered() {
    let cases = common::cases("intrinsics");
    for function in Function::ALL {
        let prefix = format!("{}(", function.name());
        assert!(
            cases.iter().any(|(_, case)| case["call"]
                .as_str()
                .is_some_and(|call| call.starts_with(&prefix))),
            "no case calls {}",
            function.name()
        );
    }
}

/// The same seed gives the same results; the system source gives a version-4 UUID.
#[test]
fn randomness_is_injected() {
    let input = json!({});
    let bindings = Bindings::new(&input, &input);
    let call =
        Call::parse("States.Array(States.UUID(), States.MathRandom(0, 1000000))").expect("parses");
    let first = call
        .evaluate_with(&bindings, &mut SeededRandom::new(7))
        .expect("evaluates");
    let second = call
        .evaluate_with(&bindings, &mut SeededRandom::new(7))
        .expect("evaluates");
    assert_eq!(first, second);
    let third = call
        .evaluate_with(&bindings, &mut SeededRandom::new(8))
        .expect("evaluates");
    assert_ne!(first, third);
    let system = Call::parse("States.UUID()")
        .expect("parses")
        .evaluate(&bindings)
        .expect("evaluates");
    let id = uuid::Uuid::parse_str(system.as_str().expect("a string")).expect("a UUID");
    assert_eq!(id.get_version_num(), 4);
}
