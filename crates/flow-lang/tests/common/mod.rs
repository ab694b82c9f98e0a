//! The one helper the evaluator tests share: loading data files and comparing results.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flow_lang::AslError;
use flow_lang::model::{Comparison, Condition, Operand, Operator};
use flow_lang::path::Path as JsonPath;
use serde_json::Value;

/// `tests/data/<folder>/*.json`, each an array of cases, flattened with the file name.
pub fn cases(folder: &str) -> Vec<(String, Value)> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable data file");
        let parsed: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        for (index, case) in parsed
            .as_array()
            .expect("a data file holds an array of cases")
            .iter()
            .enumerate()
        {
            let name = case
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| index.to_string());
            out.push((format!("{stem}/{name}"), case.clone()));
        }
    }
    out
}

/// The conformance corpus recorded against AWS (see tests/conformance/README.md at the root).
pub fn corpus(file: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// Checks `result` against a case's `expected` value or `error` object (`error` must match;
/// `cause`, when given, must match exactly; `cause_contains` must be a substring).
pub fn check(name: &str, case: &Value, result: Result<Value, AslError>) -> Result<(), String> {
    match (case.get("expected"), case.get("error"), result) {
        (Some(expected), _, Ok(actual)) if numbers_equal(expected, &actual) => Ok(()),
        (Some(expected), _, Ok(actual)) => {
            Err(format!("{name}: expected {expected}, got {actual}"))
        }
        (Some(expected), _, Err(error)) => {
            Err(format!("{name}: expected {expected}, got error {error}"))
        }
        (None, Some(wanted), Err(error)) => check_error(name, wanted, &error),
        (None, Some(wanted), Ok(actual)) => {
            Err(format!("{name}: expected error {wanted}, got {actual}"))
        }
        (None, None, _) => Err(format!(
            "{name}: the case has neither 'expected' nor 'error'"
        )),
    }
}

pub fn check_error(name: &str, wanted: &Value, error: &AslError) -> Result<(), String> {
    if wanted.get("error").and_then(Value::as_str) != Some(error.error.as_str()) {
        return Err(format!("{name}: expected error {wanted}, got {error}"));
    }
    if let Some(cause) = wanted.get("cause").and_then(Value::as_str) {
        if cause != error.cause {
            return Err(format!(
                "{name}: expected cause\n  {cause}\ngot\n  {}",
                error.cause
            ));
        }
    }
    if let Some(part) = wanted.get("cause_contains").and_then(Value::as_str) {
        if !error.cause.contains(part) {
            return Err(format!(
                "{name}: expected the cause to contain {part:?}, got {:?}",
                error.cause
            ));
        }
    }
    Ok(())
}

/// JSON equality where numbers compare by value (1 == 1.0) and key order is irrelevant.
pub fn numbers_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(l), Value::Number(r)) => l.as_f64() == r.as_f64(),
        (Value::Array(l), Value::Array(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| numbers_equal(a, b))
        }
        (Value::Object(l), Value::Object(r)) => {
            l.len() == r.len()
                && l.iter()
                    .all(|(k, a)| r.get(k).is_some_and(|b| numbers_equal(a, b)))
        }
        _ => left == right,
    }
}

/// Fails the test with every failure listed, after running all cases.
pub fn report(kind: &str, total: usize, failures: &[String]) {
    println!(
        "{kind}: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} {kind} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The rule as the parser would model it; only what the data files use.
pub fn condition(rule: &Value) -> Result<Condition, String> {
    let object = rule.as_object().ok_or("a rule is an object")?;
    if let Some(all) = object.get("And").and_then(Value::as_array) {
        return all
            .iter()
            .map(condition)
            .collect::<Result<_, _>>()
            .map(Condition::And);
    }
    if let Some(any) = object.get("Or").and_then(Value::as_array) {
        return any
            .iter()
            .map(condition)
            .collect::<Result<_, _>>()
            .map(Condition::Or);
    }
    if let Some(inner) = object.get("Not") {
        return Ok(Condition::Not(Box::new(condition(inner)?)));
    }
    let variable = object
        .get("Variable")
        .and_then(Value::as_str)
        .ok_or("no Variable")?;
    let variable = JsonPath::parse(variable).map_err(|e| e.0)?;
    for operator in Operator::ALL {
        if let Some(value) = object.get(operator.name()) {
            return Ok(Condition::Comparison(Comparison {
                variable,
                operator,
                operand: Operand::Literal(value.clone()),
            }));
        }
        if let Some(path) = object
            .get(&format!("{}Path", operator.name()))
            .and_then(Value::as_str)
        {
            let operand = Operand::Path(JsonPath::parse(path).map_err(|e| e.0)?);
            return Ok(Condition::Comparison(Comparison {
                variable,
                operator,
                operand,
            }));
        }
    }
    Err(format!("no operator in {rule}"))
}

/// Expected values from the corpus may hold placeholders (`<region>`, `arn:<partition>:`)
/// and may give a JSON value as its text: both count as equal.
pub fn corpus_equal(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(text), _) if !actual.is_string() => {
            serde_json::from_str::<Value>(text).is_ok_and(|parsed| corpus_equal(&parsed, actual))
        }
        // The recorder replaced timestamps by "date".
        (Value::String(pattern), Value::String(_)) if pattern == "date" => true,
        (Value::String(pattern), Value::String(text)) if pattern.contains('<') => {
            let mut glob = String::new();
            let mut in_placeholder = false;
            for c in pattern.chars() {
                match c {
                    '<' => in_placeholder = true,
                    '>' if in_placeholder => {
                        in_placeholder = false;
                        glob.push('*');
                    }
                    _ if in_placeholder => {}
                    '*' | '\\' => {
                        glob.push('\\');
                        glob.push(c);
                    }
                    c => glob.push(c),
                }
            }
            flow_lang::choice::wildcard_match(&glob, text)
        }
        (Value::Array(l), Value::Array(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| corpus_equal(a, b))
        }
        (Value::Object(l), Value::Object(r)) => {
            l.len() == r.len()
                && l.iter()
                    .all(|(k, a)| r.get(k).is_some_and(|b| corpus_equal(a, b)))
        }
        _ => numbers_equal(expected, actual),
    }
}

/// The data-flow fields of one state, evaluated with flow's evaluators from raw JSON.
pub mod flow {
    use flow_lang::intrinsics::SeededRandom;
    use flow_lang::path::{Path, ReferencePath};
    use flow_lang::template::{Template, ValueExpr};
    use flow_lang::{AslError, Bindings, choice};
    use serde_json::{Map, Value, json};

    pub fn input_path(state: &Value, input: &Value, context: &Value) -> Result<Value, AslError> {
        path_field(state, "InputPath", input, context)
    }

    pub fn output_path(state: &Value, value: &Value, context: &Value) -> Result<Value, AslError> {
        path_field(state, "OutputPath", value, context)
    }

    fn path_field(
        state: &Value,
        field: &str,
        value: &Value,
        context: &Value,
    ) -> Result<Value, AslError> {
        match state.get(field) {
            None => Ok(value.clone()),
            Some(Value::Null) => Ok(json!({})),
            Some(Value::String(source)) => Path::parse(source)
                .map_err(|e| AslError::runtime(e.0))?
                .select(&Bindings::new(value, context)),
            Some(other) => Err(AslError::runtime(format!("{field} is {other}"))),
        }
    }

    pub fn template(
        state: &Value,
        field: &str,
        value: &Value,
        context: &Value,
    ) -> Result<Value, AslError> {
        match state.get(field) {
            None => Ok(value.clone()),
            Some(raw) => {
                let template =
                    Template::compile(raw, "").map_err(|d| AslError::runtime(format!("{d:?}")))?;
                template.evaluate_with(&Bindings::new(value, context), &mut SeededRandom::new(0))
            }
        }
    }

    pub fn result_path(state: &Value, input: &Value, result: Value) -> Result<Value, AslError> {
        match state.get("ResultPath") {
            None => Ok(result),
            Some(Value::Null) => Ok(input.clone()),
            Some(Value::String(source)) => ReferencePath::parse(source)
                .map_err(|e| AslError::runtime(e.0))?
                .merge_into(input.clone(), result),
            Some(other) => Err(AslError::runtime(format!("ResultPath is {other}"))),
        }
    }

    /// The `Next` of the first Choice rule that holds, else `Default`.
    pub fn choose(
        state: &Value,
        input: &Value,
        context: &Value,
    ) -> Result<Option<String>, AslError> {
        let bindings = Bindings::new(input, context);
        for rule in state["Choices"].as_array().into_iter().flatten() {
            let condition = super::condition(rule).map_err(AslError::runtime)?;
            if choice::evaluate(&condition, &bindings)? {
                return Ok(rule["Next"].as_str().map(str::to_string));
            }
        }
        match state.get("Default").and_then(Value::as_str) {
            Some(next) => Ok(Some(next.to_string())),
            None => Err(AslError::new(
                "States.NoChoiceMatched",
                "No Choice rule matched",
            )),
        }
    }

    /// `Error`/`ErrorPath` or `Cause`/`CausePath` of a Fail state.
    pub fn fail_text(
        state: &Value,
        field: &str,
        input: &Value,
        context: &Value,
    ) -> Result<Option<String>, AslError> {
        if let Some(text) = state.get(field).and_then(Value::as_str) {
            return Ok(Some(text.to_string()));
        }
        let path_field = format!("{field}Path");
        let Some(source) = state.get(&path_field).and_then(Value::as_str) else {
            return Ok(None);
        };
        let expr = ValueExpr::parse(source).map_err(AslError::runtime)?;
        let value = expr.evaluate_field(
            &path_field,
            &Bindings::new(input, context),
            &mut SeededRandom::new(0),
        )?;
        Ok(Some(
            value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string()),
        ))
    }

    /// A context object good enough for definitions that read the execution's input.
    pub fn context(input: &Value, state_name: &str) -> Value {
        let mut execution = Map::new();
        execution.insert("Input".into(), input.clone());
        execution.insert("Name".into(), json!("execution"));
        json!({"Execution": execution, "State": {"Name": state_name}, "StateMachine": {"Name": "machine"}})
    }
}
