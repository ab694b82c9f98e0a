//! The command-line contract of DESIGN.md, through the real binary: outputs (insta snapshots,
//! with execution ids, timestamps, paths and pids redacted), exit codes 0/1/2, `--name`
//! wherever an id goes, and Ctrl-C.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Outcome, Sandbox, definition, events, poll};

/// Replaces what changes from run to run: the given execution ids, RFC 3339 timestamps,
/// the sandbox path, and the host name.
fn redact(text: &str, sandbox: &Sandbox, ids: &[&str]) -> String {
    let mut text = text.replace(&sandbox.dir().display().to_string(), "[SANDBOX]");
    for (n, id) in ids.iter().enumerate() {
        text = text.replace(id, &format!("[EXECUTION-{n}]"));
    }
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            text = text.replace(&format!(" on {host}"), " on [HOST]");
        }
    }
    redact_timestamps(&text)
}

/// `2026-01-31T12:34:56.789Z` -> `[TIME]`.
fn redact_timestamps(text: &str) -> String {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= SHAPE.len()
            && SHAPE.iter().zip(&bytes[i..]).all(|(s, b)| {
                if *s == b'd' {
                    b.is_ascii_digit()
                } else {
                    s == b
                }
            });
        if fits {
            out.push_str("[TIME]");
            i += SHAPE.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn shown(outcome: &Outcome, sandbox: &Sandbox, ids: &[&str]) -> String {
    redact(&outcome.to_string(), sandbox, ids)
}

#[test]
fn run_text_output() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "contract_small.json");
    let run = sandbox.flow(&["run", &def, "--input-json", r#"{"who": "world"}"#]);
    assert_eq!(run.code, Some(0));
    let id = run.execution_id_from_text();
    insta::assert_snapshot!(shown(&run, &sandbox, &[&id]));
}

#[test]
fn run_json_output() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "contract_small.json");
    let run = sandbox.flow(&[
        "run",
        &def,
        "--input-json",
        r#"{"who": "world"}"#,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, Some(0));
    let lines = run.json_lines();
    let summary = lines.last().unwrap();
    assert_eq!(summary["status"], "SUCCEEDED");
    assert_eq!(
        summary["output"],
        json!({"who": "world", "hello": {"greeting": "hi"}, "echoed": {"greeting": "hi"}})
    );
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|e| e["type"].is_string()),
        "every line before the summary is an event"
    );
    assert!(
        run.stderr.is_empty(),
        "json output: no logs on stderr:\n{run}"
    );
    insta::assert_snapshot!(shown(&run, &sandbox, &[&run.execution_id()]));
}

#[test]
fn failed_run_exits_1_and_the_graph_colours_states() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "contract_fail.json");
    let run = sandbox.flow(&["run", &def, "--output", "json", "--name", "boom"]);
    assert_eq!(run.code, Some(1), "{run}");
    let summary = run.last_json();
    assert_eq!(summary["status"], "FAILED");
    assert_eq!(summary["error"], "Flow.Command.Failed");
    assert!(
        summary["cause"].as_str().unwrap().contains("boom"),
        "{summary}"
    );
    assert!(run.stderr.contains("hint:"), "{run}");

    let id = run.execution_id();
    let graph = sandbox.flow(&["graph", &id]);
    assert_eq!(graph.code, Some(0), "{graph}");
    assert!(
        graph
            .stdout
            .contains(r#""state:Hello" [label="Hello\nPass", fillcolor="palegreen"]"#),
        "{graph}"
    );
    assert!(
        graph
            .stdout
            .contains(r#""state:Boom" [label="Boom\nTask", fillcolor="salmon"]"#),
        "{graph}"
    );
    assert!(
        !graph
            .stdout
            .contains(r#""state:Never" [label="Never\nPass", fillcolor="#),
        "never reached, not coloured:\n{graph}"
    );
    let by_name = sandbox.flow(&["graph", "boom", "--format", "mermaid"]);
    assert_eq!(by_name.code, Some(0), "{by_name}");
    insta::assert_snapshot!("graph_execution_dot", shown(&graph, &sandbox, &[&id]));
    insta::assert_snapshot!("graph_execution_mermaid", shown(&by_name, &sandbox, &[&id]));
}

#[test]
fn exit_code_2_for_bad_requests() {
    let sandbox = Sandbox::new();
    let bad = definition(&sandbox, "contract_bad.json");
    let bad_input = definition(&sandbox, "contract_bad_input.json");
    let small = definition(&sandbox, "contract_small.json");
    let seeded = sandbox.flow(&["run", &small]);
    assert_eq!(seeded.code, Some(0), "{seeded}");
    let before = sandbox.flow(&["list", "--output", "json"]).stdout;
    let seeded = seeded.execution_id_from_text();

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("bad definition", vec!["run", &bad]),
        ("bad input file", vec!["run", &small, "--input", &bad_input]),
        (
            "bad inline input",
            vec!["run", &small, "--input-json", "{\"a\": }"],
        ),
        ("missing definition", vec!["run", "missing.json"]),
        (
            "missing input file",
            vec!["run", &small, "--input", "missing-input.json"],
        ),
        (
            "--input and --input-json",
            vec!["run", &small, "--input", &bad_input, "--input-json", "{}"],
        ),
        (
            "status of an unknown execution",
            vec!["status", "no-such-execution"],
        ),
        (
            "resume of an unknown execution",
            vec!["resume", "no-such-execution"],
        ),
        (
            "rollback of an unknown execution",
            vec!["rollback", "no-such-execution"],
        ),
        (
            "history of an unknown execution",
            vec!["history", "no-such-execution"],
        ),
        (
            "graph of an unknown execution",
            vec!["graph", "no-such-execution"],
        ),
        ("resume of a succeeded execution", vec!["resume", &seeded]),
    ];
    let mut report = String::new();
    for (what, args) in &cases {
        let outcome = sandbox.flow(args);
        assert_eq!(
            outcome.code,
            Some(2),
            "{what}: exit code 2 expected:\n{outcome}"
        );
        assert!(
            outcome.stdout.is_empty(),
            "{what}: nothing on stdout:\n{outcome}"
        );
        assert!(
            outcome.stderr.contains("error"),
            "{what}: an error on stderr:\n{outcome}"
        );
        let header = format!("=== {what}: flow {}\n{}\n", args.join(" "), outcome);
        report.push_str(&redact(&header, &sandbox, &[&seeded]));
    }
    // The bad input's place is named as line:column.
    assert!(report.contains("line 3 column 14"), "{report}");
    let after = sandbox.flow(&["list", "--output", "json"]).stdout;
    assert_eq!(before, after, "bad requests started nothing");
    insta::assert_snapshot!(report);
}

#[test]
fn list_status_and_history() {
    let sandbox = Sandbox::new();
    let small = definition(&sandbox, "contract_small.json");
    let failing = definition(&sandbox, "contract_fail.json");
    let first = sandbox.flow(&["run", &small, "--name", "first", "--output", "json"]);
    assert_eq!(first.code, Some(0), "{first}");
    let second = sandbox.flow(&["run", &failing, "--output", "json"]);
    assert_eq!(second.code, Some(1), "{second}");
    let (first_id, second_id) = (first.execution_id(), second.execution_id());

    let list = sandbox.flow(&["list", "--output", "json"]);
    assert_eq!(list.code, Some(0), "{list}");
    let lines = list.json_lines();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        for key in ["execution_id", "name", "status", "definition", "started_at"] {
            assert!(
                line.get(key).is_some_and(|v| v.is_string()),
                "list line without {key}: {line}"
            );
        }
    }
    let by_id = |id: &str| {
        lines
            .iter()
            .find(|l| l["execution_id"] == id)
            .cloned()
            .expect("listed")
    };
    assert_eq!(by_id(&first_id)["name"], "first");
    assert_eq!(by_id(&first_id)["status"], "SUCCEEDED");
    assert_eq!(by_id(&first_id)["definition"], "contract_small.json");
    assert_eq!(by_id(&second_id)["status"], "FAILED");
    assert_eq!(
        by_id(&second_id)["name"],
        second_id.as_str(),
        "an unnamed execution is named by its id"
    );

    let status = sandbox.flow(&["status", &second_id, "--output", "json"]);
    assert_eq!(status.code, Some(0), "{status}");
    let summary = status.last_json();
    assert_eq!(summary["execution_id"], second_id.as_str());
    assert_eq!(summary["status"], "FAILED");
    assert_eq!(summary["error"], "Flow.Command.Failed");
    insta::assert_snapshot!(
        "status_json",
        redact(&status.stdout, &sandbox, &[&second_id])
    );

    let status_text = sandbox.flow(&["status", "first"]);
    assert_eq!(status_text.code, Some(0));
    insta::assert_snapshot!("status_text", shown(&status_text, &sandbox, &[&first_id]));

    let history = sandbox.flow(&["history", "first"]);
    assert_eq!(history.code, Some(0));
    insta::assert_snapshot!("history_text", shown(&history, &sandbox, &[&first_id]));
    let list_text = sandbox.flow(&["list"]);
    assert_eq!(list_text.code, Some(0));
    insta::assert_snapshot!(
        "list_text",
        shown(&list_text, &sandbox, &[&first_id, &second_id])
    );
}

#[test]
fn a_name_works_wherever_an_id_does_and_a_duplicate_name_is_refused() {
    let sandbox = Sandbox::new();
    let failing = definition(&sandbox, "contract_fail.json");
    let small = definition(&sandbox, "contract_small.json");
    let run = sandbox.flow(&["run", &failing, "--name", "nightly", "--output", "json"]);
    assert_eq!(run.code, Some(1), "{run}");
    let id = run.execution_id();

    // status, history, graph: the name and the id give the same answer.
    for command in [
        vec!["status", "--output", "json"],
        vec!["history", "--output", "json"],
        vec!["graph"],
    ] {
        let mut with_id = vec![command[0], id.as_str()];
        with_id.extend(&command[1..]);
        let mut with_name = vec![command[0], "nightly"];
        with_name.extend(&command[1..]);
        let (a, b) = (sandbox.flow(&with_id), sandbox.flow(&with_name));
        assert_eq!(a.code, Some(0), "{a}");
        assert_eq!(
            a.stdout, b.stdout,
            "flow {} by id and by name differ",
            command[0]
        );
    }

    // A duplicate name is refused and changes nothing.
    let before = sandbox.flow(&["list", "--output", "json"]).stdout;
    let duplicate = sandbox.flow(&["run", &small, "--name", "nightly", "--output", "json"]);
    assert_eq!(duplicate.code, Some(2), "{duplicate}");
    assert!(duplicate.stdout.is_empty(), "{duplicate}");
    assert!(
        duplicate.stderr.contains("nightly"),
        "the refusal names the name:\n{duplicate}"
    );
    assert_eq!(
        sandbox.flow(&["list", "--output", "json"]).stdout,
        before,
        "the refused run changed the database"
    );

    // resume and rollback by name.
    let resumed = sandbox.flow(&["resume", "nightly", "--output", "json"]);
    assert_eq!(resumed.code, Some(1), "the command still fails:\n{resumed}");
    assert_eq!(resumed.last_json()["execution_id"], id.as_str());
    assert_eq!(
        events(&sandbox.history("nightly"), "ExecutionRedriven").count(),
        1
    );
    let rolled = sandbox.flow(&["rollback", "nightly", "--output", "json"]);
    assert_eq!(rolled.code, Some(0), "{rolled}");
    assert_eq!(rolled.last_json()["status"], "ROLLED_BACK");
    assert_eq!(sandbox.status(&id)["status"], "ROLLED_BACK");
}

#[test]
fn ctrl_c_leaves_the_execution_running_for_resume() {
    let sandbox = Sandbox::new();
    let def = definition(&sandbox, "lease_long.json");
    let input = json!({"dir": sandbox.dir()}).to_string();
    let run = sandbox.spawn(&[
        "run",
        &def,
        "--input-json",
        &input,
        "--name",
        "interrupted",
        "--output",
        "json",
    ]);
    poll("the long step to start", Duration::from_secs(30), || {
        let started = sandbox.db.exists() && {
            let history = sandbox.flow(&["history", "interrupted", "--output", "json"]);
            history.code == Some(0)
                && history
                    .json_lines()
                    .iter()
                    .any(|e| e["type"] == "TaskStarted")
        };
        started.then_some(())
    });

    let sent = Instant::now();
    run.signal("INT");
    let stopped = run.wait(Duration::from_secs(10));
    let took = sent.elapsed();
    assert_eq!(stopped.code, Some(130), "{stopped}");
    assert!(took < Duration::from_secs(5), "Ctrl-C took {took:?}");
    assert_eq!(stopped.last_json()["status"], "RUNNING", "{stopped}");
    assert!(
        stopped.stderr.contains("flow resume"),
        "a hint says how to go on:\n{stopped}"
    );
    assert_eq!(sandbox.status("interrupted")["status"], "RUNNING");
    // The step's process went with the interrupted attempt: none is left behind.
    let step_pid = support::lines_of(&sandbox.path("pids"))
        .first()
        .cloned()
        .expect("the step noted its pid");
    poll(
        "the interrupted step's process to be gone",
        Duration::from_secs(5),
        || {
            let stat =
                std::fs::read_to_string(format!("/proc/{step_pid}/stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next());
            matches!(state, None | Some('Z' | 'X')).then_some(())
        },
    );

    std::fs::write(sandbox.path("release"), "").unwrap();
    let resumed = sandbox.flow(&["resume", "interrupted", "--output", "json"]);
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(resumed.last_json()["status"], "SUCCEEDED");
    let history = sandbox.history("interrupted");
    let scheduled: Vec<&Value> = events(&history, "TaskScheduled").collect();
    assert_eq!(scheduled.len(), 2, "the interrupted step ran again");
    assert_eq!(scheduled[1]["details"]["recovering"], true);
    let kinds: BTreeSet<&str> = history.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(kinds.contains("ExecutionSucceeded"));
}

/// `flow run ... --output json | head -1`: the reader leaves after the first event; the run
/// still finishes, records its outcome and exits 0, without a panic on the closed pipe.
#[test]
fn a_run_whose_reader_went_away_still_finishes() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let sandbox = Sandbox::new();
    let def = sandbox.path("slow.json");
    let text = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Pass", "End": true}}});
    std::fs::write(&def, text.to_string()).unwrap();
    let mut command = sandbox.command(&["run", "slow.json", "--output", "json"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("flow starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("ExecutionStarted"), "{first}");
    // The reader (and with it the pipe's only read end) is gone here, while the run waits.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let id = sandbox
        .only_execution_id()
        .expect("the execution is recorded");
    assert_eq!(sandbox.status(&id)["status"], "SUCCEEDED");
}
