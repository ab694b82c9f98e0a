//! Each service against the local emulator, through `AwsTasks::invoke` as the engine calls
//! it: create each resource kind, describe it, check fields (in Step Functions naming),
//! delete it, confirm it is gone with the error Step Functions would name.

use flow_aws::AwsTasks;
use flow_engine::task::{TaskError, TaskHandler, TaskRequest};
use flow_engine::{ExecutionId, StepId};
use serde_json::{Value, json};

use crate::support::emulator::{emulator, tasks};

fn request(resource: &str, parameters: Value, step: u64, recovering: bool) -> TaskRequest {
    TaskRequest {
        resource: format!("arn:aws:states:::aws-sdk:{resource}"),
        parameters,
        execution: ExecutionId("exec-test".to_string()),
        step: StepId(step),
        state: "State".to_string(),
        attempt: 1,
        idempotency_token: format!("exec-test/{step}"),
        recovering,
        timeout_seconds: None,
    }
}

async fn call(tasks: &AwsTasks, resource: &str, parameters: Value) -> Result<Value, TaskError> {
    tasks
        .invoke(request(resource, parameters, next_step(), false))
        .await
}

fn next_step() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn ok(tasks: &AwsTasks, resource: &str, parameters: Value) -> Value {
    match call(tasks, resource, parameters).await {
        Ok(value) => value,
        Err(error) => panic!("{resource} failed: {error}"),
    }
}

macro_rules! with_emulator {
    () => {
        match emulator() {
            Some(emulator) => tasks(emulator).await,
            None => return,
        }
    };
}

async fn vpc_and_subnets(tasks: &AwsTasks) -> (String, Vec<String>) {
    let vpc = ok(tasks, "ec2:createVpc", json!({"CidrBlock": "10.20.0.0/16"})).await;
    let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
    let mut subnets = Vec::new();
    for (index, zone) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let subnet = ok(
            tasks,
            "ec2:createSubnet",
            json!({"VpcId": vpc_id, "CidrBlock": format!("10.20.{index}.0/24"), "AvailabilityZone": zone}),
        )
        .await;
        subnets.push(subnet["Subnet"]["SubnetId"].as_str().unwrap().to_string());
    }
    (vpc_id, subnets)
}

fn self_signed() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec![
        "vas.example.com".to_string(),
        "vas-api-service.example.com".to_string(),
    ])
    .unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

#[tokio::test]
async fn acm_certificate_lifecycle_with_a_secret_key_and_adoption() {
    let tasks = with_emulator!();
    let (certificate, key) = self_signed();
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    std::fs::write(&key_path, &key).unwrap();
    let params = json!({
        "Certificate": certificate,
        "PrivateKey": {"Flow.Secret": format!("file:{}", key_path.display())},
        "Tags": [{"Key": "app", "Value": "vas"}]
    });
    let imported = tasks
        .invoke(request("acm:importCertificate", params.clone(), 1, false))
        .await
        .unwrap();
    let arn = imported["CertificateArn"].as_str().unwrap().to_string();
    assert!(!imported.to_string().contains("PRIVATE KEY"));

    // A re-run of the same step after a crash adopts the certificate instead of importing
    // a second one.
    let adopted = tasks
        .invoke(request("acm:importCertificate", params, 1, true))
        .await
        .unwrap();
    assert_eq!(adopted["CertificateArn"], json!(arn));

    let described = ok(
        &tasks,
        "acm:describeCertificate",
        json!({"CertificateArn": arn}),
    )
    .await;
    let names = described["Certificate"]["SubjectAlternativeNames"]
        .as_array()
        .unwrap();
    assert!(
        names.contains(&json!("vas-api-service.example.com")),
        "{described}"
    );
    assert_eq!(described["Certificate"]["Type"], json!("IMPORTED"));
    let tags = ok(
        &tasks,
        "acm:listTagsForCertificate",
        json!({"CertificateArn": arn}),
    )
    .await;
    let tags = tags["Tags"].as_array().unwrap();
    assert!(
        tags.contains(&json!({"Key": "flow:execution", "Value": "exec-test"})),
        "{tags:?}"
    );
    assert!(
        tags.contains(&json!({"Key": "flow:step", "Value": "1"})),
        "{tags:?}"
    );
    assert!(
        tags.contains(&json!({"Key": "app", "Value": "vas"})),
        "{tags:?}"
    );
    let listed = ok(&tasks, "acm:listCertificates", json!({})).await;
    let count = listed["CertificateSummaryList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["CertificateArn"] == json!(arn))
        .count();
    assert_eq!(count, 1);

    ok(
        &tasks,
        "acm:deleteCertificate",
        json!({"CertificateArn": arn}),
    )
    .await;
    let gone = call(
        &tasks,
        "acm:describeCertificate",
        json!({"CertificateArn": arn}),
    )
    .await
    .unwrap_err();
    assert_eq!(gone.error, "Acm.ResourceNotFoundException");
    assert!(gone.cause.contains("Status Code: 400"), "{}", gone.cause);
    assert!(gone.cause.contains("Request ID:"), "{}", gone.cause);
}

#[tokio::test]
async fn a_missing_secret_fails_without_calling() {
    let tasks = with_emulator!();
    let error = call(
        &tasks,
        "acm:importCertificate",
        json!({"Certificate": "x", "PrivateKey": {"Flow.Secret": "file:/no/such/key.pem"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(error.error, "Flow.SecretUnavailable");
}

#[tokio::test]
async fn ecs_cluster_and_task_definition() {
    let tasks = with_emulator!();
    let cluster = ok(&tasks, "ecs:createCluster", json!({"ClusterName": "vas"})).await;
    assert_eq!(cluster["Cluster"]["ClusterName"], json!("vas"));
    let registered = ok(&tasks, "ecs:registerTaskDefinition", json!({
        "Family": "envoy-task",
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"],
        "Cpu": "1024", "Memory": "2048",
        "ContainerDefinitions": [{
            "Name": "envoy", "Image": "envoy:v1.22.2.1-prod", "Cpu": 0, "Memory": 500,
            "Essential": true, "User": "1337",
            "PortMappings": [{"ContainerPort": 8443, "HostPort": 8443, "Protocol": "tcp"}],
            "Environment": [{"Name": "ENVOY_LOG_LEVEL", "Value": "debug"}],
            "LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "/ecs/envoy-task"}},
            "HealthCheck": {"Command": ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep -q LIVE"],
                            "Interval": 5, "Timeout": 2, "Retries": 3, "StartPeriod": 60}
        }]
    })).await;
    let arn = registered["TaskDefinition"]["TaskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_string();
    let described = ok(
        &tasks,
        "ecs:describeTaskDefinition",
        json!({"TaskDefinition": arn, "Include": ["TAGS"]}),
    )
    .await;
    let container = &described["TaskDefinition"]["ContainerDefinitions"][0];
    assert_eq!(container["PortMappings"][0]["ContainerPort"], json!(8443));
    assert_eq!(
        container["LogConfiguration"]["Options"]["awslogs-group"],
        json!("/ecs/envoy-task")
    );
    assert_eq!(container["HealthCheck"]["StartPeriod"], json!(60));
    ok(
        &tasks,
        "ecs:deregisterTaskDefinition",
        json!({"TaskDefinition": arn}),
    )
    .await;
    ok(&tasks, "ecs:deleteCluster", json!({"Cluster": "vas"})).await;
    let gone = ok(&tasks, "ecs:describeClusters", json!({"Clusters": ["vas"]})).await;
    let status = gone["Clusters"].get(0).map(|c| c["Status"].clone());
    assert!(
        status.is_none() || status == Some(json!("INACTIVE")),
        "{gone}"
    );
}

#[tokio::test]
async fn cloud_map_namespace_and_service() {
    let tasks = with_emulator!();
    let (vpc, _) = vpc_and_subnets(&tasks).await;
    let operation = ok(
        &tasks,
        "servicediscovery:createPrivateDnsNamespace",
        json!({"Name": "example.com", "Vpc": vpc}),
    )
    .await;
    let operation_id = operation["OperationId"].as_str().unwrap();
    let status = ok(
        &tasks,
        "servicediscovery:getOperation",
        json!({"OperationId": operation_id}),
    )
    .await;
    let namespace = status["Operation"]["Targets"]["NAMESPACE"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = call(
        &tasks,
        "servicediscovery:createService",
        json!({
            "Name": "vas-api-service", "NamespaceId": namespace,
            "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 60}]}
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.error, "States.Runtime");
    assert!(
        wrong.cause.contains("/DnsConfig/DnsRecords/0/TTL"),
        "{}",
        wrong.cause
    );
    let created = ok(
        &tasks,
        "servicediscovery:createService",
        json!({
            "Name": "vas-api-service", "NamespaceId": namespace,
            "DnsConfig": {"DnsRecords": [{"Type": "A", "Ttl": 60}]}
        }),
    )
    .await;
    let id = created["Service"]["Id"].as_str().unwrap().to_string();
    let got = ok(&tasks, "servicediscovery:getService", json!({"Id": id})).await;
    assert_eq!(got["Service"]["Name"], json!("vas-api-service"));
    assert_eq!(
        got["Service"]["DnsConfig"]["DnsRecords"][0]["Ttl"],
        json!(60)
    );
    ok(&tasks, "servicediscovery:deleteService", json!({"Id": id})).await;
    let gone = call(&tasks, "servicediscovery:getService", json!({"Id": id}))
        .await
        .unwrap_err();
    assert_eq!(gone.error, "ServiceDiscovery.ServiceNotFoundException");
    ok(
        &tasks,
        "servicediscovery:deleteNamespace",
        json!({"Id": namespace}),
    )
    .await;
}

#[tokio::test]
async fn efs_file_system_access_point_and_mount_target() {
    let tasks = with_emulator!();
    let (_, subnets) = vpc_and_subnets(&tasks).await;
    let created = ok(
        &tasks,
        "efs:createFileSystem",
        json!({"PerformanceMode": "generalPurpose", "Encrypted": true}),
    )
    .await;
    let id = created["FileSystemId"].as_str().unwrap().to_string();
    assert!(
        created["CreationToken"].as_str().unwrap().len() == 32,
        "a derived token: {created}"
    );
    let described = ok(
        &tasks,
        "efs:describeFileSystems",
        json!({"FileSystemId": id}),
    )
    .await;
    assert_eq!(
        described["FileSystems"][0]["PerformanceMode"],
        json!("generalPurpose")
    );
    assert!(
        described["FileSystems"][0]["Tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["Key"] == json!("flow:execution"))
    );

    let point = ok(
        &tasks,
        "efs:createAccessPoint",
        json!({
            "FileSystemId": id, "RootDirectory": {"Path": "/"},
            "PosixUser": {"Uid": 1337, "Gid": 1337}
        }),
    )
    .await;
    let point_id = point["AccessPointId"].as_str().unwrap().to_string();
    let points = ok(
        &tasks,
        "efs:describeAccessPoints",
        json!({"FileSystemId": id}),
    )
    .await;
    assert_eq!(points["AccessPoints"][0]["PosixUser"]["Uid"], json!(1337));
    let target = ok(
        &tasks,
        "efs:createMountTarget",
        json!({"FileSystemId": id, "SubnetId": subnets[0]}),
    )
    .await;
    let target_id = target["MountTargetId"].as_str().unwrap().to_string();
    ok(
        &tasks,
        "efs:deleteMountTarget",
        json!({"MountTargetId": target_id}),
    )
    .await;
    ok(
        &tasks,
        "efs:deleteAccessPoint",
        json!({"AccessPointId": point_id}),
    )
    .await;
    ok(&tasks, "efs:deleteFileSystem", json!({"FileSystemId": id})).await;
    let gone = call(
        &tasks,
        "efs:describeFileSystems",
        json!({"FileSystemId": id}),
    )
    .await
    .unwrap_err();
    assert_eq!(gone.error, "Efs.FileSystemNotFoundException");
    assert!(gone.cause.contains("Status Code: 404"), "{}", gone.cause);
}

#[tokio::test]
async fn ec2_vpc_subnet_security_group_instance_and_adoption() {
    let tasks = with_emulator!();
    let params = json!({"CidrBlock": "10.30.0.0/16"});
    let vpc = tasks
        .invoke(request("ec2:createVpc", params.clone(), 7, false))
        .await
        .unwrap();
    let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
    let adopted = tasks
        .invoke(request("ec2:createVpc", params, 7, true))
        .await
        .unwrap();
    assert_eq!(adopted["Vpc"]["VpcId"], json!(vpc_id));
    ok(
        &tasks,
        "ec2:modifyVpcAttribute",
        json!({"VpcId": vpc_id, "EnableDnsHostnames": {"Value": true}}),
    )
    .await;
    let attribute = ok(
        &tasks,
        "ec2:describeVpcAttribute",
        json!({"VpcId": vpc_id, "Attribute": "enableDnsHostnames"}),
    )
    .await;
    assert_eq!(attribute["EnableDnsHostnames"]["Value"], json!(true));
    let subnet = ok(
        &tasks,
        "ec2:createSubnet",
        json!({"VpcId": vpc_id, "CidrBlock": "10.30.1.0/24"}),
    )
    .await;
    let subnet_id = subnet["Subnet"]["SubnetId"].as_str().unwrap().to_string();
    let group = ok(
        &tasks,
        "ec2:createSecurityGroup",
        json!({"GroupName": "bastion", "Description": "bastion", "VpcId": vpc_id}),
    )
    .await;
    let group_id = group["GroupId"].as_str().unwrap().to_string();
    ok(&tasks, "ec2:authorizeSecurityGroupIngress", json!({
        "GroupId": group_id,
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.30.0.0/16"}]}]
    })).await;
    let groups = ok(
        &tasks,
        "ec2:describeSecurityGroups",
        json!({"GroupIds": [group_id]}),
    )
    .await;
    assert_eq!(
        groups["SecurityGroups"][0]["IpPermissions"][0]["FromPort"],
        json!(443)
    );
    let images = ok(&tasks, "ec2:describeImages", json!({})).await;
    let image = images["Images"][0]["ImageId"].as_str().unwrap().to_string();
    let run = ok(
        &tasks,
        "ec2:runInstances",
        json!({
            "ImageId": image, "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1,
            "SubnetId": subnet_id, "SecurityGroupIds": [group_id]
        }),
    )
    .await;
    let instance = run["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    let described = ok(
        &tasks,
        "ec2:describeInstances",
        json!({"InstanceIds": [instance]}),
    )
    .await;
    assert_eq!(
        described["Reservations"][0]["Instances"][0]["SubnetId"],
        json!(subnet_id)
    );
    ok(
        &tasks,
        "ec2:terminateInstances",
        json!({"InstanceIds": [instance]}),
    )
    .await;
    ok(
        &tasks,
        "ec2:deleteSecurityGroup",
        json!({"GroupId": group_id}),
    )
    .await;
    ok(&tasks, "ec2:deleteSubnet", json!({"SubnetId": subnet_id})).await;
    ok(&tasks, "ec2:deleteVpc", json!({"VpcId": vpc_id})).await;
    let gone = call(&tasks, "ec2:describeVpcs", json!({"VpcIds": [vpc_id]}))
        .await
        .unwrap_err();
    assert_eq!(gone.error, "Ec2.Ec2Exception");
}

#[tokio::test]
async fn elbv2_load_balancer_target_group_listener() {
    let tasks = with_emulator!();
    let (vpc, subnets) = vpc_and_subnets(&tasks).await;
    let balancer = ok(
        &tasks,
        "elasticloadbalancingv2:createLoadBalancer",
        json!({
            "Name": "vas-nlb", "Scheme": "internal", "Type": "network", "Subnets": subnets
        }),
    )
    .await;
    let lb = &balancer["LoadBalancers"][0];
    let lb_arn = lb["LoadBalancerArn"].as_str().unwrap().to_string();
    assert!(lb["DnsName"].as_str().is_some(), "DNSName is DnsName: {lb}");
    assert_eq!(lb["Scheme"], json!("internal"));
    let group = ok(
        &tasks,
        "elasticloadbalancingv2:createTargetGroup",
        json!({
            "Name": "vas-tg", "Protocol": "TCP", "Port": 8443, "VpcId": vpc, "TargetType": "ip",
            "HealthCheckPort": "traffic-port"
        }),
    )
    .await;
    let tg_arn = group["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let listener = ok(
        &tasks,
        "elasticloadbalancingv2:createListener",
        json!({
            "LoadBalancerArn": lb_arn, "Protocol": "TCP", "Port": 443,
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}]
        }),
    )
    .await;
    let listener_arn = listener["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_string();
    let listeners = ok(
        &tasks,
        "elasticloadbalancingv2:describeListeners",
        json!({"LoadBalancerArn": lb_arn}),
    )
    .await;
    assert_eq!(listeners["Listeners"][0]["Port"], json!(443));
    ok(
        &tasks,
        "elasticloadbalancingv2:deleteListener",
        json!({"ListenerArn": listener_arn}),
    )
    .await;
    ok(
        &tasks,
        "elasticloadbalancingv2:deleteLoadBalancer",
        json!({"LoadBalancerArn": lb_arn}),
    )
    .await;
    ok(
        &tasks,
        "elasticloadbalancingv2:deleteTargetGroup",
        json!({"TargetGroupArn": tg_arn}),
    )
    .await;
    let gone = call(
        &tasks,
        "elasticloadbalancingv2:describeLoadBalancers",
        json!({"LoadBalancerArns": [lb_arn]}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        gone.error,
        "ElasticLoadBalancingV2.LoadBalancerNotFoundException"
    );
}

#[tokio::test]
async fn route53_zone_and_records() {
    let tasks = with_emulator!();
    let (vpc, _) = vpc_and_subnets(&tasks).await;
    let zone = ok(
        &tasks,
        "route53:createHostedZone",
        json!({
            "Name": "example.com",
            "Vpc": {"VpcRegion": "us-east-1", "VpcId": vpc},
            "HostedZoneConfig": {"Comment": "vas", "PrivateZone": true}
        }),
    )
    .await;
    let zone_id = zone["HostedZone"]["Id"].as_str().unwrap().to_string();
    let change = ok(&tasks, "route53:changeResourceRecordSets", json!({
        "HostedZoneId": zone_id,
        "ChangeBatch": {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": "vas.example.com", "Type": "A",
            "AliasTarget": {"HostedZoneId": "Z26RNL4JYFTOTI", "DnsName": "vas-nlb.elb.amazonaws.com", "EvaluateTargetHealth": false}
        }}]}
    })).await;
    let change_id = change["ChangeInfo"]["Id"].as_str().unwrap().to_string();
    ok(&tasks, "route53:getChange", json!({"Id": change_id})).await;
    let records = ok(
        &tasks,
        "route53:listResourceRecordSets",
        json!({"HostedZoneId": zone_id}),
    )
    .await;
    let alias = records["ResourceRecordSets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Type"] == json!("A"))
        .expect("the A record")
        .clone();
    assert!(
        alias["AliasTarget"]["DnsName"]
            .as_str()
            .unwrap()
            .starts_with("vas-nlb"),
        "{alias}"
    );
    ok(
        &tasks,
        "route53:changeResourceRecordSets",
        json!({
            "HostedZoneId": zone_id,
            "ChangeBatch": {"Changes": [{"Action": "DELETE", "ResourceRecordSet": alias}]}
        }),
    )
    .await;
    ok(&tasks, "route53:deleteHostedZone", json!({"Id": zone_id})).await;
    let gone = call(&tasks, "route53:getHostedZone", json!({"Id": zone_id}))
        .await
        .unwrap_err();
    assert_eq!(gone.error, "Route53.NoSuchHostedZoneException");
}

#[tokio::test]
async fn app_mesh_gateway_route_service_node() {
    let tasks = with_emulator!();
    ok(&tasks, "appmesh:createMesh", json!({"MeshName": "VAS"})).await;
    let node = ok(&tasks, "appmesh:createVirtualNode", json!({
        "MeshName": "VAS", "VirtualNodeName": "om-vas-api-server-vnode",
        "Spec": {
            "Listeners": [{"PortMapping": {"Port": 34559, "Protocol": "tcp"},
                "HealthCheck": {"HealthyThreshold": 3, "IntervalMillis": 10000, "Path": "/", "Port": 34559,
                                "Protocol": "tcp", "TimeoutMillis": 5000, "UnhealthyThreshold": 2}}],
            "ServiceDiscovery": {"AwsCloudMap": {"NamespaceName": "example.com", "ServiceName": "vas-api-service"}}
        }
    })).await;
    assert_eq!(
        node["VirtualNode"]["Spec"]["Listeners"][0]["PortMapping"]["Port"],
        json!(34559)
    );
    ok(
        &tasks,
        "appmesh:createVirtualService",
        json!({
            "MeshName": "VAS", "VirtualServiceName": "om-vas-api-vsvc",
            "Spec": {"Provider": {"VirtualNode": {"VirtualNodeName": "om-vas-api-server-vnode"}}}
        }),
    )
    .await;
    ok(
        &tasks,
        "appmesh:createVirtualGateway",
        json!({
            "MeshName": "VAS", "VirtualGatewayName": "om-vas-vgw",
            "Spec": {"Listeners": [{"PortMapping": {"Port": 8080, "Protocol": "http"}}]}
        }),
    )
    .await;
    ok(&tasks, "appmesh:createGatewayRoute", json!({
        "MeshName": "VAS", "VirtualGatewayName": "om-vas-vgw", "GatewayRouteName": "vas-api-service-route",
        "Spec": {"HttpRoute": {"Match": {"Prefix": "/"},
            "Action": {"Target": {"VirtualService": {"VirtualServiceName": "om-vas-api-vsvc"}}}}}
    })).await;
    let route = ok(&tasks, "appmesh:describeGatewayRoute", json!({
        "MeshName": "VAS", "VirtualGatewayName": "om-vas-vgw", "GatewayRouteName": "vas-api-service-route"
    })).await;
    assert_eq!(
        route["GatewayRoute"]["Spec"]["HttpRoute"]["Match"]["Prefix"],
        json!("/")
    );
    ok(&tasks, "appmesh:deleteGatewayRoute", json!({"MeshName": "VAS", "VirtualGatewayName": "om-vas-vgw", "GatewayRouteName": "vas-api-service-route"})).await;
    ok(
        &tasks,
        "appmesh:deleteVirtualGateway",
        json!({"MeshName": "VAS", "VirtualGatewayName": "om-vas-vgw"}),
    )
    .await;
    ok(
        &tasks,
        "appmesh:deleteVirtualService",
        json!({"MeshName": "VAS", "VirtualServiceName": "om-vas-api-vsvc"}),
    )
    .await;
    ok(
        &tasks,
        "appmesh:deleteVirtualNode",
        json!({"MeshName": "VAS", "VirtualNodeName": "om-vas-api-server-vnode"}),
    )
    .await;
    ok(&tasks, "appmesh:deleteMesh", json!({"MeshName": "VAS"})).await;
    let gone = call(&tasks, "appmesh:describeMesh", json!({"MeshName": "VAS"}))
        .await
        .unwrap_err();
    assert_eq!(gone.error, "AppMesh.NotFoundException");
}
