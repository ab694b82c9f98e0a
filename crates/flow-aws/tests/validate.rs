//! `validate_parameters`: what `flow validate` reports for aws-sdk tasks.

use flow_aws::validate_parameters;
use serde_json::json;

#[test]
fn unknown_service_and_action_have_hints() {
    let found = validate_parameters("arn:aws:states:::aws-sdk:acm:importCertificat", None);
    assert_eq!(found.len(), 1);
    assert!(found[0].1.contains("unknown action"), "{found:?}");
    assert_eq!(found[0].2.as_deref(), Some("importCertificate"));
    let found = validate_parameters("arn:aws:states:::aws-sdk:efss:createFileSystem", None);
    assert_eq!(found[0].2.as_deref(), Some("efs"));
    let found = validate_parameters("arn:aws:states:::aws-sdk:route53:createHostedZone", None);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn schema_services_check_names_and_types_at_every_depth() {
    let found = validate_parameters(
        "arn:aws:states:::aws-sdk:ecs:registerTaskDefinition",
        Some(&json!({
            "Family": "envoy-task",
            "ContainerDefinitions": [{
                "Name": "envoy",
                "PortMappings": [{"ContainerPort": "8443", "HostPrt": 8443}],
                "LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "/ecs/envoy"}}
            }],
            "Cpu.$": "$.cpu",
            "Memroy": "2048"
        })),
    );
    let pointers: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert!(
        pointers.contains(&"/ContainerDefinitions/0/PortMappings/0/ContainerPort"),
        "{found:?}"
    );
    assert!(
        pointers.contains(&"/ContainerDefinitions/0/PortMappings/0/HostPrt"),
        "{found:?}"
    );
    assert!(pointers.contains(&"/Memroy"), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");
    let memory = found.iter().find(|f| f.0 == "/Memroy").unwrap();
    assert_eq!(memory.2.as_deref(), Some("Memory"));
    let host = found.iter().find(|f| f.0.ends_with("HostPrt")).unwrap();
    assert_eq!(host.2.as_deref(), Some("HostPort"));
}

#[test]
fn typed_services_check_names_types_and_enums() {
    let found = validate_parameters(
        "arn:aws:states:::aws-sdk:route53:changeResourceRecordSets",
        Some(&json!({
            "HostedZoneId.$": "$.zone",
            "ChangeBatch": {"Changes": [{
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": "vas.example.com", "Type": "A",
                    "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "x", "EvaluateTargetHealth": "no"}
                }
            }]}
        })),
    );
    let base = "/ChangeBatch/Changes/0/ResourceRecordSet/AliasTarget";
    let dns = found
        .iter()
        .find(|f| f.0 == format!("{base}/DNSName"))
        .expect("DNSName is reported");
    assert_eq!(dns.2.as_deref(), Some("DnsName"));
    assert!(
        found
            .iter()
            .any(|f| f.0 == format!("{base}/EvaluateTargetHealth") && f.1.contains("boolean")),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");

    let found = validate_parameters(
        "arn:aws:states:::aws-sdk:efs:createFileSystem",
        Some(
            &json!({"PerformanceMode": "generalPurpose", "ThroughputMode": "bursting", "Encrypted": true}),
        ),
    );
    assert!(found.is_empty(), "{found:?}");
    let found = validate_parameters(
        "arn:aws:states:::aws-sdk:efs:createFileSystem",
        Some(&json!({"PerformanceMode": "generalPurpos"})),
    );
    assert_eq!(found[0].2.as_deref(), Some("generalPurpose"), "{found:?}");
}

#[test]
fn secret_references_stand_for_strings() {
    let found = validate_parameters(
        "arn:aws:states:::aws-sdk:acm:importCertificate",
        Some(&json!({
            "Certificate": "-----BEGIN CERTIFICATE-----",
            "PrivateKey": {"Flow.Secret": "file:/run/secrets/key.pem"},
            "Tags": [{"Key": "app", "Value": "vas"}]
        })),
    );
    assert!(found.is_empty(), "{found:?}");
}
