//! kill -9 in the middle of a Map, then `flow resume`: every iteration's effect happens, and
//! only the steps that were in flight at the kill may have happened twice.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Sandbox, definition, events, lines_of, poll};

/// The Map iteration index a TaskScheduled event of `map_append.json` is for (the argument
/// after the script in `Command`).
fn index_of(scheduled: &Value) -> u64 {
    let parameters: Value = serde_json::from_str(
        scheduled["details"]["parameters"]
            .as_str()
            .expect("parameters as text"),
    )
    .expect("parameters JSON");
    parameters["Command"][3]
        .as_str()
        .and_then(|i| i.parse().ok())
        .unwrap_or_else(|| panic!("no index in {scheduled}"))
}

#[test]
fn map_killed_mid_way_resumes_with_only_in_flight_steps_repeated() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "map_append.json");
    let file = sandbox.path("out.txt");
    let input = json!({"file": file}).to_string();

    let run = sandbox.spawn(&["run", &def, "--input-json", &input, "--output", "json"]);
    poll(
        "8 lines in the output file",
        Duration::from_secs(30),
        || (lines_of(&file).len() >= 8).then_some(()),
    );
    let killed = run.kill9();
    assert_eq!(
        killed.signal,
        Some(9),
        "the run was to be killed mid-way, yet it ended:\n{killed}"
    );
    let lines_at_kill = lines_of(&file).len();
    assert!(
        lines_at_kill < 30,
        "the Map had finished before the kill ({lines_at_kill} lines)"
    );

    let id = sandbox
        .only_execution_id()
        .expect("the run created its execution");
    assert_eq!(sandbox.status(&id)["status"], "RUNNING");

    let resumed = sandbox.flow(&["resume", &id, "--output", "json"]);
    assert_eq!(resumed.code, Some(0), "resume failed:\n{resumed}");
    resumed.json_lines(); // every stdout line is JSON
    let summary = resumed.last_json();
    assert_eq!(summary["status"], "SUCCEEDED", "{resumed}");
    assert_eq!(summary["execution_id"], id.as_str());
    assert!(!resumed.stderr.contains("panicked"), "{resumed}");

    // Which steps ran before the kill, and which the resume sent again (`recovering`).
    let history = sandbox.history(&id);
    let mut index_of_step: BTreeMap<u64, u64> = BTreeMap::new();
    let mut schedules: BTreeMap<u64, Vec<(u64, bool)>> = BTreeMap::new();
    for event in events(&history, "TaskScheduled") {
        let step = event["step"].as_u64().expect("a task event names its step");
        let index = index_of(event);
        assert_eq!(
            *index_of_step.entry(step).or_insert(index),
            index,
            "step {step} ran two different items"
        );
        let recovering = event["details"]["recovering"]
            .as_bool()
            .expect("recovering flag");
        schedules
            .entry(step)
            .or_default()
            .push((event["id"].as_u64().unwrap(), recovering));
    }
    let mut succeeded: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for event in events(&history, "TaskSucceeded") {
        succeeded
            .entry(event["step"].as_u64().unwrap())
            .or_default()
            .push(event["id"].as_u64().unwrap());
    }
    assert_eq!(index_of_step.len(), 30, "one step per Map item");
    assert_eq!(
        index_of_step.values().copied().collect::<BTreeSet<_>>(),
        (0..30).collect(),
        "every item has its step"
    );

    let mut rerun_items = BTreeSet::new();
    for (step, scheduled) in &schedules {
        let finished = &succeeded[step];
        assert_eq!(
            finished.len(),
            1,
            "step {step} succeeded {} times in the history",
            finished.len()
        );
        match scheduled.as_slice() {
            [(_, false)] => {}
            // In flight at the kill: scheduled by the killed process, not finished before the
            // resume sent it again.
            [(first, false), (again, true)] => {
                assert!(
                    finished[0] > *again,
                    "step {step} succeeded (event {}) before it was re-sent (event {again})",
                    finished[0]
                );
                assert!(first < again);
                rerun_items.insert(index_of_step[step]);
            }
            other => panic!(
                "step {step} was scheduled as {other:?}: only a step in flight at the kill runs again, once"
            ),
        }
    }
    assert!(
        rerun_items.len() <= 3,
        "at most MaxConcurrency (3) steps can be in flight: {rerun_items:?}"
    );

    // The effects: each item once, except possibly those in flight at the kill.
    let lines = lines_of(&file);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        *counts.entry(line.clone()).or_default() += 1;
    }
    for index in 0..30u64 {
        let line = format!("item-{index}");
        let count = counts.remove(&line).unwrap_or(0);
        match count {
            1 => {}
            2 if rerun_items.contains(&index) => {}
            _ => panic!(
                "{line} appears {count} times; re-run after the kill: {rerun_items:?}\nfile:\n{}",
                lines.join("\n")
            ),
        }
    }
    assert!(counts.is_empty(), "unexpected lines: {counts:?}");
    eprintln!("{lines_at_kill} lines at the kill; items re-run by the resume: {rerun_items:?}");
}
