//! `flow:command` against real processes: results, environment, stdin, and every way of failing.

mod support;

use std::time::{Duration, Instant};

use flow_engine::TaskHandler;
use flow_local::LocalTasks;
use serde_json::{Value, json};

use support::{process_is_gone, request, wait_for_file};

async fn run(parameters: Value) -> Result<Value, flow_engine::TaskError> {
    LocalTasks::new()
        .invoke(request("flow:command", parameters))
        .await
}

#[tokio::test]
async fn json_stdout_is_the_result_and_the_child_sees_env_stdin_and_flow_variables() {
    let script = r#"input=$(cat); printf '{"Input": %s, "Greeting": "%s", "Execution": "%s", "Step": "%s", "Attempt": %s, "Token": "%s", "Recovering": %s}\n' "$input" "$GREETING" "$FLOW_EXECUTION_ID" "$FLOW_STEP_ID" "$FLOW_ATTEMPT" "$FLOW_IDEMPOTENCY_TOKEN" "$FLOW_RECOVERING""#;
    let result = run(json!({
        "Command": ["sh", "-c", script],
        "Env": {"GREETING": "hello"},
        "Input": {"Domain": "vas.example.com", "Ports": [443, 8443]},
    }))
    .await
    .unwrap();
    assert_eq!(
        result,
        json!({
            "Input": {"Domain": "vas.example.com", "Ports": [443, 8443]},
            "Greeting": "hello",
            "Execution": "exec-1",
            "Step": "7",
            "Attempt": 2,
            "Token": "exec-1/7",
            "Recovering": false,
        })
    );
}

#[tokio::test]
async fn stdin_is_an_empty_object_without_input() {
    assert_eq!(run(json!({"Command": ["cat"]})).await.unwrap(), json!({}));
}

#[tokio::test]
async fn text_stdout_is_wrapped_and_empty_stdout_is_null() {
    let directory = tempfile::tempdir().unwrap();
    let canonical = directory.path().canonicalize().unwrap();
    let result = run(json!({
        "Command": ["sh", "-c", "echo \"in $(pwd -P)\"; echo second line"],
        "WorkingDirectory": directory.path(),
    }))
    .await
    .unwrap();
    assert_eq!(
        result,
        json!({"Stdout": format!("in {}\nsecond line", canonical.display())})
    );

    assert_eq!(
        run(json!({"Command": ["true"]})).await.unwrap(),
        Value::Null
    );
}

#[tokio::test]
async fn a_non_zero_exit_is_command_failed_with_code_and_stderr_in_a_json_cause() {
    let error =
        run(json!({"Command": ["sh", "-c", "echo partial; echo 'no such bucket' >&2; exit 3"]}))
            .await
            .unwrap_err();
    assert_eq!(error.error, "Flow.Command.Failed");
    let cause: Value = serde_json::from_str(&error.cause).unwrap();
    assert_eq!(cause["ExitCode"], 3);
    assert_eq!(cause["Program"], "sh");
    assert_eq!(cause["Stderr"], "no such bucket\n");
    assert_eq!(cause["Message"], "sh exited with code 3");
}

#[tokio::test]
async fn only_the_end_of_a_long_stderr_is_kept() {
    let error = run(json!({"Command": ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i >&2; i=$((i+1)); done; exit 1"]}))
        .await
        .unwrap_err();
    let cause: Value = serde_json::from_str(&error.cause).unwrap();
    let stderr = cause["Stderr"].as_str().unwrap();
    assert!(stderr.len() <= 4096, "{}", stderr.len());
    assert!(stderr.ends_with("line 1999\n"));
}

#[tokio::test]
async fn a_missing_program_is_command_not_found() {
    let error = run(json!({"Command": ["flow-no-such-program-4711", "x"]}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Command.NotFound");
    assert!(
        error.cause.contains("flow-no-such-program-4711"),
        "{}",
        error.cause
    );
}

#[tokio::test]
async fn a_missing_working_directory_is_spawn_failed() {
    let error = run(json!({"Command": ["true"], "WorkingDirectory": "/nonexistent/flow"}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Command.SpawnFailed");
    assert!(error.cause.contains("/nonexistent/flow"), "{}", error.cause);
}

#[tokio::test]
async fn death_by_a_signal_is_command_killed() {
    let error = run(json!({"Command": ["sh", "-c", "kill -TERM $$"]}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Command.Killed");
    let cause: Value = serde_json::from_str(&error.cause).unwrap();
    assert_eq!(cause["Signal"], 15);
}

#[tokio::test]
async fn a_timeout_kills_the_whole_process_group() {
    let directory = tempfile::tempdir().unwrap();
    let pid_file = directory.path().join("sleep.pid");
    let started = Instant::now();
    let error = run(json!({
        "Command": ["sh", "-c", "sleep 30 & echo $! > \"$PID_FILE\"; echo waiting >&2; wait"],
        "Env": {"PID_FILE": pid_file},
        "TimeoutSeconds": 1,
    }))
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(error.error, "Flow.Command.Timeout");
    let cause: Value = serde_json::from_str(&error.cause).unwrap();
    assert_eq!(cause["Stderr"], "waiting\n");

    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        process_is_gone(pid, Duration::from_secs(5)).await,
        "sleep {pid} survived the timeout"
    );
}

#[tokio::test]
async fn an_abandoned_attempt_kills_the_whole_process_group() {
    let directory = tempfile::tempdir().unwrap();
    let pid_file = directory.path().join("sleep.pid");
    let attempt = tokio::spawn(run(json!({
        "Command": ["sh", "-c", "sleep 30 & echo $! > \"$PID_FILE.tmp\"; mv \"$PID_FILE.tmp\" \"$PID_FILE\"; wait"],
        "Env": {"PID_FILE": pid_file},
    })));
    let pid: u32 = wait_for_file(&pid_file, Duration::from_secs(10))
        .await
        .trim()
        .parse()
        .unwrap();
    // What the engine does on its own timeout or on Ctrl-C: drop the attempt's future.
    attempt.abort();
    assert!(attempt.await.unwrap_err().is_cancelled());
    assert!(
        process_is_gone(pid, Duration::from_secs(5)).await,
        "sleep {pid} survived the abandoned attempt"
    );
}

#[tokio::test]
async fn bad_parameters_fail_the_attempt_with_every_problem() {
    let error = run(json!({"Command": [], "Env": {"A": 1}, "Timeout": 3}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.InvalidParameters");
    for expected in [
        "/Command: must name the program",
        "/Env/A: must be a string, not a number",
        "/Timeout: unknown field \"Timeout\"; did you mean \"TimeoutSeconds\"?",
    ] {
        assert!(
            error.cause.contains(expected),
            "{expected:?} not in {}",
            error.cause
        );
    }

    let error = run(json!({"Command": ["true"], "Env": {"KEY": {"Flow.Secret": "env:FLOW_TEST_NO_SUCH_VARIABLE"}}}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.SecretUnavailable");
    assert!(
        error.cause.contains("FLOW_TEST_NO_SUCH_VARIABLE"),
        "{}",
        error.cause
    );
}

#[tokio::test]
async fn a_secret_reference_is_resolved_at_the_call_and_only_there() {
    let directory = tempfile::tempdir().unwrap();
    let key = directory.path().join("key.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nsecret-body\n").unwrap();
    let parameters = json!({
        "Command": ["sh", "-c", "printf '%s' \"$KEY\" | grep -q \"secret\"\"-body\" && echo '{\"Seen\": true}'"],
        "Env": {"KEY": {"Flow.Secret": format!("file:{}", key.display())}},
    });
    let request = request("flow:command", parameters.clone());
    let result = LocalTasks::new().invoke(request.clone()).await.unwrap();
    assert_eq!(result, json!({"Seen": true}));
    // The caller's copy still holds only the reference.
    assert_eq!(request.parameters, parameters);
    assert!(!request.parameters.to_string().contains("secret-body"));
}

#[tokio::test]
async fn an_unknown_flow_resource_fails_by_name() {
    let handler = LocalTasks::new();
    assert!(handler.handles("flow:nope"));
    assert!(!handler.handles("arn:aws:states:::aws-sdk:ecs:createCluster"));
    let error = handler
        .invoke(request("flow:nope", json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.UnknownResource");
    assert!(
        error.cause.contains("flow:command, flow:https-check"),
        "{}",
        error.cause
    );
}
