//! `validate_parameters`: what `flow validate` reports for a `flow:` Task's static Parameters.

use flow_local::validate_parameters;
use serde_json::json;

fn problems(resource: &str, parameters: serde_json::Value) -> Vec<(String, String)> {
    validate_parameters(resource, &parameters)
}

#[test]
fn good_parameters_have_no_problem() {
    assert!(
        problems(
            "flow:command",
            json!({"Command": ["ls", "-l"], "Env": {"A": "b"}, "Input": [1], "TimeoutSeconds": 5})
        )
        .is_empty()
    );
    assert!(
        problems(
            "flow:command",
            json!({"Command.$": "States.Array('ls', $.dir)", "Env": {"DIR.$": "$.dir"}})
        )
        .is_empty()
    );
    assert!(
        problems(
            "flow:https-check",
            json!({
                "Url": "https://vas.example.com/swagger-ui/",
                "Method": "HEAD",
                "ExpectedStatus": [200, 301],
                "CaFile": "certs/ca.pem",
                "ConnectTo": "10.0.0.5:443",
                "Headers": {"Accept": "text/html"},
                "TimeoutSeconds": 10
            })
        )
        .is_empty()
    );
    assert!(
        problems(
            "flow:https-check",
            json!({"Url.$": "States.Format('https://{}/', $.domain)"})
        )
        .is_empty()
    );
}

#[test]
fn an_unknown_resource_is_one_problem_at_the_parameters() {
    let found = problems("flow:comand", json!({}));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "");
    assert!(
        found[0].1.starts_with("unknown resource \"flow:comand\""),
        "{}",
        found[0].1
    );
}

#[test]
fn every_problem_comes_with_its_pointer() {
    let found = problems(
        "flow:https-check",
        json!({
            "URL": "https://x/",
            "Method": "POST",
            "ExpectedStatus": [200, 700],
            "ConnectTo": "::1",
            "Headers": {"Bad Header": "x", "X-Ok": 1},
            "TimeoutSeconds": -1
        }),
    );
    let pointers: Vec<&str> = found.iter().map(|(pointer, _)| pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/URL",
            "/Method",
            "/ExpectedStatus/1",
            "/ConnectTo",
            "/Headers/Bad Header",
            "/Headers/X-Ok",
            "/TimeoutSeconds",
            ""
        ]
    );
    assert_eq!(found[0].1, "unknown field \"URL\"; did you mean \"Url\"?");
    assert_eq!(found[7].1, "missing required field \"Url\"");

    let found = problems(
        "flow:command",
        json!({"Command": "ls -l", "WorkingDirectory": 3}),
    );
    assert_eq!(
        found[0],
        (
            "/Command".into(),
            "must be an array of strings (program and arguments), not a string".into()
        )
    );
    assert_eq!(
        found[1],
        (
            "/WorkingDirectory".into(),
            "must be a string, not a number".into()
        )
    );

    let found = problems(
        "flow:https-check",
        json!({"Url": "ftp://files.example.com/"}),
    );
    assert_eq!(
        found,
        [(
            "/Url".to_string(),
            "the scheme must be https (or http), not ftp".to_string()
        )]
    );

    assert_eq!(
        problems("flow:command", json!(["ls"])),
        [(
            "".to_string(),
            "must be an object, not an array".to_string()
        )]
    );
}

#[test]
fn secret_references_may_stand_for_strings() {
    assert!(problems("flow:command", json!({"Command": ["import-key"], "Env": {"KEY": {"Flow.Secret": "arn:aws:secretsmanager:eu-west-1:1:secret:key"}}})).is_empty());
}
