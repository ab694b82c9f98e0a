//! kill -9 while a create is in flight, then resume: the resource exists exactly once.
//!
//! The window is made wide on purpose: `chaos/fault_proxy.py --answer-delay-ms` sits between
//! flow and the emulator and holds every answer after the emulator acted. The test waits
//! until the emulator's own list call shows the resource (created, its answer not yet
//! delivered, so flow has no id for it), SIGKILLs `flow run`, then `flow resume`s: the step is
//! sent again as `recovering`, and flow-aws adopts the resource (by flow's tags for the ACM
//! import, by name for the NLB) instead of creating a second one. Done for the two creates
//! the issue names: ACM ImportCertificate (no idempotency token) and ELBv2 CreateLoadBalancer.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::aws::{Server, against, python, root};

const FLOW: &str = env!("CARGO_BIN_EXE_flow");

/// How many of a kind the emulator holds, through its own list call (boto3).
fn count(emulator: &str, kind: &str) -> usize {
    let call = match kind {
        "certificate" => {
            "len(session.client('acm', endpoint_url=e).list_certificates()['CertificateSummaryList'])"
        }
        "load balancer" => {
            "len(session.client('elbv2', endpoint_url=e).describe_load_balancers()['LoadBalancers'])"
        }
        other => panic!("unknown kind {other}"),
    };
    let script = format!(
        "import boto3, sys\ne = sys.argv[1]\nsession = boto3.session.Session(aws_access_key_id='testing', aws_secret_access_key='testing', region_name='us-east-1')\nprint({call})"
    );
    let output = Command::new(python())
        .args(["-c", &script, emulator])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

fn flow(args: &[&str], db: &Path, endpoint: &str) -> Command {
    let mut command = Command::new(FLOW);
    command.current_dir(root()).args(args).args([
        "--state",
        db.to_str().unwrap(),
        "--output",
        "json",
    ]);
    against(&mut command, endpoint);
    command
}

fn kill_while_in_flight_then_resume(definition: &str, state: &str, kind: &str) {
    let scratch = tempfile::tempdir().unwrap();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=kill.example.com",
        ])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let input = json!({
        "CertificateFile": scratch.path().join("cert.pem"),
        "PrivateKeyFile": scratch.path().join("key.pem"),
    });

    let emulator = Server::emulator(&scratch.path().join("emulator.log"));
    let proxy = Server::fault_proxy(
        &emulator.endpoint,
        &["--answer-delay-ms", "2000"],
        &scratch.path().join("proxy.log"),
    );

    let db = scratch.path().join("flow.db");
    let definition = root()
        .join("crates/flow-cli/tests/kill_in_flight")
        .join(definition);
    let mut run = flow(
        &[
            "run",
            definition.to_str().unwrap(),
            "--input-json",
            &input.to_string(),
            "--name",
            "k",
        ],
        &db,
        &proxy.endpoint,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();

    // The create has reached the emulator; its answer is still held by the proxy.
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&emulator.endpoint, kind) == 0 {
        assert!(Instant::now() < deadline, "the {kind} was never created");
        assert!(
            run.try_wait().unwrap().is_none(),
            "flow ended before its {kind} was created"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    run.kill().unwrap(); // SIGKILL
    run.wait().unwrap();
    assert_eq!(count(&emulator.endpoint, kind), 1);

    let resumed = flow(&["resume", "k"], &db, &proxy.endpoint)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    let summary: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap_or(Value::Null);
    assert_eq!(
        summary["status"],
        "SUCCEEDED",
        "resume: {summary}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let recovering = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .any(|e| {
            e["type"] == "TaskScheduled"
                && e["details"]["name"] == state
                && e["details"]["recovering"] == true
        });
    assert!(
        recovering,
        "the {state} step was not sent again as recovering:\n{stdout}"
    );
    let after = count(&emulator.endpoint, kind);
    eprintln!("{kind}: killed in flight, resumed: {after} in the emulator");
    assert_eq!(after, 1, "a second {kind} was created");

    // And the adopted resource is the execution's: rollback removes it.
    let rolled = flow(&["rollback", "k"], &db, &proxy.endpoint)
        .output()
        .unwrap();
    let rolled = String::from_utf8_lossy(&rolled.stdout);
    assert!(
        rolled.lines().last().unwrap_or("").contains("ROLLED_BACK"),
        "{rolled}"
    );
    assert_eq!(count(&emulator.endpoint, kind), 0);
}

#[test]
fn acm_import_killed_in_flight_exists_once_after_resume() {
    kill_while_in_flight_then_resume("acm.json", "Import the certificate", "certificate");
}

#[test]
fn load_balancer_killed_in_flight_exists_once_after_resume() {
    kill_while_in_flight_then_resume("nlb.json", "Create the load balancer", "load balancer");
}
