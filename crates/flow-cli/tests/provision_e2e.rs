//! The seed's stack end to end: `workflows/provision.json` (App Mesh) and
//! `workflows/provision-service-connect.json` run by the real binary against the local AWS
//! emulator (`scripts/emulator`, moto 5.2.5 + flow's extension).
//!
//! What is checked, and how: the emulator's own list/describe calls, made by
//! `tests/provision/inventory.py` (boto3 from the emulator's virtual environment), say what
//! exists: after a run, exactly one of each resource of seed.md with its settings; after
//! `flow rollback`, zero of every kind (the created network included). The history shows the
//! EFS branch and the load balancer branch open at the same time. The test-only fault hook
//! (`FLOW_TEST_FAIL_AT_STATE`) fails a run at each creating state in turn; each is rolled
//! back to zero. A run failed once and then resumed ends with every resource exactly once.
//!
//! The tests fail, never skip, when the emulator cannot start (scripts/test installs it
//! first). `FLOW_E2E_FAULT_STATES=<n>` limits the fail-at-every-state tests to the first n
//! states (for a quick local run).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::aws::{Server, against, python, root};

const FLOW: &str = env!("CARGO_BIN_EXE_flow");
const APP_MESH: &str = "workflows/provision.json";
const SERVICE_CONNECT: &str = "workflows/provision-service-connect.json";

/// inventory.py's verdict on what the emulator holds: (counts and problems, no problems?).
fn inventory(emulator: &Server, args: &[&str]) -> (Value, bool) {
    let output = Command::new(python())
        .arg(root().join("crates/flow-cli/tests/provision/inventory.py"))
        .arg(&emulator.endpoint)
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "inventory.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (report, output.status.success())
}

/// One test's world: an emulator, a state database, the demo certificate, the input.
struct World {
    emulator: Server,
    scratch: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        assert!(
            has_aws_handler(),
            "this flow has no AWS handler: `flow validate` accepts an unknown aws-sdk action"
        );
        let scratch = tempfile::tempdir().unwrap();
        make_certificate(scratch.path());
        let emulator = Server::emulator(&scratch.path().join("emulator.log"));
        World { emulator, scratch }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// provision.demo.json with the certificate files and the EFS stand-in in the scratch dir.
    fn input(&self) -> PathBuf {
        let text = std::fs::read_to_string(root().join("workflows/provision.demo.json")).unwrap();
        let mut input: Value = serde_json::from_str(&text).unwrap();
        input["CertificateFile"] = json!(self.path("vas.crt"));
        input["ChainFile"] = json!(self.path("chain.crt"));
        input["PrivateKeyFile"] = json!(self.path("vas.key"));
        input["CertInstall"]["LocalRoot"] = json!(self.path("efs"));
        let path = self.path("input.json");
        std::fs::write(&path, serde_json::to_string_pretty(&input).unwrap()).unwrap();
        path
    }

    fn flow(&self, args: &[&str], fail_at: Option<&str>) -> (Output, Value) {
        let mut command = Command::new(FLOW);
        command.current_dir(root()).args(args).args([
            "--state",
            self.path("flow.db").to_str().unwrap(),
            "--output",
            "json",
        ]);
        against(&mut command, &self.emulator.endpoint);
        if let Some(state) = fail_at {
            command.env("FLOW_TEST_FAIL_AT_STATE", state);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout
            .lines()
            .last()
            .and_then(|line| serde_json::from_str(line).ok())
            .unwrap_or(Value::Null);
        (output, summary)
    }

    fn run(&self, definition: &str, name: &str, fail_at: Option<&str>) -> Value {
        let input = self.input();
        let (_, summary) = self.flow(
            &[
                "run",
                definition,
                "--input",
                input.to_str().unwrap(),
                "--name",
                name,
            ],
            fail_at,
        );
        summary
    }

    fn history(&self, name: &str) -> Vec<Value> {
        let (output, _) = self.flow(&["history", name], None);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

fn has_aws_handler() -> bool {
    // A definition that only the AWS handler's validation refuses.
    let probe = r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:efs:noSuchAction", "End": true}}}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.json");
    std::fs::write(&path, probe).unwrap();
    let status = Command::new(FLOW)
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap()
        .status;
    status.code() == Some(2)
}

fn make_certificate(dir: &Path) {
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=flow test CA" -keyout ca.key -out chain.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=vas.example.com" -keyout vas.key -out vas.csr
printf 'subjectAltName=DNS:vas.example.com,DNS:vas-api-service.example.com\n' > vas.ext
openssl x509 -req -in vas.csr -CA chain.crt -CAkey ca.key -CAcreateserial -days 30 -extfile vas.ext -out vas.crt
chmod 600 vas.key"#;
    let output = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn variant_name(definition: &str) -> &'static str {
    if definition == SERVICE_CONNECT {
        "service-connect"
    } else {
        "appmesh"
    }
}

/// The (first entered, last event) ids of the steps of the named states.
fn span(history: &[Value], first: &str, last: &str) -> Option<(u64, u64)> {
    let id = |event: &Value| event["id"].as_u64().unwrap_or(0);
    let named = |event: &Value, name: &str| event["details"]["name"].as_str() == Some(name);
    let start = history.iter().find(|e| {
        named(e, first)
            && e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateEntered"))
    })?;
    let end = history.iter().rev().find(|e| {
        named(e, last)
            && e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateExited"))
    })?;
    Some((id(start), id(end)))
}

/// Task states with a Compensate (and the namespace creation, whose compensation sits on
/// its operation's poll), in document order, at any depth.
fn creating_states(definition: &str) -> Vec<String> {
    fn walk(states: &Value, out: &mut Vec<String>) {
        for (name, state) in states.as_object().into_iter().flatten() {
            let is_create = state["Type"] == "Task"
                && (state.get("Compensate").is_some() || name == "Create the namespace");
            if is_create && !name.starts_with("Describe ") {
                out.push(name.clone());
            }
            for branch in state["Branches"].as_array().into_iter().flatten() {
                walk(&branch["States"], out);
            }
            if let Some(processor) = state.get("ItemProcessor") {
                walk(&processor["States"], out);
            }
        }
    }
    let text = std::fs::read_to_string(root().join(definition)).unwrap();
    let definition: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    walk(&definition["States"], &mut out);
    out
}

fn end_to_end(definition: &str) {
    let world = World::new();
    let variant = variant_name(definition);

    let summary = world.run(definition, "e2e", None);
    assert_eq!(summary["status"], "SUCCEEDED", "the run: {summary}");
    let (report, ok) = inventory(&world.emulator, &["provisioned", variant]);
    assert!(ok, "after the run: {report}");
    let counts = report["counts"].as_object().unwrap();
    eprintln!(
        "{variant}: {} kinds, {} resources checked: {}",
        counts.len(),
        counts.values().filter_map(Value::as_u64).sum::<u64>(),
        report["counts"]
    );

    let files = world.path("efs");
    let key = walk_files(&files)
        .into_iter()
        .find(|path| path.extension().is_some_and(|e| e == "key"))
        .expect("the key on the EFS stand-in");
    assert_eq!(
        std::fs::read(&key).unwrap(),
        std::fs::read(world.path("vas.key")).unwrap()
    );

    let history = world.history("e2e");
    let efs = span(&history, "Create the file system", "Storage done")
        .expect("the EFS branch in the history");
    let balancer = span(&history, "Create the load balancer", "Load balancer ready")
        .expect("the NLB branch in the history");
    assert!(
        efs.0 < balancer.1 && balancer.0 < efs.1,
        "EFS {efs:?} and NLB {balancer:?} did not overlap"
    );
    let secret = std::fs::read_to_string(world.path("vas.key")).unwrap();
    let key_line = secret.lines().nth(1).unwrap();
    let database = std::fs::read(world.path("flow.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&database).contains(key_line),
        "the private key reached the state database"
    );
    assert!(
        !history.iter().any(|e| e.to_string().contains(key_line)),
        "the private key reached the history"
    );

    let (_, rollback) = world.flow(&["rollback", "e2e"], None);
    assert_eq!(
        rollback["status"], "ROLLED_BACK",
        "the rollback: {rollback}"
    );
    let (report, ok) = inventory(&world.emulator, &["empty"]);
    assert!(ok, "after the rollback: {report}");
    assert!(
        walk_files(&files).is_empty(),
        "certificate files left: {:?}",
        walk_files(&files)
    );
}

/// The task events of a history, one short line each, for a failure message.
fn task_trace(history: &[Value]) -> String {
    history
        .iter()
        .filter(|e| {
            e["type"].as_str().is_some_and(|t| {
                t.starts_with("Task") && t != "TaskStateEntered" && t != "TaskStateExited"
            })
        })
        .map(|e| {
            let d = &e["details"];
            format!(
                "{} {} {} attempt={} recovering={} {}",
                e["id"], e["type"], d["name"], d["attempt"], d["recovering"], d["error"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_files(&path))
        } else {
            out.push(path)
        }
    }
    out
}

fn fail_at_every_creating_state(definition: &str) {
    let world = World::new();
    let mut states = creating_states(definition);
    if let Some(limit) = std::env::var("FLOW_E2E_FAULT_STATES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        states.truncate(limit);
    }
    let (mut passed, mut not_reached, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    for (index, state) in states.iter().enumerate() {
        world.emulator.reset();
        let name = format!("fault-{index}");
        let summary = world.run(definition, &name, Some(state));
        let reached =
            summary["status"] == "FAILED" && summary["error"] == "Flow.Test.InjectedFault";
        if summary["status"] == "SUCCEEDED" {
            not_reached.push(state.clone());
        } else if !reached {
            failures.push(format!("{state}: the run failed otherwise: {summary}"));
            continue;
        }
        let (_, rollback) = world.flow(&["rollback", &name], None);
        if rollback["status"] != "ROLLED_BACK" {
            failures.push(format!("{state}: rollback {rollback}"));
            continue;
        }
        let (report, ok) = inventory(&world.emulator, &["empty"]);
        if !ok {
            failures.push(format!("{state}: left {}", report["problems"]));
        } else if reached {
            passed.push(state.clone());
        }
    }
    eprintln!(
        "{}: fail-at-state then rollback: {} creating states tried, {} passed, {} not on the demo input's path {:?}, {} failed",
        variant_name(definition),
        states.len(),
        passed.len(),
        not_reached.len(),
        not_reached,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fail_once_then_resume(definition: &str, states: &[&str]) {
    let world = World::new();
    let variant = variant_name(definition);
    for (index, state) in states.iter().enumerate() {
        world.emulator.reset();
        let name = format!("resume-{index}");
        let summary = world.run(definition, &name, Some(state));
        assert_eq!(
            summary["error"], "Flow.Test.InjectedFault",
            "{state}: {summary}"
        );
        let (_, resumed) = world.flow(&["resume", &name], None);
        assert_eq!(resumed["status"], "SUCCEEDED", "{state}: resume: {resumed}");
        let (report, ok) = inventory(&world.emulator, &["provisioned", variant]);
        assert!(
            ok,
            "{state}: after the resume: {report}\n{}",
            task_trace(&world.history(&name))
        );
    }
}

#[test]
fn generated_definitions_are_up_to_date() {
    let status = Command::new("python3")
        .arg(root().join("workflows/generate.py"))
        .arg("--check")
        .status();
    match status {
        Ok(status) => assert!(
            status.success(),
            "workflows/generate.py --check: the committed JSON is stale"
        ),
        Err(error) => eprintln!("skipped: no python3 ({error})"),
    }
}

#[test]
fn app_mesh_stack_end_to_end_then_rollback() {
    end_to_end(APP_MESH);
}

#[test]
fn service_connect_stack_end_to_end_then_rollback() {
    end_to_end(SERVICE_CONNECT);
}

#[test]
fn app_mesh_stack_fail_at_every_creating_state_then_rollback() {
    fail_at_every_creating_state(APP_MESH);
}

#[test]
fn service_connect_stack_fail_at_every_creating_state_then_rollback() {
    fail_at_every_creating_state(SERVICE_CONNECT);
}

#[test]
fn app_mesh_stack_fail_once_then_resume() {
    fail_once_then_resume(
        APP_MESH,
        &[
            "Create a mount target",
            "Create the TLS listener",
            "Create the virtual gateway",
            "Create the service",
        ],
    );
}

#[test]
fn service_connect_stack_fail_once_then_resume() {
    fail_once_then_resume(
        SERVICE_CONNECT,
        &["Create the discovery service", "Create the service"],
    );
}
