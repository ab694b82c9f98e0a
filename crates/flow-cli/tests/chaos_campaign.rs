//! The reliability campaigns of `scripts/chaos` (chaos/campaign.py), reduced so that every CI
//! run has them: a few provisioning runs killed with SIGKILL at random instants and resumed,
//! each rolled back under a kill too, one run through the fault-injecting proxy (throttling,
//! 500/503, connection resets), then the secrets scan. The full campaign (50 runs or more) is
//! `scripts/chaos`; its figures are in the README.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn reduced_crash_fault_and_secrets_campaign() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let runs = std::env::var("FLOW_CHAOS_RUNS").unwrap_or_else(|_| "3".into());
    let output = Command::new("python3")
        .arg(root.join("chaos/campaign.py"))
        .args([
            "--flow",
            env!("CARGO_BIN_EXE_flow"),
            "--runs",
            &runs,
            "--fault-runs",
            "1",
            "--json",
        ])
        .current_dir(&root)
        .output()
        .expect("python3 runs chaos/campaign.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}\n{stdout}");
    let verdict: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no verdict from chaos/campaign.py:\n{stderr}"));
    let figures = &verdict["figures"];
    assert_eq!(figures["problems"], serde_json::json!([]), "{verdict}");
    for zero in [
        "duplicates",
        "missing",
        "orphans",
        "unresumable",
        "lost_executions",
    ] {
        assert_eq!(figures[zero], 0, "{zero}: {verdict}");
    }
    assert!(
        figures["kills"].as_u64().unwrap() >= 1,
        "no kill was delivered: {verdict}"
    );
    assert_eq!(
        verdict["secrets"]["leaks"],
        serde_json::json!([]),
        "{verdict}"
    );
    assert_eq!(
        verdict["secrets"]["wrong_modes"],
        serde_json::json!([]),
        "{verdict}"
    );
    let proxy = &verdict["proxy"];
    let faults: u64 = ["throttled", "server_errors", "resets", "answers_lost"]
        .iter()
        .map(|k| proxy[*k].as_u64().unwrap())
        .sum();
    assert!(faults > 0, "no fault was injected: {verdict}");
    assert_eq!(verdict["ok"], true, "{verdict}");
}
