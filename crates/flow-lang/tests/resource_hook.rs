//! `load_with`: later crates plug in their own checks of Task and Compensate resources.

use flow_lang::{Diagnostic, ResourceValidator};
use serde_json::Value;

/// Knows one SDK action, and that it needs a `FileSystemId`.
struct KnownActions;

impl ResourceValidator for KnownActions {
    fn check(&self, resource: &str, parameters: Option<&Value>, pointer: &str) -> Vec<Diagnostic> {
        match resource {
            "arn:aws:states:::aws-sdk:efs:deleteFileSystem" => {
                let has_id = parameters
                    .and_then(Value::as_object)
                    .is_some_and(|p| p.keys().any(|k| k.starts_with("FileSystemId")));
                if has_id {
                    vec![]
                } else {
                    vec![Diagnostic::new(
                        pointer,
                        "deleteFileSystem needs FileSystemId",
                    )]
                }
            }
            "flow:command" => vec![],
            other => vec![Diagnostic::new(pointer, format!("unknown action {other}"))],
        }
    }
}

const DEFINITION: &str = r#"{
  "StartAt": "Create",
  "States": {
    "Create": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:efs:createFileSystm",
      "Compensate": {"Resource": "arn:aws:states:::aws-sdk:efs:deleteFileSystem", "Parameters": {}},
      "Next": "Branch"
    },
    "Branch": {
      "Type": "Parallel",
      "Branches": [{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "flow:command", "End": true}}}],
      "End": true
    }
  }
}"#;

#[test]
fn validators_see_every_resource_with_its_parameters() {
    assert!(flow_lang::load(DEFINITION).is_ok(), "shapes alone are fine");
    let diagnostics = flow_lang::load_with(DEFINITION, &[&KnownActions]).unwrap_err();
    let found: Vec<(String, String, Option<usize>)> = diagnostics
        .into_iter()
        .map(|d| (d.pointer, d.message, d.line))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "/States/Create/Resource".to_string(),
                "unknown action arn:aws:states:::aws-sdk:efs:createFileSystm".to_string(),
                Some(6)
            ),
            (
                "/States/Create/Compensate/Resource".to_string(),
                "deleteFileSystem needs FileSystemId".to_string(),
                Some(7)
            ),
        ]
    );
}
