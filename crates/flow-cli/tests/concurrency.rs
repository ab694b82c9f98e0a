//! Many `flow` processes on one state database: a hundred `flow run`s started at once on a
//! database that does not exist yet (so they also race to create it and its schema) all
//! succeed, none reports a locked or busy database, and every execution is recorded.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use support::{Running, Sandbox};

/// A few Pass states and a command.
const SMALL: &str = r#"{
  "Comment": "Three Pass states around a command that runs true.",
  "StartAt": "First",
  "States": {
    "First": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.first", "Next": "Second"},
    "Second": {"Type": "Pass", "Result": {"n": 2}, "ResultPath": "$.second", "Next": "Command"},
    "Command": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["true"]},
      "ResultPath": "$.command",
      "Next": "Last"
    },
    "Last": {"Type": "Pass", "End": true}
  }
}
"#;

const RUNS: usize = 100;

/// How long all of them together may take (a 2-core machine runs 100 processes at once).
const ALL_LIMIT: Duration = Duration::from_secs(300);

#[test]
fn a_hundred_runs_at_once_on_one_database_all_succeed() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.path("small.json"), SMALL).unwrap();
    assert!(!sandbox.db.exists(), "the runs create the database");

    let started = Instant::now();
    let runs: Vec<Running> = (0..RUNS)
        .map(|n| {
            sandbox.spawn(&[
                "run",
                "small.json",
                "--name",
                &format!("run-{n:03}"),
                "--output",
                "json",
            ])
        })
        .collect();
    let spawned = started.elapsed();
    let deadline = started + ALL_LIMIT;
    let outcomes: Vec<_> = runs
        .into_iter()
        .map(|run| run.wait(deadline.saturating_duration_since(Instant::now())))
        .collect();
    let wall = started.elapsed();

    let mut failures = Vec::new();
    for (n, outcome) in outcomes.iter().enumerate() {
        let stderr = outcome.stderr.to_lowercase();
        if outcome.code != Some(0)
            || stderr.contains("locked")
            || stderr.contains("busy")
            || stderr.contains("panicked")
        {
            failures.push(format!("=== run-{n:03}\n{outcome}"));
        } else if outcome.last_json()["status"] != "SUCCEEDED" {
            failures.push(format!("=== run-{n:03}: not SUCCEEDED\n{outcome}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {RUNS} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let list = sandbox.flow(&["list", "--output", "json"]);
    assert_eq!(list.code, Some(0), "{list}");
    let executions = list.json_lines();
    let succeeded: BTreeSet<&str> = executions
        .iter()
        .filter(|e| e["status"] == "SUCCEEDED")
        .filter_map(|e| e["name"].as_str())
        .collect();
    let expected: BTreeSet<String> = (0..RUNS).map(|n| format!("run-{n:03}")).collect();
    assert_eq!(
        executions.len(),
        RUNS,
        "one execution per run:\n{}",
        list.stdout
    );
    assert_eq!(
        succeeded,
        expected.iter().map(String::as_str).collect(),
        "every run's execution SUCCEEDED"
    );

    // Each execution's history is whole: the summaries agree with the database.
    for outcome in &outcomes {
        let id = outcome.execution_id();
        let history = sandbox.history(&id);
        assert_eq!(
            history.last().map(|e| e["type"].clone()),
            Some("ExecutionSucceeded".into()),
            "history of {id}"
        );
    }
    println!(
        "concurrency: {RUNS} flow runs on one database: {} SUCCEEDED in {wall:.2?} wall time (all spawned in {spawned:.2?}); \
         at most {} executions were RUNNING at the same moment",
        succeeded.len(),
        peak_overlap(&executions)
    );
}

/// The most executions between their start and stop at one moment. The timestamps share one
/// fixed RFC 3339 shape (UTC, milliseconds), so they order as strings.
fn peak_overlap(executions: &[serde_json::Value]) -> usize {
    let mut moments: Vec<(&str, i32)> = Vec::new();
    for execution in executions {
        if let (Some(start), Some(stop)) = (
            execution["started_at"].as_str(),
            execution["stopped_at"].as_str(),
        ) {
            moments.push((start, 1));
            moments.push((stop, -1));
        }
    }
    // At equal times a stop comes after a start: an execution of under a millisecond counts.
    moments.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
    let (mut now, mut peak) = (0i32, 0i32);
    for (_, step) in moments {
        now += step;
        peak = peak.max(now);
    }
    peak as usize
}
