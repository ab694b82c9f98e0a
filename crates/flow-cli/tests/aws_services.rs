//! Each AWS service of the seed stack on its own, through the real `flow` binary against the
//! local emulator (`scripts/emulator`, moto + flow's extension): one small workflow per
//! service under `tests/aws/` creates every resource kind of that service the seed stack uses,
//! describes it and checks fields of the answer (Choice states that end in a `Test.WrongField`
//! Fail state, and again here from the execution output), deletes it, then describes it once
//! more and catches the service's not-found error (or, where AWS keeps deleted resources as
//! INACTIVE/terminated, checks that state).
//!
//! Also: caught not-found errors carry the Step Functions error name and a Cause with the
//! message, the status code and the request id; `flow validate` reports a misspelled action
//! and a misspelled parameter with JSON pointers and hints.
//!
//! One emulator serves the whole test binary; names and CIDR blocks differ per service, so no
//! reset is needed. The tests fail, never skip, when the emulator cannot start.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::{Value, json};
use support::aws::{Server, against, root};

const FLOW: &str = env!("CARGO_BIN_EXE_flow");

fn definition(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/aws")
        .join(format!("{name}.json"))
}

/// One emulator for the whole binary (never dropped: it stops when this process ends and
/// closes its stdin).
fn emulator() -> &'static Server {
    static EMULATOR: OnceLock<(Server, tempfile::TempDir)> = OnceLock::new();
    &EMULATOR
        .get_or_init(|| {
            let scratch = tempfile::tempdir().unwrap();
            (
                Server::emulator(&scratch.path().join("emulator.log")),
                scratch,
            )
        })
        .0
}

/// Runs `tests/aws/<name>.json` with `input` (fresh state database); the JSON summary
/// {status, output, error, cause} and stderr.
fn run(name: &str, input: &Value, execution: &str) -> (Value, String) {
    let emulator = emulator();
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("input.json");
    std::fs::write(&input_path, serde_json::to_string(input).unwrap()).unwrap();
    let mut command = Command::new(FLOW);
    command
        .current_dir(root())
        .arg("run")
        .arg(definition(name))
        .arg("--input")
        .arg(&input_path)
        .args(["--name", execution])
        .arg("--state")
        .arg(dir.path().join("flow.db"))
        .args(["--output", "json"]);
    let output = against(&mut command, &emulator.endpoint).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or(Value::Null);
    (
        summary,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The field at a JSON pointer of the execution output, which must exist.
fn at<'a>(summary: &'a Value, pointer: &str) -> &'a Value {
    summary["output"]
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the output: {}", summary["output"]))
}

fn succeeded(service: &str, summary: &Value, stderr: &str) {
    assert_eq!(
        summary["status"], "SUCCEEDED",
        "aws {service}: the workflow did not succeed: {} {}\nsummary: {summary}\nstderr: {stderr}",
        summary["error"], summary["cause"]
    );
}

/// A caught not-found error at `pointer`: its name, and a Cause with the service's message,
/// the status code and the request id.
fn caught(summary: &Value, pointer: &str, error: &str, message: &str) {
    let caught = at(summary, pointer);
    assert_eq!(caught["Error"], error, "{pointer}: {caught}");
    let cause = caught["Cause"].as_str().unwrap_or_default();
    for part in [message, "Status Code:", "Request ID:"] {
        assert!(
            cause.contains(part),
            "{pointer}: the Cause lacks {part:?}: {cause}"
        );
    }
}

fn network(second_octet: u8) -> Value {
    json!({
        "Cidr": format!("10.{second_octet}.0.0/16"),
        "Subnets": [
            {"CidrBlock": format!("10.{second_octet}.1.0/24"), "AvailabilityZone": "us-east-1a"},
            {"CidrBlock": format!("10.{second_octet}.2.0/24"), "AvailabilityZone": "us-east-1b"}
        ]
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

fn acm() -> &'static str {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=acm.aws-services.test" -keyout key.pem -out cert.pem
chmod 600 key.pem"#;
    let output = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let certificate = std::fs::read_to_string(dir.path().join("cert.pem")).unwrap();
    let input = json!({
        "Domain": "acm.aws-services.test",
        "CertificatePem": certificate,
        "KeyFile": dir.path().join("key.pem"),
    });
    let (summary, stderr) = run("acm", &input, "aws-acm");
    succeeded("acm", &summary, &stderr);
    assert!(
        !summary.to_string().contains("PRIVATE KEY"),
        "the private key leaked into the output"
    );
    assert_eq!(at(&summary, "/Described/Type"), "IMPORTED");
    assert_eq!(
        at(&summary, "/Described/DomainName"),
        "acm.aws-services.test"
    );
    assert!(
        at(&summary, "/Cert/CertificateArn")
            .as_str()
            .unwrap()
            .starts_with("arn:aws:acm:us-east-1:")
    );
    caught(
        &summary,
        "/Gone/Certificate",
        "Acm.ResourceNotFoundException",
        "not found",
    );
    "certificate created, described, deleted, gone"
}

fn efs() -> &'static str {
    let input = with(network(111), json!({"Name": "aws-svc-efs"}));
    let (summary, stderr) = run("efs", &input, "aws-efs");
    succeeded("efs", &summary, &stderr);
    assert_eq!(at(&summary, "/Described/Fs/State"), "available");
    assert_eq!(at(&summary, "/Described/Fs/Name"), "aws-svc-efs");
    assert_eq!(
        at(&summary, "/Described/Mt/SubnetId"),
        at(&summary, "/Subnet1/SubnetId")
    );
    assert_eq!(at(&summary, "/Described/Ap/Uid"), 1337);
    let fs = at(&summary, "/Fs/FileSystemId")
        .as_str()
        .unwrap()
        .to_string();
    caught(
        &summary,
        "/Gone/AccessPoint",
        "Efs.AccessPointNotFoundException",
        "does not exist",
    );
    caught(
        &summary,
        "/Gone/MountTarget",
        "Efs.MountTargetNotFoundException",
        "does not exist",
    );
    caught(
        &summary,
        "/Gone/FileSystem",
        "Efs.FileSystemNotFoundException",
        &format!("File system '{fs}' does not exist"),
    );
    "file system, mount target (own VPC/subnet/security group), access point created, described, deleted, gone"
}

fn route53() -> &'static str {
    let input = with(
        network(112),
        json!({"Name": "aws-svc-r53", "Domain": "r53.aws-services.test", "Region": "us-east-1"}),
    );
    let (summary, stderr) = run("route53", &input, "aws-route53");
    succeeded("route53", &summary, &stderr);
    assert_eq!(
        at(&summary, "/Described/Zone/Name"),
        "r53.aws-services.test."
    );
    assert_eq!(at(&summary, "/Described/Zone/Private"), true);
    assert_eq!(at(&summary, "/Described/Change/Status"), "INSYNC");
    let has_record = |pointer: &str| {
        at(&summary, pointer).as_array().unwrap().iter().any(|r| {
            r["Name"] == "api.r53.aws-services.test."
                && r["Type"] == "A"
                && r["ResourceRecords"][0]["Value"] == "10.0.0.5"
        })
    };
    assert!(
        has_record("/Described/Records/Records"),
        "the A record is not listed"
    );
    assert!(
        !has_record("/Described/RecordsAfterDelete/Records"),
        "the A record is still listed after its deletion"
    );
    caught(
        &summary,
        "/Gone/HostedZone",
        "Route53.NoSuchHostedZoneException",
        "No hosted zone found",
    );
    "private hosted zone, A record (changeResourceRecordSets + getChange) created, described, deleted, gone"
}

fn elasticloadbalancingv2() -> &'static str {
    let input = with(network(113), json!({"Name": "aws-svc-elb"}));
    let (summary, stderr) = run("elasticloadbalancingv2", &input, "aws-elbv2");
    succeeded("elasticloadbalancingv2", &summary, &stderr);
    assert_eq!(at(&summary, "/Described/Lb/Type"), "network");
    assert_eq!(at(&summary, "/Described/Lb/Scheme"), "internal");
    assert!(
        at(&summary, "/Described/Lb/DnsName")
            .as_str()
            .unwrap()
            .contains("aws-svc-elb-nlb")
    );
    assert_eq!(at(&summary, "/Described/Listener/Protocol"), "TCP");
    assert_eq!(at(&summary, "/Described/Target/Id"), "10.0.1.10");
    caught(
        &summary,
        "/Gone/LoadBalancer",
        "ElasticLoadBalancingV2.LoadBalancerNotFoundException",
        "",
    );
    caught(
        &summary,
        "/Gone/TargetGroup",
        "ElasticLoadBalancingV2.TargetGroupNotFoundException",
        "target groups not found",
    );
    "network load balancer, target group, TCP listener, registered target created, described, deleted, gone"
}

fn ecs() -> &'static str {
    let (summary, stderr) = run("ecs", &json!({"Name": "aws-svc-ecs"}), "aws-ecs");
    succeeded("ecs", &summary, &stderr);
    assert_eq!(at(&summary, "/Described/Cluster/Status"), "ACTIVE");
    assert_eq!(at(&summary, "/Described/TaskDef/Cpu"), "256");
    assert_eq!(at(&summary, "/Described/Service/Status"), "ACTIVE");
    // ECS keeps deleted resources, INACTIVE, for a while: that is what "gone" means there.
    assert_eq!(at(&summary, "/After/Service/Services/0/Status"), "INACTIVE");
    assert_eq!(at(&summary, "/After/TaskDef/Status"), "INACTIVE");
    assert_eq!(at(&summary, "/After/Cluster/Clusters/0/Status"), "INACTIVE");
    "cluster, task definition, service created, described, deleted, gone (INACTIVE)"
}

fn appmesh() -> &'static str {
    let (summary, stderr) = run("appmesh", &json!({"Name": "aws-svc-mesh"}), "aws-appmesh");
    succeeded("appmesh", &summary, &stderr);
    for kind in ["Mesh", "Node", "VService", "Gateway", "Route"] {
        assert_eq!(
            at(&summary, &format!("/Described/{kind}/Status")),
            "ACTIVE",
            "{kind}"
        );
    }
    assert_eq!(
        at(&summary, "/Left/VirtualServices/VirtualServices"),
        &json!([])
    );
    caught(
        &summary,
        "/Gone/GatewayRoute",
        "AppMesh.NotFoundException",
        "no gateway route named route",
    );
    caught(
        &summary,
        "/Gone/VirtualGateway",
        "AppMesh.NotFoundException",
        "vgw is not a virtual gateway",
    );
    caught(
        &summary,
        "/Gone/VirtualService",
        "AppMesh.NotFoundException",
        "is not a virtual service",
    );
    caught(
        &summary,
        "/Gone/VirtualNode",
        "AppMesh.NotFoundException",
        "vnode is not a virtual node",
    );
    caught(
        &summary,
        "/Gone/Mesh",
        "AppMesh.NotFoundException",
        "no meshes with the name aws-svc-mesh",
    );
    "mesh, virtual node, virtual service, virtual gateway, gateway route created, described, deleted, gone"
}

fn servicediscovery() -> &'static str {
    let input = with(
        network(114),
        json!({"Name": "aws-svc-sd", "Domain": "sd.aws-services.test"}),
    );
    let (summary, stderr) = run("servicediscovery", &input, "aws-servicediscovery");
    succeeded("servicediscovery", &summary, &stderr);
    assert_eq!(at(&summary, "/Ns/Status"), "SUCCESS");
    assert_eq!(at(&summary, "/Described/Ns/Type"), "DNS_PRIVATE");
    assert_eq!(at(&summary, "/Described/Instance/Ip"), "10.0.1.20");
    assert_eq!(at(&summary, "/After/Instances/Instances"), &json!([]));
    assert_eq!(at(&summary, "/DelOp/Status"), "SUCCESS");
    caught(
        &summary,
        "/Gone/Service",
        "ServiceDiscovery.ServiceNotFoundException",
        "",
    );
    caught(
        &summary,
        "/Gone/Namespace",
        "ServiceDiscovery.NamespaceNotFoundException",
        "",
    );
    "private DNS namespace (getOperation), service, instance created, described, deleted, gone"
}

fn ec2() -> &'static str {
    let input = with(
        network(115),
        json!({"Name": "aws-svc-ec2", "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}),
    );
    let (summary, stderr) = run("ec2", &input, "aws-ec2");
    succeeded("ec2", &summary, &stderr);
    assert_eq!(at(&summary, "/Described/Instance/State"), "running");
    assert_eq!(at(&summary, "/Described/Instance/ImageId"), "ami-12c6146b");
    assert_eq!(at(&summary, "/Described/Sg/FromPort"), 22);
    assert_eq!(at(&summary, "/After/Instance/State"), "terminated");
    caught(
        &summary,
        "/Gone/SecurityGroup",
        "Ec2.Ec2Exception",
        "Error Code: InvalidGroup.NotFound",
    );
    caught(
        &summary,
        "/Gone/Subnet",
        "Ec2.Ec2Exception",
        "Error Code: InvalidSubnetID.NotFound",
    );
    caught(
        &summary,
        "/Gone/Vpc",
        "Ec2.Ec2Exception",
        "Error Code: InvalidVpcID.NotFound",
    );
    "VPC, subnet, security group + ingress rule, instance created, described, deleted (instance terminated), gone"
}

#[test]
fn every_service_creates_describes_deletes_and_confirms_gone() {
    let services: [(&str, fn() -> &'static str); 8] = [
        ("acm", acm),
        ("efs", efs),
        ("route53", route53),
        ("elasticloadbalancingv2", elasticloadbalancingv2),
        ("ecs", ecs),
        ("appmesh", appmesh),
        ("servicediscovery", servicediscovery),
        ("ec2", ec2),
    ];
    emulator();
    let mut failed = Vec::new();
    for (service, check) in services {
        let started = Instant::now();
        match std::panic::catch_unwind(check) {
            Ok(line) => println!(
                "aws {service}: {line} ({:.1} s)",
                started.elapsed().as_secs_f64()
            ),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("aws {service}: FAILED: {message}");
                failed.push(service);
            }
        }
    }
    println!(
        "aws services: {} of {} passed",
        services.len() - failed.len(),
        services.len()
    );
    assert!(failed.is_empty(), "failed: {failed:?}");
}

#[test]
fn not_found_errors_are_caught_with_name_status_and_request_id() {
    let (summary, stderr) = run("errors", &json!({}), "aws-errors");
    succeeded("errors", &summary, &stderr);
    caught(
        &summary,
        "/Efs",
        "Efs.FileSystemNotFoundException",
        "File system 'fs-00000000' does not exist",
    );
    let efs = at(&summary, "/Efs/Cause").as_str().unwrap();
    assert!(
        efs.contains("Service: Efs") && efs.contains("Status Code: 404"),
        "{efs}"
    );
    caught(
        &summary,
        "/Acm",
        "Acm.ResourceNotFoundException",
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000 not found",
    );
    assert!(
        at(&summary, "/Acm/Cause")
            .as_str()
            .unwrap()
            .contains("Service: Acm")
    );
    println!(
        "aws errors: Efs.FileSystemNotFoundException and Acm.ResourceNotFoundException caught with message, status code, request id"
    );
}

#[test]
fn validate_reports_a_misspelled_action_and_parameter() {
    let output = Command::new(FLOW)
        .arg("validate")
        .arg(definition("misspelled"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    for part in [
        "unknown action `createFileSytem`",
        "/States/Misspelled action/Resource",
        "hint: did you mean \"createFileSystem\"?",
        "unknown parameter `CreationTokn`",
        "/States/Misspelled parameter/Parameters/CreationTokn",
        "hint: did you mean \"CreationToken\"?",
        "2 problems found",
    ] {
        assert!(stderr.contains(part), "stderr lacks {part:?}:\n{stderr}");
    }
    println!(
        "aws validate: misspelled action and parameter reported with pointers and hints (exit 2)"
    );
}
