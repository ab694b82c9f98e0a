//! `flow rollback` through the binary: compensations undo every marker, in reverse order of
//! completion (concurrently where the steps overlapped), and a rollback killed mid-way is
//! finished by the next one without running a finished compensation twice.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Sandbox, definition, events, lines_of, poll};

/// The first event of `kind` for each step: step -> event id.
fn first_by_step(history: &[Value], kind: &str) -> BTreeMap<u64, u64> {
    let mut found = BTreeMap::new();
    for event in events(history, kind) {
        let step = event["step"]
            .as_u64()
            .unwrap_or_else(|| panic!("{kind} without a step: {event}"));
        found.entry(step).or_insert(event["id"].as_u64().unwrap());
    }
    found
}

fn name_of(history: &[Value], step: u64) -> String {
    history
        .iter()
        .find(|e| e["step"] == step && e["details"]["name"].is_string())
        .map(|e| e["details"]["name"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| format!("step {step}"))
}

/// The rule of DESIGN.md's rollback: the compensation of step B starts only after the
/// compensations of all steps entered after B finished have succeeded. Checked on the events
/// from `from` on (one rollback's events).
fn assert_reverse_completion_order(history: &[Value], from: u64) {
    let entered = first_by_step(history, "TaskStateEntered");
    let exited = first_by_step(history, "TaskStateExited");
    let after: Vec<Value> = history
        .iter()
        .filter(|e| e["id"].as_u64().unwrap() >= from)
        .cloned()
        .collect();
    let scheduled = first_by_step(&after, "CompensationScheduled");
    let succeeded = first_by_step(&after, "CompensationSucceeded");
    for (&b, &b_scheduled) in &scheduled {
        let b_finished = exited.get(&b).copied().unwrap_or(u64::MAX);
        for (&a, &a_entered) in &entered {
            if a == b || a_entered <= b_finished {
                continue;
            }
            let Some(&a_succeeded) = succeeded.get(&a) else {
                continue;
            };
            assert!(
                a_succeeded < b_scheduled,
                "{} (entered at event {a_entered}, after {} finished at event {b_finished}) was compensated at event \
                 {a_succeeded}, yet the compensation of {} started at event {b_scheduled}",
                name_of(history, a),
                name_of(history, b),
                name_of(history, b)
            );
        }
    }
}

fn markers(sandbox: &Sandbox, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| sandbox.path(n).exists())
        .map(|n| n.to_string())
        .collect()
}

const PARALLEL_MARKERS: [&str; 7] = [
    "Prepare", "Make0a", "Make0b", "Make1a", "Make1b", "Make2a", "Make2b",
];

#[test]
fn rollback_undoes_parallel_branches_in_reverse_completion_order() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "rollback_parallel.json");
    let input = json!({"dir": sandbox.dir()}).to_string();

    let run = sandbox.flow(&["run", &def, "--input-json", &input, "--output", "json"]);
    assert_eq!(run.code, Some(1), "the last step fails:\n{run}");
    let summary = run.last_json();
    assert_eq!(summary["status"], "FAILED");
    assert_eq!(summary["error"], "Flow.Command.Failed");
    assert!(
        run.stderr.contains("flow rollback"),
        "a hint names rollback:\n{run}"
    );
    let id = run.execution_id();
    assert_eq!(
        markers(&sandbox, &PARALLEL_MARKERS).len(),
        7,
        "every step made its marker"
    );

    let rollback = sandbox.flow(&["rollback", &id, "--output", "json"]);
    assert_eq!(rollback.code, Some(0), "{rollback}");
    assert_eq!(rollback.last_json()["status"], "ROLLED_BACK", "{rollback}");
    assert_eq!(rollback.last_json()["execution_id"], id.as_str());
    assert!(
        markers(&sandbox, &PARALLEL_MARKERS).is_empty(),
        "markers left: {:?}",
        markers(&sandbox, &PARALLEL_MARKERS)
    );
    assert_eq!(sandbox.status(&id)["status"], "ROLLED_BACK");

    let history = sandbox.history(&id);
    let started = events(&history, "RollbackStarted")
        .next()
        .expect("RollbackStarted")["id"]
        .as_u64()
        .unwrap();
    assert_reverse_completion_order(&history, started);
    // Every step that made a marker was compensated exactly once; the failed one was not.
    let compensated: Vec<String> = events(&history, "CompensationSucceeded")
        .map(|e| e["details"]["name"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = compensated.clone();
    sorted.sort();
    let mut want: Vec<String> = PARALLEL_MARKERS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(sorted, want);
    assert_eq!(
        compensated.last().map(String::as_str),
        Some("Prepare"),
        "the first step is undone last"
    );
    assert_eq!(lines_of(&sandbox.path("undo.log")).len(), 7);

    // Rolling back a rolled-back execution does nothing and succeeds.
    let again = sandbox.flow(&["rollback", &id, "--output", "json"]);
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.last_json()["status"], "ROLLED_BACK");
    assert_eq!(
        lines_of(&sandbox.path("undo.log")).len(),
        7,
        "no compensation ran again"
    );
}

const CHAIN_MARKERS: [&str; 4] = ["Step1", "Step2", "Step3", "Step4"];

/// A rollback of `rollback_slow.json` killed once its first compensation removed its marker;
/// returns the names of the compensations the killed rollback had recorded as done, and those
/// it had started but not finished (in flight at the kill).
fn kill_a_rollback_mid_way(sandbox: &Sandbox) -> (BTreeSet<String>, BTreeSet<String>) {
    let def = definition(sandbox, "rollback_slow.json");
    let input = json!({"dir": sandbox.dir()}).to_string();
    let run = sandbox.flow(&["run", &def, "--input-json", &input, "--name", "chain"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(markers(sandbox, &CHAIN_MARKERS).len(), 4);

    // Each compensation takes 0.3 s; kill the rollback once the first marker is gone.
    let first = sandbox.spawn(&["rollback", "chain", "--output", "json"]);
    poll(
        "a marker removed by the first rollback",
        Duration::from_secs(30),
        || (markers(sandbox, &CHAIN_MARKERS).len() < 4).then_some(()),
    );
    let killed = first.kill9();
    assert_eq!(
        killed.signal,
        Some(9),
        "the rollback was to be killed mid-way:\n{killed}"
    );
    assert!(
        !markers(sandbox, &CHAIN_MARKERS).is_empty(),
        "the rollback had finished before the kill"
    );
    let status = sandbox.status("chain");
    assert_ne!(status["status"], "ROLLED_BACK", "{status}");

    let before = sandbox.history("chain");
    let names = |kind: &str| -> BTreeSet<String> {
        events(&before, kind)
            .map(|e| e["details"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let done = names("CompensationSucceeded");
    let in_flight = names("CompensationScheduled")
        .difference(&done)
        .cloned()
        .collect();
    (done, in_flight)
}

/// The lines of the compensation log for one step: `undo-<name> <FLOW_RECOVERING>`.
fn undo_lines(sandbox: &Sandbox, name: &str) -> Vec<String> {
    lines_of(&sandbox.path("undo.log"))
        .into_iter()
        .filter(|l| l.starts_with(&format!("undo-{name} ")))
        .collect()
}

#[test]
fn rollback_killed_mid_way_is_finished_by_the_next_rollback() {
    let sandbox = Sandbox::new();
    let (done_before, in_flight) = kill_a_rollback_mid_way(&sandbox);

    let second = sandbox.flow(&["rollback", "chain", "--output", "json"]);
    assert_eq!(second.code, Some(0), "{second}");
    assert_eq!(second.last_json()["status"], "ROLLED_BACK", "{second}");
    assert!(
        markers(&sandbox, &CHAIN_MARKERS).is_empty(),
        "markers left: {:?}",
        markers(&sandbox, &CHAIN_MARKERS)
    );
    assert_eq!(sandbox.status("chain")["status"], "ROLLED_BACK");

    let history = sandbox.history("chain");
    let starts: Vec<u64> = events(&history, "RollbackStarted")
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(starts.len(), 2, "two rollbacks started");
    assert_reverse_completion_order(&history, starts[1]);
    let scheduled_again: BTreeSet<String> = history
        .iter()
        .filter(|e| e["id"].as_u64().unwrap() > starts[1] && e["type"] == "CompensationScheduled")
        .map(|e| e["details"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        scheduled_again.is_disjoint(&done_before),
        "the second rollback re-ran finished compensations: {:?}",
        scheduled_again.intersection(&done_before)
    );

    // The effects: a compensation recorded as done ran once; one in flight at the kill may
    // have run twice; every one ran.
    for name in CHAIN_MARKERS {
        let count = undo_lines(&sandbox, name).len();
        let limit = if done_before.contains(name) { 1 } else { 2 };
        assert!(
            (1..=limit).contains(&count),
            "undo-{name} ran {count} times (done before the kill: {done_before:?}); log: {:?}",
            lines_of(&sandbox.path("undo.log"))
        );
    }
    eprintln!(
        "compensations done before the kill: {done_before:?}; in flight: {in_flight:?}; scheduled by the second rollback: {scheduled_again:?}"
    );
}

/// A compensation in flight when its rollback process died is sent again with
/// `FLOW_RECOVERING=true`, as a step in flight at a crash is on resume, so that it can look for
/// what the lost attempt did.
#[test]
fn a_compensation_in_flight_at_a_crash_is_resent_as_recovering() {
    let sandbox = Sandbox::new();
    let (_, in_flight) = kill_a_rollback_mid_way(&sandbox);
    assert!(
        !in_flight.is_empty(),
        "a compensation is always in flight right after a marker is removed"
    );
    let second = sandbox.flow(&["rollback", "chain"]);
    assert_eq!(second.code, Some(0), "{second}");
    for name in &in_flight {
        let lines = undo_lines(&sandbox, name);
        assert!(
            lines.iter().any(|l| l.ends_with(" true")),
            "the compensation of {name} was in flight at the kill, yet the next rollback sent it with \
             FLOW_RECOVERING=false: {lines:?}"
        );
    }
}
