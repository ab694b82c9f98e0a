//! The conformance corpus against validation: every JSONPath definition AWS ran must load,
//! every definition AWS rejected must be rejected, at the place AWS named.
//!
//! Data: `tests/conformance/` at the workspace root (see its README for the attribution).

use std::path::PathBuf;

use serde_json::Value;

fn corpus(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Whether a case relies on JSONata, which flow reports as unsupported (tier 3, and a few
/// tier 4 cases whose expected output holds placeholders).
fn uses_jsonata(case: &Value) -> bool {
    case["features"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f == "jsonata"))
}

#[test]
fn recorded_definitions_load() {
    let mut loaded = 0;
    let mut skipped = 0;
    let mut failures = Vec::new();
    for case in corpus("cases.jsonl") {
        let tier = case["tier"].as_u64().unwrap();
        if tier == 3 || uses_jsonata(&case) {
            skipped += 1;
            continue;
        }
        let text = serde_json::to_string_pretty(&case["definition"]).unwrap();
        match flow_lang::load(&text) {
            Ok(_) => loaded += 1,
            Err(diagnostics) => failures.push(format!("{}:\n  {:?}", case["name"], diagnostics)),
        }
    }
    println!(
        "corpus definitions: {loaded} loaded, {} rejected, {skipped} skipped (JSONata)",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} definitions rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(loaded, 802);
}

/// The pointer at the end of an AWS message ("... at /States/State0/Credentials'"), or in a
/// ValidateStateMachineDefinition diagnostic's `location`.
fn expected_pointer(expected: &Value) -> Option<String> {
    if let Some(location) = expected["diagnostics"][0]["location"].as_str() {
        return location.starts_with('/').then(|| location.to_string());
    }
    let message = expected["message"].as_str()?;
    let at = message.rfind(" at /")?;
    let pointer = message[at + 4..].trim_end_matches('\'').trim_end();
    Some(pointer.to_string())
}

/// The text of a case: its definition, or for the "not a definition" cases (recorded with a
/// null definition) the string AWS was given.
fn definition_text(case: &Value) -> String {
    if case["definition"].is_null() {
        let name = case["name"].as_str().unwrap();
        return if name.contains("NOT_A_DEF") {
            "not a definition".into()
        } else {
            String::new()
        };
    }
    serde_json::to_string_pretty(&case["definition"]).unwrap()
}

/// Whether our pointer names AWS's place or a place inside it (AWS names the `Parameters`
/// object where we name its bad field). AWS's root pointer is "/", ours "".
fn same_place(ours: &str, theirs: &str) -> bool {
    let theirs = if theirs == "/" { "" } else { theirs };
    ours == theirs || ours.starts_with(&format!("{theirs}/"))
}

/// Rejections flow does not make yet, with why. A gap that closes is printed, not failed, so
/// that the fix can land in any order with this list's update.
const KNOWN_GAPS: &[(&str, &str)] = &[];

fn known_gap(name: &str) -> Option<&'static str> {
    KNOWN_GAPS
        .iter()
        .find(|(case, _)| name.contains(case))
        .map(|(_, why)| *why)
}

#[test]
fn rejected_definitions_are_rejected() {
    let mut rejected = 0;
    let mut with_pointer = 0;
    let mut matched = 0;
    let mut accepted_as_on_aws = 0;
    let mut problems = Vec::new();
    for case in corpus("invalid_definitions.jsonl") {
        let name = case["name"].as_str().unwrap().to_string();
        let text = definition_text(&case);
        let result = flow_lang::load(&text);
        // Some ValidateStateMachineDefinition records are of valid definitions.
        if case["expected"]["result"] == "OK" {
            match result {
                Ok(_) => accepted_as_on_aws += 1,
                Err(diagnostics) if diagnostics.iter().any(|d| d.message.contains("JSONata")) => {
                    // Valid on AWS, but uses JSONata in a Map: unsupported by flow.
                    println!("valid on AWS, rejected for JSONata: {name}");
                }
                Err(diagnostics) => problems.push(format!(
                    "{name}: valid on AWS but rejected: {diagnostics:?}"
                )),
            }
            continue;
        }
        let gap = known_gap(&name);
        let Err(diagnostics) = result else {
            match gap {
                Some(why) => println!("known gap, accepted: {name} ({why})"),
                None => problems.push(format!("{name}: accepted")),
            }
            continue;
        };
        if gap.is_some() {
            println!("known gap closed, remove it from KNOWN_GAPS: {name}");
        }
        rejected += 1;
        if let Some(pointer) = expected_pointer(&case["expected"]) {
            with_pointer += 1;
            if diagnostics.iter().any(|d| same_place(&d.pointer, &pointer)) {
                matched += 1;
            } else {
                problems.push(format!(
                    "{name}: expected a diagnostic at {pointer}, got {diagnostics:?}"
                ));
            }
        }
    }
    println!(
        "invalid corpus: {rejected} rejected, {matched}/{with_pointer} at the recorded pointer, {accepted_as_on_aws} valid ones accepted"
    );
    assert!(rejected >= 110 - KNOWN_GAPS.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
