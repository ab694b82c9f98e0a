//! The ASL conformance corpus (recorded against AWS Step Functions; tests/conformance/README.md
//! at the repository root) through the real binary: for every case, `flow run <definition>
//! --input <file> --output json --state <db>`, the summary on the last stdout line compared
//! with what AWS produced, and the exit code (0 SUCCEEDED, 1 FAILED).
//!
//! Tier 1 (JSONPath core) must pass except for the cases listed with a reason in
//! `data/conformance_cli_known_failures.txt`; a case of that list that passes is reported so
//! the list can shrink. Tiers 2 (variables) and 4 (placeholders as wildcards, random values
//! by shape) are counted and printed.

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::Sandbox;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/conformance/cases.jsonl"
);
const KNOWN_FAILURES: &str = include_str!("data/conformance_cli_known_failures.txt");
/// Tier-1 cases passing through the binary when this test was written; fewer is a regression.
const TIER1_AT_LEAST: usize = 724;
const TIER1_CASES: usize = 724;
/// Cases run at once.
const WORKERS: usize = 4;
/// A case still running after this is a failure (the slowest cases wait for real retry
/// intervals of a few seconds).
const CASE_LIMIT: Duration = Duration::from_secs(45);

#[derive(Debug)]
enum Verdict {
    Pass,
    Fail(String),
}

fn run_case(case: &Value) -> Verdict {
    let sandbox = Sandbox::new();
    // The file stem names the state machine in `$$`; the same name as the engine's own test.
    std::fs::write(
        sandbox.path("conformance.json"),
        case["definition"].to_string(),
    )
    .expect("write definition");
    std::fs::write(sandbox.path("input.json"), case["input"].to_string()).expect("write input");
    let mut running = sandbox.spawn(&[
        "run",
        "conformance.json",
        "--input",
        "input.json",
        "--output",
        "json",
    ]);
    let deadline = Instant::now() + CASE_LIMIT;
    let outcome = loop {
        if running.try_finish().is_some() {
            break running.wait(Duration::from_secs(1));
        }
        if Instant::now() >= deadline {
            let outcome = running.kill9();
            return Verdict::Fail(format!("did not finish within {CASE_LIMIT:?}\n{outcome}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let Some(last) = outcome.stdout.lines().last() else {
        return Verdict::Fail(format!("no summary line\n{outcome}"));
    };
    if let Some(bad) = outcome
        .stdout
        .lines()
        .find(|line| serde_json::from_str::<Value>(line).is_err())
    {
        return Verdict::Fail(format!("stdout line is not JSON: {bad}"));
    }
    let summary: Value = serde_json::from_str(last).expect("checked above");
    let status = summary["status"].as_str().unwrap_or_default();
    let want_code = match status {
        "SUCCEEDED" => Some(0),
        "FAILED" => Some(1),
        _ => None,
    };
    if want_code.is_none() || outcome.code != want_code {
        return Verdict::Fail(format!(
            "status {status} with exit code {:?}\n{outcome}",
            outcome.code
        ));
    }
    let expected = &case["expected"];
    let tier = case["tier"].as_u64().unwrap_or(0);
    let matching = Matching {
        wildcards: tier == 4,
        random: tier == 4 && {
            let text = case["definition"].to_string();
            text.contains("States.UUID") || text.contains("States.MathRandom")
        },
    };
    match (status, expected["status"].as_str()) {
        ("SUCCEEDED", Some("SUCCEEDED")) => {
            if matching.same(&summary["output"], &expected["output"]) {
                Verdict::Pass
            } else {
                Verdict::Fail(format!(
                    "output {} expected {}",
                    summary["output"], expected["output"]
                ))
            }
        }
        ("FAILED", Some("FAILED")) => {
            let error = summary["error"].as_str().unwrap_or_default();
            let cause = summary["cause"].as_str().unwrap_or_default();
            if let Some(want) = expected.get("error").and_then(Value::as_str) {
                if !matching.text(error, want) {
                    return Verdict::Fail(format!(
                        "error {error:?} expected {want:?} (cause {cause:?})"
                    ));
                }
            }
            if let Some(want) = expected.get("cause").and_then(Value::as_str) {
                if !matching.text(cause, want) {
                    return Verdict::Fail(format!("cause {cause:?} expected {want:?}"));
                }
            }
            Verdict::Pass
        }
        (status, want) => Verdict::Fail(format!("status {status} expected {want:?}: {summary}")),
    }
}

/// How expected values are compared: exactly (numbers by value, key order ignored), or with
/// tier 4's placeholders as wildcards and, for random cases, UUIDs and numbers by shape.
struct Matching {
    wildcards: bool,
    random: bool,
}

impl Matching {
    fn same(&self, actual: &Value, expected: &Value) -> bool {
        match (actual, expected) {
            (Value::Number(a), Value::Number(b)) => self.random || a.as_f64() == b.as_f64(),
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| self.same(x, y))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && b.iter()
                        .all(|(k, y)| a.get(k).is_some_and(|x| self.same(x, y)))
            }
            (Value::String(a), Value::String(b)) => self.text(a, b),
            // The recorder replaced `States.MathRandom` results by this word.
            (Value::Number(_), Value::String(b)) if self.random && b == "RandomNumberGenerated" => {
                true
            }
            (_, Value::String(b)) if self.wildcards && is_placeholder(b) => true,
            _ => actual == expected,
        }
    }

    /// Equality; with wildcards a glob match where every `<...>` placeholder, the account
    /// `111111111111` and `date` stand for anything; for random cases any UUID for a UUID.
    fn text(&self, actual: &str, expected: &str) -> bool {
        if actual == expected {
            return true;
        }
        if self.random && is_uuid(expected) && is_uuid(actual) {
            return true;
        }
        if !self.wildcards || !is_placeholder(expected) {
            return false;
        }
        let mut rest = expected.replace("111111111111", "<account>");
        if rest == "date" {
            return true;
        }
        let mut parts = Vec::new();
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>') else {
                break;
            };
            parts.push(rest[..open].to_string());
            rest = rest[open + close + 1..].to_string();
        }
        parts.push(rest);
        glob(actual, &parts)
    }
}

/// Whether `actual` is `parts` joined by arbitrary text.
fn glob(actual: &str, parts: &[String]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return actual.is_empty();
    };
    let Some(mut remaining) = actual.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(found) => remaining = &remaining[found + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}

fn is_placeholder(text: &str) -> bool {
    text.contains('<') || text.contains("111111111111") || text == "date"
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[test]
fn conformance_corpus_through_the_binary() {
    let corpus = std::fs::read_to_string(CORPUS).expect("the corpus is in tests/conformance");
    let known: BTreeMap<&str, &str> = KNOWN_FAILURES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let cases: Vec<Value> = corpus
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON case"))
        .filter(|case| matches!(case["tier"].as_u64(), Some(1 | 2 | 4)))
        .collect();
    let next = Mutex::new(0usize);
    let verdicts: Mutex<Vec<(usize, Verdict)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let index = {
                        let mut next = next.lock().unwrap();
                        let index = *next;
                        *next += 1;
                        index
                    };
                    let Some(case) = cases.get(index) else { break };
                    let verdict = run_case(case);
                    verdicts.lock().unwrap().push((index, verdict));
                }
            });
        }
    });
    let mut verdicts = verdicts.into_inner().unwrap();
    verdicts.sort_by_key(|(index, _)| *index);

    let mut counts: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let verbose = std::env::var_os("FLOW_CONFORMANCE_VERBOSE").is_some();
    for (index, verdict) in &verdicts {
        let case = &cases[*index];
        let tier = case["tier"].as_u64().unwrap_or(0);
        let name = case["name"].as_str().unwrap_or_default();
        let entry = counts.entry(tier).or_default();
        entry.1 += 1;
        match verdict {
            Verdict::Pass => {
                entry.0 += 1;
                if tier == 1 && known.contains_key(name) {
                    fixed.push(name);
                }
            }
            Verdict::Fail(reason) => {
                let listed = known.contains_key(name);
                if verbose || (tier == 1 && !listed) {
                    eprintln!(
                        "tier {tier} FAIL {name}\n    {}",
                        reason.chars().take(600).collect::<String>()
                    );
                }
                if tier == 1 && !listed {
                    unexpected.push(name);
                }
            }
        }
    }
    for (tier, (pass, total)) in &counts {
        eprintln!("conformance through the binary, tier {tier}: {pass}/{total} passed");
    }
    for name in &fixed {
        eprintln!("now passing, remove from data/conformance_cli_known_failures.txt: {name}");
    }
    let (tier1_passed, tier1_total) = counts.get(&1).copied().unwrap_or_default();
    assert_eq!(
        tier1_total, TIER1_CASES,
        "the corpus changed: update TIER1_CASES"
    );
    assert!(
        unexpected.is_empty(),
        "{} tier-1 case(s) failed that are not known failures: {unexpected:#?}",
        unexpected.len()
    );
    assert!(
        tier1_passed >= TIER1_AT_LEAST,
        "tier 1: {tier1_passed} passed, at least {TIER1_AT_LEAST} expected"
    );
}
