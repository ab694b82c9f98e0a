//! `flow validate` and `flow graph <definition>`, run as the real binary: exit code, stdout
//! and stderr together.

use std::path::PathBuf;

use assert_cmd::Command;

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `flow` in `tests/data`, so that file names in the output are short and stable.
fn flow(args: &[&str]) -> Outcome {
    let output = Command::cargo_bin("flow")
        .unwrap()
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data"))
        .env("NO_COLOR", "1")
        .env_remove("FLOW_STATE")
        .args(args)
        .output()
        .unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn validate_ok() {
    let outcome = flow(&["validate", "ok.json"]);
    assert_eq!(outcome.code, 0);
    insta::assert_snapshot!(outcome);
}

#[test]
fn validate_reports_every_error() {
    let outcome = flow(&["validate", "several_errors.json"]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stdout.is_empty(), "diagnostics belong on stderr");
    insta::assert_snapshot!(outcome);
}

#[test]
fn validate_bad_json() {
    let outcome = flow(&["validate", "truncated.json"]);
    assert_eq!(outcome.code, 2);
    insta::assert_snapshot!(outcome);
}

#[test]
fn validate_missing_file() {
    let outcome = flow(&["validate", "no-such-file.json"]);
    assert_eq!(outcome.code, 2);
    insta::assert_snapshot!(outcome);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(flow(&["validate"]).code, 2);
    assert_eq!(flow(&["frobnicate"]).code, 2);
    assert_eq!(flow(&["graph", "ok.json", "--format", "png"]).code, 2);
    assert_eq!(
        flow(&["run", "ok.json", "--input", "a.json", "--input-json", "{}"]).code,
        2
    );
    let help = flow(&["--help"]);
    assert_eq!(help.code, 0);
    for command in [
        "run", "resume", "rollback", "status", "list", "history", "validate", "graph",
    ] {
        assert!(
            help.stdout.contains(command),
            "{command} missing from --help"
        );
    }
}

#[test]
fn graph_dot() {
    let outcome = flow(&["graph", "pipeline.json", "--format", "dot"]);
    assert_eq!(outcome.code, 0);
    assert!(outcome.stdout.starts_with("digraph"));
    insta::assert_snapshot!(outcome);
}

#[test]
fn graph_mermaid() {
    let outcome = flow(&["graph", "pipeline.json", "--format", "mermaid"]);
    assert_eq!(outcome.code, 0);
    insta::assert_snapshot!(outcome);
}

#[test]
fn graph_of_an_invalid_definition() {
    let outcome = flow(&["graph", "several_errors.json"]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stdout.is_empty());
    assert!(outcome.stderr.contains("did you mean \"ResultPath\"?"));
}
