//! The layers of DESIGN.md, checked over `cargo metadata`: flow-lang depends on no IO crate;
//! flow-engine names neither SQLite nor the AWS SDK nor indicatif; only flow-cli uses
//! indicatif. Transitive normal dependencies count; dev-dependencies do not.

use std::collections::{HashMap, HashSet};
use std::process::Command;

use serde_json::Value;

struct Metadata {
    /// Package id -> name.
    names: HashMap<String, String>,
    /// Package id -> ids of its normal (non-dev, non-build) dependencies.
    normal: HashMap<String, Vec<String>>,
    members: Vec<String>,
}

fn metadata() -> Metadata {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names = value["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut normal = HashMap::new();
    for node in value["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        normal.insert(node["id"].as_str().unwrap().to_string(), deps);
    }
    let members = value["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    Metadata {
        names,
        normal,
        members,
    }
}

impl Metadata {
    fn id(&self, name: &str) -> &str {
        self.members
            .iter()
            .find(|id| self.names[*id] == name)
            .unwrap_or_else(|| panic!("no member {name}"))
    }

    /// Names of everything `name` depends on at run time, directly or not.
    fn closure(&self, name: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![self.id(name).to_string()];
        while let Some(id) = stack.pop() {
            for dep in &self.normal[&id] {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen.into_iter().map(|id| self.names[&id].clone()).collect()
    }
}

fn forbidden(dependencies: HashSet<String>, banned: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut found: Vec<String> = dependencies.into_iter().filter(|d| banned(d)).collect();
    found.sort();
    found
}

#[test]
fn flow_lang_does_no_io() {
    let metadata = metadata();
    let io = |name: &str| {
        matches!(
            name,
            "tokio" | "rusqlite" | "libsqlite3-sys" | "reqwest" | "hyper" | "indicatif"
        ) || name.starts_with("aws-")
    };
    let found = forbidden(metadata.closure("flow-lang"), &io);
    assert!(
        found.is_empty(),
        "flow-lang depends on IO crates: {found:?}"
    );
}

#[test]
fn flow_engine_knows_no_sqlite_aws_or_terminal() {
    let metadata = metadata();
    let banned = |name: &str| {
        matches!(name, "rusqlite" | "libsqlite3-sys" | "indicatif")
            || name.starts_with("aws-sdk-")
            || name.starts_with("aws-config")
    };
    let found = forbidden(metadata.closure("flow-engine"), &banned);
    assert!(found.is_empty(), "flow-engine depends on {found:?}");
}

#[test]
fn only_flow_cli_uses_indicatif() {
    let metadata = metadata();
    for member in &metadata.members {
        let name = &metadata.names[member];
        if name != "flow-cli" {
            assert!(
                !metadata.closure(name).contains("indicatif"),
                "{name} depends on indicatif"
            );
        }
    }
}
