//! Runs the ASL conformance corpus (recorded against AWS Step Functions; see
//! tests/conformance/README.md at the repository root) through the engine, in process, on
//! the in-memory store with a clock whose sleeps complete at once.
//!
//! Tier 1 (JSONPath core) must pass except for the cases listed, with a reason, in
//! `data/conformance_known_failures.txt`. Tiers 2 (variables) and 4 (placeholders,
//! non-determinism) are counted and held to a floor.

use std::collections::BTreeMap;
use std::sync::Arc;

use flow_engine::{
    Engine, EngineConfig, ExecutionStatus, Interrupt, ManualClock, MemoryStore, NewRun,
    observer::Silent,
};
use serde_json::Value;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/conformance/cases.jsonl"
);
const KNOWN_FAILURES: &str = include_str!("data/conformance_known_failures.txt");

#[derive(Debug)]
enum Verdict {
    Pass,
    Fail(String),
}

async fn run_case(case: &Value) -> Verdict {
    let start = time::macros::datetime!(2024-01-01 00:00:00 UTC);
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        Vec::new(),
        Arc::new(ManualClock::instant(start)),
        Arc::new(Silent),
        EngineConfig {
            seed: Some(7),
            ..EngineConfig::default()
        },
    );
    let run = NewRun {
        definition_path: "conformance.json".into(),
        definition_text: case["definition"].to_string(),
        input: case["input"].clone(),
        name: None,
        rollback_on_failure: false,
    };
    let outcome = match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        engine.start(run, Interrupt::never()),
    )
    .await
    {
        Err(_) => return Verdict::Fail("did not finish".into()),
        Ok(Err(error)) => {
            let detail = match &error {
                flow_engine::EngineError::BadDefinition(d) => {
                    format!("{error}: {:?}", d.first().map(|d| (&d.pointer, &d.message)))
                }
                _ => format!("{error}"),
            };
            return Verdict::Fail(detail);
        }
        Ok(Ok(outcome)) => outcome,
    };
    let expected = &case["expected"];
    let wildcards = case["tier"] == 4;
    match (&outcome.status, expected["status"].as_str()) {
        (ExecutionStatus::Succeeded { output }, Some("SUCCEEDED")) => {
            if same(output, &expected["output"], wildcards) {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("output {output} expected {}", expected["output"]))
            }
        }
        (ExecutionStatus::Failed { error, cause }, Some("FAILED")) => {
            if let Some(want) = expected.get("error").and_then(Value::as_str)
                && !text_matches(error, want, wildcards)
            {
                return Verdict::Fail(format!(
                    "error {error:?} expected {want:?} (cause {cause:?})"
                ));
            }
            if let Some(want) = expected.get("cause").and_then(Value::as_str)
                && !text_matches(cause, want, wildcards)
            {
                return Verdict::Fail(format!("cause {cause:?} expected {want:?}"));
            }
            Verdict::Pass
        }
        (status, want) => Verdict::Fail(format!("status {status:?} expected {want:?}")),
    }
}

/// JSON equality where numbers compare by value and, with `wildcards`, placeholder strings
/// of the expected side match anything.
fn same(actual: &Value, expected: &Value, wildcards: bool) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, wildcards))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, y)| a.get(k).is_some_and(|x| same(x, y, wildcards)))
        }
        (Value::String(a), Value::String(b)) => text_matches(a, b, wildcards),
        (_, Value::String(b)) if wildcards && is_placeholder(b) => true,
        _ => actual == expected,
    }
}

fn is_placeholder(text: &str) -> bool {
    text.contains('<') || text.contains("111111111111") || text == "date"
}

/// Equality, or with `wildcards` a glob match where every `<...>` placeholder, the account
/// `111111111111` and `date` stand for anything.
fn text_matches(actual: &str, expected: &str, wildcards: bool) -> bool {
    if actual == expected {
        return true;
    }
    if !wildcards || !is_placeholder(expected) {
        return false;
    }
    let mut parts = Vec::new();
    let mut rest = expected.replace("111111111111", "<account>");
    if rest == "date" {
        return true;
    }
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        parts.push(rest[..open].to_string());
        rest = rest[open + close + 1..].to_string();
    }
    parts.push(rest);
    let mut position = 0;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            if !actual.starts_with(part.as_str()) {
                return false;
            }
            position = part.len();
        } else if index == parts.len() - 1 {
            return actual.len() >= position + part.len() && actual.ends_with(part.as_str());
        } else {
            match actual[position..].find(part.as_str()) {
                Some(found) => position += found + part.len(),
                None => return false,
            }
        }
    }
    position == actual.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_corpus() {
    let corpus = std::fs::read_to_string(CORPUS).expect("the corpus is in tests/conformance");
    let known: BTreeMap<&str, &str> = KNOWN_FAILURES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let mut passed: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for line in corpus.lines() {
        let case: Value = serde_json::from_str(line).expect("a JSON case");
        let tier = case["tier"].as_u64().unwrap_or(0);
        if tier == 3 {
            continue; // JSONata: not supported
        }
        let name = case["name"].as_str().unwrap_or_default().to_string();
        let verdict = run_case(&case).await;
        let entry = passed.entry(tier).or_default();
        entry.1 += 1;
        match verdict {
            Verdict::Pass => {
                entry.0 += 1;
                if tier == 1 && known.contains_key(name.as_str()) {
                    fixed.push(name);
                }
            }
            Verdict::Fail(reason) => {
                if std::env::var_os("FLOW_CONFORMANCE_VERBOSE").is_some()
                    || (tier == 1 && !known.contains_key(name.as_str()))
                {
                    eprintln!(
                        "tier {tier} FAIL {name}\n    {}",
                        reason.chars().take(400).collect::<String>()
                    );
                }
                if tier == 1 && !known.contains_key(name.as_str()) {
                    unexpected.push(name);
                }
            }
        }
    }
    for (tier, (pass, total)) in &passed {
        eprintln!("conformance tier {tier}: {pass}/{total} passed");
    }
    for name in &fixed {
        eprintln!("now passing, remove from the known failures: {name}");
    }
    assert!(
        unexpected.is_empty(),
        "{} tier-1 case(s) failed unexpectedly",
        unexpected.len()
    );
    // Floors for the tiers that are not asserted case by case: they may only go up.
    for (tier, floor) in [(2u64, 21usize), (4, 48)] {
        let reached = passed.get(&tier).map(|p| p.0).unwrap_or(0);
        assert!(
            reached >= floor,
            "tier {tier}: {reached} passed, fewer than the {floor} reached before"
        );
    }
}
