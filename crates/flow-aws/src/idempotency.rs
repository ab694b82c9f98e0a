//! Exactly-once creation (DESIGN.md "Exactly-once effects").
//!
//! Before a create call: the API's idempotency token, when it has one and the definition
//! did not set it, is derived from the step's `idempotency_token` (stable across attempts
//! and crashes), and the resource is tagged `flow:execution` / `flow:step`. When a step
//! that was in flight at a crash runs again (`recovering`), the resource the lost attempt
//! may have created is looked up — by those tags, by its token, or by its unique name — and
//! adopted: its description is returned in the create operation's result shape, and no
//! second one is created. Tokens alone are not trusted: the emulator ignores them, and
//! several creates (ACM ImportCertificate, EC2 CreateVpc/CreateSubnet/CreateSecurityGroup,
//! ECS RegisterTaskDefinition, ELBv2) have none.

use flow_engine::task::TaskRequest;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::AwsTasks;
use crate::errors::CallError;
use crate::resource::Service;

pub const EXECUTION_TAG: &str = "flow:execution";
pub const STEP_TAG: &str = "flow:step";

/// A token that fits every API's constraints (ACM: `\w+`, at most 32; ECS: at most 36):
/// 32 hex digits of a digest of the engine's per-step token.
pub fn token(request: &TaskRequest) -> String {
    let digest = Sha256::digest(request.idempotency_token.as_bytes());
    digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The member that carries the idempotency token of a create operation.
fn token_member(service: Service, action: &str) -> Option<&'static str> {
    Some(match (service, action) {
        (Service::Efs, "createFileSystem") => "CreationToken",
        (Service::Efs, "createAccessPoint") => "ClientToken",
        (Service::Ecs, "createService") => "ClientToken",
        (Service::AppMesh, a) if a.starts_with("create") => "ClientToken",
        (
            Service::ServiceDiscovery,
            "createPrivateDnsNamespace"
            | "createPublicDnsNamespace"
            | "createHttpNamespace"
            | "createService"
            | "registerInstance",
        ) => "CreatorRequestId",
        (Service::Route53, "createHostedZone") => "CallerReference",
        (Service::Acm, "requestCertificate") => "IdempotencyToken",
        (Service::Ec2, "runInstances") => "ClientToken",
        _ => return None,
    })
}

enum Tagging {
    /// `Tags: [{Key, Value}]`.
    List,
    /// EC2: `TagSpecifications: [{ResourceType, Tags}]`.
    Ec2(&'static str),
}

fn tagging(service: Service, action: &str) -> Option<Tagging> {
    match (service, action) {
        (Service::Acm, "importCertificate" | "requestCertificate")
        | (Service::Efs, "createFileSystem" | "createAccessPoint")
        | (Service::Ecs, "createCluster" | "registerTaskDefinition" | "createService")
        | (
            Service::ServiceDiscovery,
            "createPrivateDnsNamespace"
            | "createPublicDnsNamespace"
            | "createHttpNamespace"
            | "createService",
        )
        | (
            Service::ElasticLoadBalancingV2,
            "createLoadBalancer" | "createTargetGroup" | "createListener",
        ) => Some(Tagging::List),
        (Service::AppMesh, a) if a.starts_with("create") => Some(Tagging::List),
        (Service::Ec2, "createVpc") => Some(Tagging::Ec2("vpc")),
        (Service::Ec2, "createSubnet") => Some(Tagging::Ec2("subnet")),
        (Service::Ec2, "createSecurityGroup") => Some(Tagging::Ec2("security-group")),
        (Service::Ec2, "runInstances") => Some(Tagging::Ec2("instance")),
        _ => None,
    }
}

fn flow_tags(request: &TaskRequest) -> [(&'static str, String); 2] {
    [
        (EXECUTION_TAG, request.execution.to_string()),
        (STEP_TAG, request.step.to_string()),
    ]
}

fn append_tags(tags: &mut Vec<Value>, request: &TaskRequest) {
    for (key, value) in flow_tags(request) {
        let present = tags
            .iter()
            .any(|tag| tag.get("Key").and_then(Value::as_str) == Some(key));
        if !present {
            tags.push(json!({"Key": key, "Value": value}));
        }
    }
}

/// Adds the token and the tags to a create call's parameters.
pub fn prepare(service: Service, action: &str, params: Value, request: &TaskRequest) -> Value {
    let mut object = match params {
        Value::Object(object) => object,
        Value::Null => Map::new(),
        other => return other,
    };
    if let Some(member) = token_member(service, action) {
        object
            .entry(member)
            .or_insert_with(|| Value::String(token(request)));
    }
    match tagging(service, action) {
        Some(Tagging::List) => {
            let tags = object
                .entry("Tags")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(tags) = tags {
                append_tags(tags, request);
            }
        }
        Some(Tagging::Ec2(resource_type)) => {
            let specs = object
                .entry("TagSpecifications")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(specs) = specs {
                let existing = specs.iter_mut().find(|spec| {
                    spec.get("ResourceType").and_then(Value::as_str) == Some(resource_type)
                });
                match existing {
                    Some(spec) => {
                        if let Some(Value::Array(tags)) = spec.get_mut("Tags") {
                            append_tags(tags, request);
                        }
                    }
                    None => {
                        let mut tags = Vec::new();
                        append_tags(&mut tags, request);
                        specs.push(json!({"ResourceType": resource_type, "Tags": tags}));
                    }
                }
            }
        }
        None => {}
    }
    Value::Object(object)
}

fn text<'a>(params: &'a Value, member: &str) -> Option<&'a str> {
    params.get(member).and_then(Value::as_str)
}

fn tags_match(tags: &Value, request: &TaskRequest) -> bool {
    let Some(tags) = tags.as_array() else {
        return false;
    };
    flow_tags(request).iter().all(|(key, value)| {
        tags.iter().any(|tag| {
            tag.get("Key").and_then(Value::as_str) == Some(key)
                && tag.get("Value").and_then(Value::as_str) == Some(value.as_str())
        })
    })
}

fn ec2_tag_filters(request: &TaskRequest) -> Value {
    let [(ekey, evalue), (skey, svalue)] = flow_tags(request);
    json!([
        {"Name": format!("tag:{ekey}"), "Values": [evalue]},
        {"Name": format!("tag:{skey}"), "Values": [svalue]},
    ])
}

fn first(value: &Value, list: &str) -> Option<Value> {
    value
        .get(list)
        .and_then(Value::as_array)
        .and_then(|items| items.first())
        .cloned()
}

/// For an operation whose effect is a set membership (a rule in a security group), the
/// answer to a recovering attempt whose lost predecessor already did the work: the service
/// refuses the duplicate, and that refusal is the proof the effect is in place. Returns the
/// operation's result for that case (what the service answers when it adds nothing new).
pub fn already_done(service: Service, action: &str, error: &CallError) -> Option<Value> {
    let code = error.code()?;
    match (service, action) {
        (Service::Ec2, "authorizeSecurityGroupIngress" | "authorizeSecurityGroupEgress")
            if code == "InvalidPermission.Duplicate" =>
        {
            Some(json!({"Return": true}))
        }
        _ => None,
    }
}

fn is_not_found(error: &CallError) -> bool {
    error
        .code()
        .is_some_and(|code| code.contains("NotFound") || code.contains("NoSuch"))
}

/// Whether this handler retries the operation itself instead of leaving it to the SDK, whose
/// retry would repeat it blind after a lost answer: the creates [`adopt`] can look up, and
/// the set-membership operations of [`already_done`].
pub fn retried_here(service: Service, action: &str) -> bool {
    adopts(service, action)
        || matches!(
            (service, action),
            (
                Service::Ec2,
                "authorizeSecurityGroupIngress" | "authorizeSecurityGroupEgress"
            )
        )
}

/// Whether [`adopt`] knows how to find what a lost attempt of this operation made (keep in
/// step with its arms).
pub fn adopts(service: Service, action: &str) -> bool {
    match service {
        Service::Acm => action == "importCertificate",
        Service::Efs => matches!(
            action,
            "createFileSystem" | "createAccessPoint" | "createMountTarget"
        ),
        Service::ElasticLoadBalancingV2 => {
            matches!(
                action,
                "createLoadBalancer" | "createTargetGroup" | "createListener"
            )
        }
        Service::Ecs => matches!(action, "createService" | "registerTaskDefinition"),
        Service::Ec2 => matches!(
            action,
            "createVpc" | "createSubnet" | "createSecurityGroup" | "runInstances"
        ),
        Service::AppMesh => matches!(
            action,
            "createMesh"
                | "createVirtualGateway"
                | "createGatewayRoute"
                | "createVirtualService"
                | "createVirtualNode"
        ),
        Service::ServiceDiscovery => matches!(
            action,
            "createPrivateDnsNamespace"
                | "createPublicDnsNamespace"
                | "createHttpNamespace"
                | "createService"
        ),
        Service::Route53 => action == "createHostedZone",
    }
}

/// Looks for what a lost attempt of this create may have made; `Some` is the create's
/// result for the adopted resource.
pub async fn adopt(
    tasks: &AwsTasks,
    service: Service,
    action: &str,
    params: &Value,
    request: &TaskRequest,
) -> Result<Option<Value>, CallError> {
    match (service, action) {
        (Service::Acm, "importCertificate") => {
            if params.get("CertificateArn").is_some() {
                return Ok(None); // a re-import into a given ARN is idempotent
            }
            let mut next: Option<String> = None;
            loop {
                let mut query = json!({"MaxItems": 1000});
                if let Some(token) = &next {
                    query["NextToken"] = json!(token);
                }
                let page = tasks.call(service, "listCertificates", query).await?;
                for summary in page
                    .get("CertificateSummaryList")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(arn) = text(summary, "CertificateArn") else {
                        continue;
                    };
                    let tags = tasks
                        .call(
                            service,
                            "listTagsForCertificate",
                            json!({"CertificateArn": arn}),
                        )
                        .await?;
                    if tags_match(tags.get("Tags").unwrap_or(&Value::Null), request) {
                        return Ok(Some(json!({"CertificateArn": arn})));
                    }
                }
                next = text(&page, "NextToken").map(str::to_string);
                if next.is_none() {
                    return Ok(None);
                }
            }
        }
        (Service::Efs, "createFileSystem") => {
            let Some(creation_token) = text(params, "CreationToken") else {
                return Ok(None);
            };
            let found = tasks
                .call(
                    service,
                    "describeFileSystems",
                    json!({"CreationToken": creation_token}),
                )
                .await?;
            Ok(first(&found, "FileSystems"))
        }
        (Service::Efs, "createAccessPoint") => {
            let (Some(file_system), Some(client_token)) =
                (text(params, "FileSystemId"), text(params, "ClientToken"))
            else {
                return Ok(None);
            };
            let found = tasks
                .call(
                    service,
                    "describeAccessPoints",
                    json!({"FileSystemId": file_system}),
                )
                .await?;
            Ok(found
                .get("AccessPoints")
                .and_then(Value::as_array)
                .and_then(|points| {
                    points
                        .iter()
                        .find(|point| {
                            text(point, "ClientToken") == Some(client_token)
                                || tags_match(point.get("Tags").unwrap_or(&Value::Null), request)
                        })
                        .cloned()
                }))
        }
        (Service::Efs, "createMountTarget") => {
            let (Some(file_system), Some(subnet)) =
                (text(params, "FileSystemId"), text(params, "SubnetId"))
            else {
                return Ok(None);
            };
            let found = tasks
                .call(
                    service,
                    "describeMountTargets",
                    json!({"FileSystemId": file_system}),
                )
                .await?;
            Ok(found
                .get("MountTargets")
                .and_then(Value::as_array)
                .and_then(|targets| {
                    targets
                        .iter()
                        .find(|target| text(target, "SubnetId") == Some(subnet))
                        .cloned()
                }))
        }
        (Service::ElasticLoadBalancingV2, "createLoadBalancer" | "createTargetGroup") => {
            let Some(name) = text(params, "Name") else {
                return Ok(None);
            };
            let (describe, list) = if action == "createLoadBalancer" {
                ("describeLoadBalancers", "LoadBalancers")
            } else {
                ("describeTargetGroups", "TargetGroups")
            };
            match tasks
                .call(service, describe, json!({"Names": [name]}))
                .await
            {
                Ok(found) => Ok(first(&found, list).map(|item| json!({list: [item]}))),
                Err(error) if is_not_found(&error) => Ok(None),
                Err(error) => Err(error),
            }
        }
        (Service::ElasticLoadBalancingV2, "createListener") => {
            let (Some(balancer), Some(port)) =
                (text(params, "LoadBalancerArn"), params.get("Port"))
            else {
                return Ok(None);
            };
            let found = tasks
                .call(
                    service,
                    "describeListeners",
                    json!({"LoadBalancerArn": balancer}),
                )
                .await?;
            Ok(found
                .get("Listeners")
                .and_then(Value::as_array)
                .and_then(|listeners| {
                    listeners
                        .iter()
                        .find(|listener| listener.get("Port") == Some(port))
                        .cloned()
                })
                .map(|listener| json!({"Listeners": [listener]})))
        }
        (Service::Ecs, "createCluster") => Ok(None), // CreateCluster is idempotent by name
        (Service::Ecs, "createService") => {
            let Some(name) = text(params, "ServiceName") else {
                return Ok(None);
            };
            let mut query = json!({"Services": [name]});
            if let Some(cluster) = text(params, "Cluster") {
                query["Cluster"] = json!(cluster);
            }
            let found = tasks.call(service, "describeServices", query).await?;
            Ok(found
                .get("Services")
                .and_then(Value::as_array)
                .and_then(|services| {
                    services
                        .iter()
                        .find(|s| text(s, "Status") == Some("ACTIVE"))
                        .cloned()
                })
                .map(|found| json!({"Service": found})))
        }
        (Service::Ecs, "registerTaskDefinition") => {
            let Some(family) = text(params, "Family") else {
                return Ok(None);
            };
            let listed = tasks
                .call(
                    service,
                    "listTaskDefinitions",
                    json!({"FamilyPrefix": family, "Sort": "DESC"}),
                )
                .await?;
            for arn in listed
                .get("TaskDefinitionArns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let described = tasks
                    .call(
                        service,
                        "describeTaskDefinition",
                        json!({"TaskDefinition": arn, "Include": ["TAGS"]}),
                    )
                    .await?;
                if tags_match(described.get("Tags").unwrap_or(&Value::Null), request) {
                    return Ok(Some(described));
                }
            }
            Ok(None)
        }
        (Service::Ec2, "createVpc" | "createSubnet" | "createSecurityGroup" | "runInstances") => {
            let filters = ec2_tag_filters(request);
            match action {
                "createVpc" => {
                    let found = tasks
                        .call(service, "describeVpcs", json!({"Filters": filters}))
                        .await?;
                    Ok(first(&found, "Vpcs").map(|vpc| json!({"Vpc": vpc})))
                }
                "createSubnet" => {
                    let found = tasks
                        .call(service, "describeSubnets", json!({"Filters": filters}))
                        .await?;
                    Ok(first(&found, "Subnets").map(|subnet| json!({"Subnet": subnet})))
                }
                "createSecurityGroup" => {
                    let found = tasks
                        .call(
                            service,
                            "describeSecurityGroups",
                            json!({"Filters": filters}),
                        )
                        .await?;
                    Ok(first(&found, "SecurityGroups").map(|group| {
                        json!({"GroupId": group.get("GroupId").cloned().unwrap_or(Value::Null)})
                    }))
                }
                _ => {
                    let mut filters = filters;
                    if let Value::Array(list) = &mut filters {
                        list.push(json!({"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}));
                    }
                    let found = tasks
                        .call(service, "describeInstances", json!({"Filters": filters}))
                        .await?;
                    Ok(first(&found, "Reservations"))
                }
            }
        }
        (
            Service::AppMesh,
            "createMesh"
            | "createVirtualGateway"
            | "createGatewayRoute"
            | "createVirtualService"
            | "createVirtualNode",
        ) => {
            let (describe, name_member, result) = match action {
                "createMesh" => ("describeMesh", "MeshName", "Mesh"),
                "createVirtualGateway" => (
                    "describeVirtualGateway",
                    "VirtualGatewayName",
                    "VirtualGateway",
                ),
                "createGatewayRoute" => {
                    ("describeGatewayRoute", "GatewayRouteName", "GatewayRoute")
                }
                "createVirtualService" => (
                    "describeVirtualService",
                    "VirtualServiceName",
                    "VirtualService",
                ),
                _ => ("describeVirtualNode", "VirtualNodeName", "VirtualNode"),
            };
            let mut query = Map::new();
            for member in ["MeshName", "MeshOwner", "VirtualGatewayName", name_member] {
                if let Some(value) = params.get(member) {
                    query.insert(member.to_string(), value.clone());
                }
            }
            match tasks.call(service, describe, Value::Object(query)).await {
                Ok(found) => {
                    let Some(arn) = found
                        .get(result)
                        .and_then(|r| r.get("Metadata"))
                        .and_then(|m| text(m, "Arn"))
                    else {
                        return Ok(None);
                    };
                    let tags = tasks
                        .call(service, "listTagsForResource", json!({"ResourceArn": arn}))
                        .await?;
                    Ok(
                        tags_match(tags.get("Tags").unwrap_or(&Value::Null), request)
                            .then_some(found),
                    )
                }
                Err(error) if is_not_found(&error) => Ok(None),
                Err(error) => Err(error),
            }
        }
        (
            Service::ServiceDiscovery,
            "createPrivateDnsNamespace" | "createPublicDnsNamespace" | "createHttpNamespace",
        ) => {
            // The answer of these creates is an operation id: adopting means finding our
            // namespace (by name and flow's tags) and then the operation that created it.
            let Some(name) = text(params, "Name") else {
                return Ok(None);
            };
            let listed = tasks.call(service, "listNamespaces", json!({})).await?;
            for namespace in listed
                .get("Namespaces")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|namespace| text(namespace, "Name") == Some(name))
            {
                let (Some(id), Some(arn)) = (text(namespace, "Id"), text(namespace, "Arn")) else {
                    continue;
                };
                let tags = tasks
                    .call(service, "listTagsForResource", json!({"ResourceARN": arn}))
                    .await?;
                if !tags_match(tags.get("Tags").unwrap_or(&Value::Null), request) {
                    continue;
                }
                let filter = json!({"Filters": [{"Name": "NAMESPACE_ID", "Values": [id], "Condition": "EQ"}]});
                let operations = tasks.call(service, "listOperations", filter).await?;
                for summary in operations
                    .get("Operations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(operation_id) = text(summary, "Id") else {
                        continue;
                    };
                    let found = tasks
                        .call(
                            service,
                            "getOperation",
                            json!({"OperationId": operation_id}),
                        )
                        .await?;
                    let operation = found.get("Operation").unwrap_or(&Value::Null);
                    let creates_it = text(operation, "Type") == Some("CREATE_NAMESPACE")
                        && operation
                            .pointer("/Targets/NAMESPACE")
                            .and_then(Value::as_str)
                            == Some(id);
                    if creates_it {
                        return Ok(Some(json!({"OperationId": operation_id})));
                    }
                }
            }
            Ok(None)
        }
        (Service::ServiceDiscovery, "createService") => {
            let Some(name) = text(params, "Name") else {
                return Ok(None);
            };
            let listed = tasks.call(service, "listServices", json!({})).await?;
            for summary in listed
                .get("Services")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if text(summary, "Name") != Some(name) {
                    continue;
                }
                let Some(id) = text(summary, "Id") else {
                    continue;
                };
                let found = tasks.call(service, "getService", json!({"Id": id})).await?;
                let same_namespace = match text(params, "NamespaceId") {
                    Some(namespace) => {
                        found.get("Service").and_then(|s| text(s, "NamespaceId")) == Some(namespace)
                    }
                    None => true,
                };
                if same_namespace {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        }
        (Service::Route53, "createHostedZone") => {
            let (Some(name), Some(reference)) =
                (text(params, "Name"), text(params, "CallerReference"))
            else {
                return Ok(None);
            };
            let listed = tasks
                .call(service, "listHostedZonesByName", json!({"DnsName": name}))
                .await?;
            for zone in listed
                .get("HostedZones")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if text(zone, "CallerReference") == Some(reference) {
                    let Some(id) = text(zone, "Id") else { continue };
                    let found = tasks
                        .call(service, "getHostedZone", json!({"Id": id}))
                        .await?;
                    return Ok(Some(found));
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}
