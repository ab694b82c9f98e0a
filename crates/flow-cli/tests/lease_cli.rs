//! One process drives an execution at a time: a second `flow resume` is refused (exit 2) with
//! a message naming the holder, a killed holder is seen as gone at once, and of many
//! `flow resume`s started together exactly one drives.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{Outcome, Running, Sandbox, definition, events, poll};

/// How long a refused `flow resume` may take to say so.
const REFUSAL_LIMIT: Duration = Duration::from_secs(15);

fn has_event(sandbox: &Sandbox, id: &str, probe: impl Fn(&serde_json::Value) -> bool) -> bool {
    let outcome = sandbox.flow(&["history", id, "--output", "json"]);
    outcome.code == Some(0) && outcome.json_lines().iter().any(probe)
}

fn assert_refused_by(outcome: &Outcome, holder: u32) {
    assert_eq!(
        outcome.code,
        Some(2),
        "a second driver must be refused with exit code 2:\n{outcome}"
    );
    assert!(
        outcome.stderr.contains("is being driven by")
            && outcome.stderr.contains(&format!("process {holder} ")),
        "the refusal names the holder (process {holder}):\n{outcome}"
    );
    assert!(
        outcome.stdout.is_empty(),
        "nothing on stdout when nothing was done:\n{outcome}"
    );
}

#[test]
fn a_second_resume_is_refused_while_the_first_drives_and_accepted_once_it_died() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "lease_long.json");
    let input = json!({"dir": sandbox.dir()}).to_string();

    // The run enters its long step; kill -9 it there.
    let run = sandbox.spawn(&[
        "run",
        &def,
        "--input-json",
        &input,
        "--name",
        "long",
        "--output",
        "json",
    ]);
    poll("the long step to start", Duration::from_secs(30), || {
        (sandbox.db.exists() && has_event(&sandbox, "long", |e| e["type"] == "TaskStarted"))
            .then_some(())
    });
    assert_eq!(sandbox.status("long")["status"], "RUNNING");
    let killed = run.kill9();
    assert_eq!(killed.signal, Some(9), "{killed}");

    // A resumes: it sends the long step again and holds the lease while it runs.
    let a: Running = sandbox.spawn(&["resume", "long", "--output", "json"]);
    poll(
        "resume A to re-send the long step",
        Duration::from_secs(30),
        || {
            has_event(&sandbox, "long", |e| {
                e["type"] == "TaskScheduled" && e["details"]["recovering"] == true
            })
            .then_some(())
        },
    );

    // B is refused, naming A.
    let b = sandbox
        .spawn(&["resume", "long", "--output", "json"])
        .wait(REFUSAL_LIMIT);
    assert_refused_by(&b, a.pid());
    let history = sandbox.history("long");
    assert_eq!(
        events(&history, "TaskScheduled").count(),
        2,
        "B scheduled nothing"
    );

    // A dies; the next resume sees it gone at once and finishes the execution.
    let a_killed = a.kill9();
    assert_eq!(a_killed.signal, Some(9), "A was still driving:\n{a_killed}");
    std::fs::write(sandbox.path("release"), "").unwrap();
    let c = sandbox.flow(&["resume", "long", "--output", "json"]);
    assert_eq!(c.code, Some(0), "{c}");
    assert_eq!(c.last_json()["status"], "SUCCEEDED", "{c}");
    assert_eq!(sandbox.status("long")["status"], "SUCCEEDED");
}

#[test]
fn of_twenty_resumes_started_together_exactly_one_drives() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "lease_fixable.json");
    let input = json!({"dir": sandbox.dir()}).to_string();

    let run = sandbox.flow(&[
        "run",
        &def,
        "--input-json",
        &input,
        "--name",
        "gate",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "the gate fails until fixed:\n{run}");
    assert_eq!(run.last_json()["status"], "FAILED");

    // Fixed: a resume now passes the gate, then waits for `release` while holding the lease.
    std::fs::write(sandbox.path("fixed"), "").unwrap();
    let mut resumes: Vec<Running> = (0..20)
        .map(|_| sandbox.spawn(&["resume", "gate", "--output", "json"]))
        .collect();

    // Nineteen give up; one stays, driving.
    poll(
        "nineteen resumes to be refused",
        Duration::from_secs(60),
        || {
            let ended = resumes.iter_mut().filter_map(|r| r.try_finish()).count();
            assert!(
                ended < 20,
                "every resume ended: the step waits for release, so none could finish"
            );
            (ended == 19).then_some(())
        },
    );
    let (mut refused, mut driving) = (Vec::new(), Vec::new());
    for mut resume in resumes {
        if resume.try_finish().is_some() {
            refused.push(resume.wait(Duration::from_secs(1)));
        } else {
            driving.push(resume);
        }
    }
    let driver = driving.pop().expect("one resume drives");
    for outcome in &refused {
        assert_refused_by(outcome, driver.pid());
    }

    std::fs::write(sandbox.path("release"), "").unwrap();
    let driven = driver.wait(Duration::from_secs(30));
    assert_eq!(driven.code, Some(0), "{driven}");
    assert_eq!(driven.last_json()["status"], "SUCCEEDED", "{driven}");

    // One redrive, one second attempt of the gate.
    let history = sandbox.history("gate");
    assert_eq!(
        events(&history, "ExecutionRedriven").count(),
        1,
        "exactly one process redrove the execution"
    );
    assert_eq!(
        events(&history, "TaskScheduled").count(),
        2,
        "the gate ran once before and once after the fix"
    );
    assert_eq!(sandbox.status("gate")["redrive_count"], 1);
}
