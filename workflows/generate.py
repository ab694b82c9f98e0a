#!/usr/bin/env python3
"""Writes the two provisioning workflows from one description of the seed's stack.

    python3 workflows/generate.py          # (re)write workflows/provision*.json
    python3 workflows/generate.py --check  # exit 1 if a committed file differs

ASL has no includes: a state machine is one JSON document. The App Mesh stack
(provision.json) and the ECS Service Connect stack (provision-service-connect.json) share
all but the mesh branch, the task definition's containers and the service's discovery
settings, so both are built here from the same functions and committed as plain ASL. Edit
this file, not the JSON; `--check` (run by the end-to-end test) keeps them in step.

Conventions, as AWS Step Functions' AWS SDK integrations use them:
- resources `arn:aws:states:::aws-sdk:<service>:<action>`, actions camelCase;
- parameters and results in PascalCase with the AWS SDK for Java 2 bean names
  (`DNSName` -> `DnsName`, `TTL` -> `Ttl`, `VPC` -> `Vpc`);
- errors `<Service>.<Code>Exception` (`Efs.FileSystemInUseException`), matched by Retry.
flow adds `Compensate` on creating Tasks (run in reverse by `flow rollback`) and secret
references (`{"Flow.Secret.$": "$.PrivateKeyFile"}`), resolved only at the call.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sdk(service, action):
    return f"arn:aws:states:::aws-sdk:{service}:{action}"


# Retry rules. flow's AWS handler already retries throttling, 5xx and connection failures (the
# SDK's standard mode), so ASL retries only what it must wait out: a dependency still being
# released (AWS frees ENIs, certificates and namespaces some seconds after their user is gone)
# or not yet ready. Never States.TaskFailed or States.ALL: they would retry definition bugs.
def retry_on(*errors, interval=5, attempts=12, rate=1.5, max_delay=60):
    return {
        "ErrorEquals": list(errors),
        "IntervalSeconds": interval,
        "MaxAttempts": attempts,
        "BackoffRate": rate,
        "MaxDelaySeconds": max_delay,
        "JitterStrategy": "FULL",
    }


def task(service, action, parameters, *, next=None, end=False, result_selector=None,
         result_path=None, compensate=None, retry=None, comment=None):
    state = {"Type": "Task"}
    if comment:
        state["Comment"] = comment
    state["Resource"] = sdk(service, action)
    state["Parameters"] = parameters
    if result_selector is not None:
        state["ResultSelector"] = result_selector
    if result_path is not None or result_selector is None:
        state["ResultPath"] = result_path
    if retry:
        state["Retry"] = retry
    if compensate is not None:
        state["Compensate"] = compensate
    if end:
        state["End"] = True
    else:
        state["Next"] = next
    return state


def undo(service, action, parameters, *, retry=None, lookup=None):
    """A Compensate: evaluated against {"Input", "Parameters", "Result"} of the step (and
    "Lookup", the result of `lookup`, a read-only (service, action, parameters) call made
    first)."""
    compensation = {"Resource": sdk(service, action), "Parameters": parameters}
    if lookup:
        compensation = {"Lookup": {"Resource": sdk(lookup[0], lookup[1]), "Parameters": lookup[2]}, **compensation}
    if retry:
        compensation["Retry"] = retry
    return compensation


def poll(states, key, *, describe, ready, failed, next, seconds, max_polls, what):
    """A readiness loop, Wait + describe + Choice, bounded by a poll counter.

    `describe` is a Task (without Next/ResultPath) whose ResultSelector yields `State`;
    `ready` and `failed` are the State values that end the loop. Adds the states to
    `states` and returns the name of the first one.
    """
    start = f"Start polling {what}"
    describe_name = f"Describe {what}"
    title = what[0].upper() + what[1:]
    decide = f"{title}: ready?"
    count = f"Count polls of {what}"
    wait = f"Wait for {what}"
    failed_name = f"{title}: failed"
    timed_out = f"{title}: not ready in time"
    states[start] = {
        "Type": "Pass",
        "Result": {"Count": 0},
        "ResultPath": f"$.Polls.{key}",
        "Next": describe_name,
    }
    describe = dict(describe)
    describe["ResultPath"] = f"$.Readiness.{key}"
    describe["Next"] = decide
    states[describe_name] = describe
    choices = [{"Variable": f"$.Readiness.{key}.State", "StringEquals": ready, "Next": next}]
    for value in failed:
        choices.append({"Variable": f"$.Readiness.{key}.State", "StringEquals": value,
                        "Next": failed_name})
    choices.append({"Variable": f"$.Polls.{key}.Count", "NumericGreaterThanEquals": max_polls,
                    "Next": timed_out})
    states[decide] = {"Type": "Choice", "Choices": choices, "Default": count}
    states[count] = {
        "Type": "Pass",
        "Parameters": {"Count.$": f"States.MathAdd($.Polls.{key}.Count, 1)"},
        "ResultPath": f"$.Polls.{key}",
        "Next": wait,
    }
    states[wait] = {"Type": "Wait", "Seconds": seconds, "Next": describe_name}
    if failed:
        states[failed_name] = {
            "Type": "Fail",
            "Error": "Flow.NotReady",
            "CausePath": f"States.Format('{what} ended in state {{}}', $.Readiness.{key}.State)",
        }
    states[timed_out] = {
        "Type": "Fail",
        "Error": "Flow.NotReady",
        "Cause": f"{what} was not {ready} after {max_polls} polls {seconds} s apart",
    }
    return start


def describe_task(service, action, parameters, state_path, extra=None):
    selector = {"State.$": state_path}
    selector.update(extra or {})
    return {
        "Type": "Task",
        "Resource": sdk(service, action),
        "Parameters": parameters,
        "ResultSelector": selector,
    }


def tags(kind):
    return [{"Key": "Name", "Value.$": f"States.Format('{{}}-{kind}', $.Name)"}]


# --------------------------------------------------------------------------------------
# The network: given, or created (and compensated) by the workflow.

def network_states():
    states = {}
    states["Network given or created?"] = {
        "Type": "Choice",
        "Comment": "Input Network: {\"Create\": true} makes a VPC with two subnets and a security group; otherwise {VpcId, SubnetIds, SecurityGroupIds} names an existing one.",
        "Choices": [{
            "And": [
                {"Variable": "$.Network.Create", "IsPresent": True},
                {"Variable": "$.Network.Create", "BooleanEquals": True},
            ],
            "Next": "Create the VPC",
        }],
        "Default": "Use the given network",
    }
    states["Use the given network"] = {
        "Type": "Pass",
        "Parameters": {
            "VpcId.$": "$.Network.VpcId",
            "SubnetIds.$": "$.Network.SubnetIds",
            "SecurityGroupIds.$": "$.Network.SecurityGroupIds",
            "Created": False,
        },
        "ResultPath": "$.Net",
        "Next": "Provision",
    }
    vpc_retry = [retry_on("Ec2.Ec2Exception", interval=10, attempts=10)]
    states["Create the VPC"] = task(
        "ec2", "createVpc",
        {"CidrBlock.$": "$.Network.CidrBlock",
         "TagSpecifications": [{"ResourceType": "vpc", "Tags": tags("vpc")}]},
        result_selector={"VpcId.$": "$.Vpc.VpcId"},
        result_path="$.Net",
        compensate=undo("ec2", "deleteVpc", {"VpcId.$": "$.Result.Vpc.VpcId"},
                        retry=vpc_retry),
        comment="EC2 names every error Ec2.Ec2Exception (no modelled errors), so the "
                "compensation retries it: a VPC is refused while ENIs of the NLB, EFS or "
                "the bastion are still being released.",
        next="Enable DNS support",
    )
    states["Enable DNS support"] = task(
        "ec2", "modifyVpcAttribute",
        {"VpcId.$": "$.Net.VpcId", "EnableDnsSupport": {"Value": True}},
        result_path=None, next="Enable DNS hostnames",
        comment="Private hosted zones, Cloud Map DNS and EFS mount target names need both.",
    )
    states["Enable DNS hostnames"] = task(
        "ec2", "modifyVpcAttribute",
        {"VpcId.$": "$.Net.VpcId", "EnableDnsHostnames": {"Value": True}},
        result_path=None, next="Create the subnets",
    )
    states["Create the subnets"] = {
        "Type": "Map",
        "Comment": "One subnet per entry of Network.Subnets ({CidrBlock, AvailabilityZone}), concurrently.",
        "ItemsPath": "$.Network.Subnets",
        "ItemSelector": {
            "VpcId.$": "$.Net.VpcId",
            "Name.$": "$.Name",
            "Subnet.$": "$$.Map.Item.Value",
        },
        "ItemProcessor": {
            "StartAt": "Create a subnet",
            "States": {
                "Create a subnet": task(
                    "ec2", "createSubnet",
                    {"VpcId.$": "$.VpcId",
                     "CidrBlock.$": "$.Subnet.CidrBlock",
                     "AvailabilityZone.$": "$.Subnet.AvailabilityZone",
                     "TagSpecifications": [{"ResourceType": "subnet", "Tags": tags("subnet")}]},
                    result_selector={"SubnetId.$": "$.Subnet.SubnetId"},
                    compensate=undo("ec2", "deleteSubnet", {"SubnetId.$": "$.Result.Subnet.SubnetId"},
                                    retry=vpc_retry),
                    end=True,
                ),
            },
        },
        "ResultSelector": {"SubnetIds.$": "$[*].SubnetId"},
        "ResultPath": "$.Subnets",
        "Next": "Create the security group",
    }
    states["Create the security group"] = task(
        "ec2", "createSecurityGroup",
        {"GroupName.$": "States.Format('{}-sg', $.Name)",
         "Description": "flow: the seed stack (NLB, ECS tasks, EFS mount targets, bastion)",
         "VpcId.$": "$.Net.VpcId",
         "TagSpecifications": [{"ResourceType": "security-group", "Tags": tags("sg")}]},
        result_selector={"GroupId.$": "$.GroupId"},
        result_path="$.SecurityGroup",
        compensate=undo("ec2", "deleteSecurityGroup", {"GroupId.$": "$.Result.GroupId"},
                        retry=vpc_retry),
        next="Allow traffic inside the group",
    )
    states["Allow traffic inside the group"] = task(
        "ec2", "authorizeSecurityGroupIngress",
        {"GroupId.$": "$.SecurityGroup.GroupId",
         "IpPermissions": [{
             "IpProtocol": "-1",
             "UserIdGroupPairs": [{"GroupId.$": "$.SecurityGroup.GroupId",
                                   "Description": "members of the stack talk to each other (NFS 2049, app, Envoy, NLB)"}],
         }]},
        result_path=None,
        comment="The rule goes with the group: no compensation of its own.",
        next="Network created",
    )
    states["Network created"] = {
        "Type": "Pass",
        "Parameters": {
            "VpcId.$": "$.Net.VpcId",
            "SubnetIds.$": "$.Subnets.SubnetIds",
            "SecurityGroupIds.$": "States.Array($.SecurityGroup.GroupId)",
            "Created": True,
        },
        "ResultPath": "$.Net",
        "Next": "Provision",
    }
    return states


# --------------------------------------------------------------------------------------
# The independent parts, in the branches of "Provision".

def certificate_and_balancer_branch():
    """The imported certificate beside the NLB beside its target group; then the listener."""
    states = {}
    lb_states = {}
    lb_states["Create the load balancer"] = task(
        "elasticloadbalancingv2", "createLoadBalancer",
        {"Name.$": "States.Format('{}-nlb', $.Name)",
         "Type": "network",
         "Scheme": "internal",
         "IpAddressType": "ipv4",
         "Subnets.$": "$.Net.SubnetIds",
         "SecurityGroups.$": "$.Net.SecurityGroupIds"},
        result_selector={
            "LoadBalancerArn.$": "$.LoadBalancers[0].LoadBalancerArn",
            "DnsName.$": "$.LoadBalancers[0].DnsName",
            "CanonicalHostedZoneId.$": "$.LoadBalancers[0].CanonicalHostedZoneId",
        },
        result_path="$.LoadBalancer",
        compensate=undo("elasticloadbalancingv2", "deleteLoadBalancer",
                        {"LoadBalancerArn.$": "$.Result.LoadBalancers[0].LoadBalancerArn"}),
        next="Start polling the load balancer",
    )
    poll(lb_states, "LoadBalancer",
         describe=describe_task("elasticloadbalancingv2", "describeLoadBalancers",
                                {"LoadBalancerArns.$": "States.Array($.LoadBalancer.LoadBalancerArn)"},
                                "$.LoadBalancers[0].State.Code"),
         ready="active", failed=["failed", "active_impaired"], next="Load balancer ready",
         seconds=10, max_polls=60, what="the load balancer")
    lb_states["Load balancer ready"] = {"Type": "Pass", "InputPath": "$.LoadBalancer", "End": True}

    branches = [
        {
            "StartAt": "Import the certificate",
            "States": {
                "Import the certificate": task(
                    "acm", "importCertificate",
                    {"Certificate": {"Flow.Secret.$": "$.CertificateFile"},
                     "CertificateChain": {"Flow.Secret.$": "$.ChainFile"},
                     "PrivateKey": {"Flow.Secret.$": "$.PrivateKeyFile"},
                     "Tags": tags("certificate")},
                    result_selector={"CertificateArn.$": "$.CertificateArn"},
                    compensate=undo("acm", "deleteCertificate",
                                    {"CertificateArn.$": "$.Result.CertificateArn"},
                                    retry=[retry_on("Acm.ResourceInUseException", interval=10, attempts=12)]),
                    comment="Certificate, chain and key are read from the files named in the input at the moment of the call (references, not values, are recorded). The key is a secret; the certificate and chain are public but large, so they stay out of the history too.",
                    end=True,
                ),
            },
        },
        {"StartAt": "Create the load balancer", "States": lb_states},
        {
            "StartAt": "Create the target group",
            "States": {
                "Create the target group": task(
                    "elasticloadbalancingv2", "createTargetGroup",
                    {"Name.$": "States.Format('{}-tg', $.Name)",
                     "Protocol": "TLS",
                     "Port.$": "$.App.Port",
                     "VpcId.$": "$.Net.VpcId",
                     "TargetType": "ip",
                     "HealthCheckEnabled": True,
                     "HealthCheckProtocol": "TCP",
                     "HealthCheckPort": "traffic-port",
                     "Tags": tags("tg")},
                    result_selector={"TargetGroupArn.$": "$.TargetGroups[0].TargetGroupArn"},
                    compensate=undo("elasticloadbalancingv2", "deleteTargetGroup",
                                    {"TargetGroupArn.$": "$.Result.TargetGroups[0].TargetGroupArn"},
                                    retry=[retry_on("ElasticLoadBalancingV2.ResourceInUseException")]),
                    comment="The application port of the tasks (awsvpc: targets are IPs). TLS again to the target: TLS terminates in the application container.",
                    end=True,
                ),
            },
        },
    ]
    states["Certificate, balancer, target group"] = {
        "Type": "Parallel",
        "Comment": "Three independent creations; the listener needs all three.",
        "Branches": branches,
        "ResultSelector": {
            "CertificateArn.$": "$[0].CertificateArn",
            "LoadBalancerArn.$": "$[1].LoadBalancerArn",
            "DnsName.$": "$[1].DnsName",
            "CanonicalHostedZoneId.$": "$[1].CanonicalHostedZoneId",
            "TargetGroupArn.$": "$[2].TargetGroupArn",
        },
        "ResultPath": "$.Balancer",
        "Next": "Create the TLS listener",
    }
    states["Create the TLS listener"] = task(
        "elasticloadbalancingv2", "createListener",
        {"LoadBalancerArn.$": "$.Balancer.LoadBalancerArn",
         "Protocol": "TLS",
         "Port": 443,
         "Certificates": [{"CertificateArn.$": "$.Balancer.CertificateArn"}],
         "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
         "DefaultActions": [{"Type": "forward", "TargetGroupArn.$": "$.Balancer.TargetGroupArn"}],
         "Tags": tags("listener")},
        result_selector={"ListenerArn.$": "$.Listeners[0].ListenerArn"},
        result_path="$.Balancer.Listener",
        compensate=undo("elasticloadbalancingv2", "deleteListener",
                        {"ListenerArn.$": "$.Result.Listeners[0].ListenerArn"}),
        next="Balancer done",
    )
    states["Balancer done"] = {
        "Type": "Pass",
        "Parameters": {
            "CertificateArn.$": "$.Balancer.CertificateArn",
            "LoadBalancerArn.$": "$.Balancer.LoadBalancerArn",
            "DnsName.$": "$.Balancer.DnsName",
            "CanonicalHostedZoneId.$": "$.Balancer.CanonicalHostedZoneId",
            "TargetGroupArn.$": "$.Balancer.TargetGroupArn",
            "ListenerArn.$": "$.Balancer.Listener.ListenerArn",
        },
        "End": True,
    }
    return {"StartAt": "Certificate, balancer, target group", "States": states}


def storage_branch():
    """EFS: the file system, a mount target per subnet, the access point Envoy mounts."""
    states = {}
    states["Create the file system"] = task(
        "efs", "createFileSystem",
        {"PerformanceMode": "generalPurpose",
         "ThroughputMode": "bursting",
         "Encrypted": True,
         "Tags": tags("certs")},
        result_selector={"FileSystemId.$": "$.FileSystemId", "FileSystemArn.$": "$.FileSystemArn"},
        result_path="$.Storage",
        compensate=undo("efs", "deleteFileSystem", {"FileSystemId.$": "$.Result.FileSystemId"},
                        retry=[retry_on("Efs.FileSystemInUseException", interval=10, attempts=12)]),
        comment="CreationToken and the flow:execution/flow:step tags are added by flow (stable across attempts and crashes). Encrypted at rest; in transit is the task definition's TransitEncryption.",
        next="Start polling the file system",
    )
    poll(states, "FileSystem",
         describe=describe_task("efs", "describeFileSystems",
                                {"FileSystemId.$": "$.Storage.FileSystemId"},
                                "$.FileSystems[0].LifeCycleState"),
         ready="available", failed=["error", "deleting", "deleted"],
         next="Create the mount targets", seconds=5, max_polls=60, what="the file system")
    mount = {}
    mount["Create a mount target"] = task(
        "efs", "createMountTarget",
        {"FileSystemId.$": "$.FileSystemId",
         "SubnetId.$": "$.SubnetId",
         "SecurityGroups.$": "$.SecurityGroupIds"},
        result_selector={"MountTargetId.$": "$.MountTargetId"},
        result_path="$.MountTarget",
        compensate=undo("efs", "deleteMountTarget", {"MountTargetId.$": "$.Result.MountTargetId"}),
        retry=[retry_on("Efs.IncorrectFileSystemLifeCycleStateException")],
        next="Start polling the mount target",
    )
    poll(mount, "MountTarget",
         describe=describe_task("efs", "describeMountTargets",
                                {"MountTargetId.$": "$.MountTarget.MountTargetId"},
                                "$.MountTargets[0].LifeCycleState"),
         ready="available", failed=["error", "deleting", "deleted"],
         next="Mount target ready", seconds=10, max_polls=60, what="the mount target")
    mount["Mount target ready"] = {"Type": "Pass", "OutputPath": "$.MountTarget.MountTargetId", "End": True}
    states["Create the mount targets"] = {
        "Type": "Map",
        "Comment": "One mount target per subnet of the network, concurrently.",
        "ItemsPath": "$.Net.SubnetIds",
        "ItemSelector": {
            "FileSystemId.$": "$.Storage.FileSystemId",
            "SecurityGroupIds.$": "$.Net.SecurityGroupIds",
            "SubnetId.$": "$$.Map.Item.Value",
        },
        "ItemProcessor": {"StartAt": "Create a mount target", "States": mount},
        "ResultPath": "$.Storage.MountTargetIds",
        "Next": "Create the access point",
    }
    states["Create the access point"] = task(
        "efs", "createAccessPoint",
        {"FileSystemId.$": "$.Storage.FileSystemId",
         "PosixUser": {"Uid": 1337, "Gid": 1337},
         "RootDirectory": {"Path": "/certs",
                           "CreationInfo": {"OwnerUid": 1337, "OwnerGid": 1337, "Permissions": "0750"}},
         "Tags": tags("certs-ap")},
        result_selector={"AccessPointId.$": "$.AccessPointId", "AccessPointArn.$": "$.AccessPointArn"},
        result_path="$.Storage.AccessPoint",
        compensate=undo("efs", "deleteAccessPoint", {"AccessPointId.$": "$.Result.AccessPointId"}),
        comment="Every client of the access point acts as uid/gid 1337 (Envoy's user) in /certs of the file system.",
        next="Start polling the access point",
    )
    poll(states, "AccessPoint",
         describe=describe_task("efs", "describeAccessPoints",
                                {"AccessPointId.$": "$.Storage.AccessPoint.AccessPointId"},
                                "$.AccessPoints[0].LifeCycleState"),
         ready="available", failed=["error", "deleting", "deleted"],
         next="Storage done", seconds=5, max_polls=60, what="the access point")
    states["Storage done"] = {
        "Type": "Pass",
        "Parameters": {
            "FileSystemId.$": "$.Storage.FileSystemId",
            "FileSystemArn.$": "$.Storage.FileSystemArn",
            "MountTargetIds.$": "$.Storage.MountTargetIds",
            "AccessPointId.$": "$.Storage.AccessPoint.AccessPointId",
            "AccessPointArn.$": "$.Storage.AccessPoint.AccessPointArn",
        },
        "End": True,
    }
    return {"StartAt": "Create the file system", "States": states}


def discovery_branch():
    """Cloud Map: the private DNS namespace of the VPC and the service the tasks register in."""
    states = {}
    states["Create the namespace"] = task(
        "servicediscovery", "createPrivateDnsNamespace",
        {"Name.$": "$.Namespace",
         "Vpc.$": "$.Net.VpcId",
         "Description": "flow: the seed stack's service discovery",
         "Tags": [{"Key": "Name", "Value.$": "States.Format('{}-namespace', $.Name)"}]},
        result_selector={"OperationId.$": "$.OperationId"},
        result_path="$.Discovery",
        comment="Asynchronous: the answer is an operation id, the namespace id comes with the operation. Its compensation therefore looks the operation up first (Compensate.Lookup), so that the namespace is undone whenever this step ran, even if the run stopped before the operation was polled; see workflows/README.md.",
        compensate=undo(
            "servicediscovery", "deleteNamespace",
            {"Id.$": "$.Lookup.Operation.Targets.NAMESPACE"},
            lookup=("servicediscovery", "getOperation", {"OperationId.$": "$.Result.OperationId"}),
            retry=[retry_on("ServiceDiscovery.ResourceInUseException", interval=10, attempts=12)]),
        next="Start polling the namespace operation",
    )
    describe = describe_task("servicediscovery", "getOperation",
                             {"OperationId.$": "$.Discovery.OperationId"},
                             "$.Operation.Status",
                             {"NamespaceId.$": "$.Operation.Targets.NAMESPACE"})
    poll(states, "Namespace", describe=describe, ready="SUCCESS", failed=["FAIL"],
         next="Read the namespace", seconds=5, max_polls=60, what="the namespace operation")
    states["Read the namespace"] = task(
        "servicediscovery", "getNamespace",
        {"Id.$": "$.Readiness.Namespace.NamespaceId"},
        result_selector={
            "NamespaceId.$": "$.Namespace.Id",
            "NamespaceArn.$": "$.Namespace.Arn",
            "HostedZoneId.$": "$.Namespace.Properties.DnsProperties.HostedZoneId",
        },
        result_path="$.Discovery",
        next="Create the discovery service",
    )
    states["Create the discovery service"] = task(
        "servicediscovery", "createService",
        {"Name.$": "$.ServiceName",
         "NamespaceId.$": "$.Discovery.NamespaceId",
         "Description": "the ECS tasks of the service register here (A records, one per task)",
         "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "Ttl": 60}]},
         "HealthCheckCustomConfig": {"FailureThreshold": 1},
         "Tags": [{"Key": "Name", "Value.$": "States.Format('{}-discovery', $.Name)"}]},
        result_selector={"ServiceId.$": "$.Service.Id", "ServiceArn.$": "$.Service.Arn"},
        result_path="$.Discovery.Service",
        compensate=undo("servicediscovery", "deleteService", {"Id.$": "$.Result.Service.Id"},
                        retry=[retry_on("ServiceDiscovery.ResourceInUseException", interval=10, attempts=12)]),
        next="Discovery done",
    )
    states["Discovery done"] = {
        "Type": "Pass",
        "Parameters": {
            "NamespaceId.$": "$.Discovery.NamespaceId",
            "NamespaceArn.$": "$.Discovery.NamespaceArn",
            "HostedZoneId.$": "$.Discovery.HostedZoneId",
            "ServiceId.$": "$.Discovery.Service.ServiceId",
            "ServiceArn.$": "$.Discovery.Service.ServiceArn",
        },
        "End": True,
    }
    return {"StartAt": "Create the namespace", "States": states}


def cert_path(suffix):
    return f"States.Format('/certs/{{}}.{suffix}', $.ServiceName)"


def mesh_branch():
    """App Mesh: mesh, virtual node, virtual service, virtual gateway, gateway route."""
    mesh_name = "$.Mesh.Name"
    states = {}

    def appmesh(action, params, result_key, arn_path, compensate_params, next):
        return task("appmesh", action, params,
                    result_selector={"Arn.$": arn_path},
                    result_path=f"$.MeshResult.{result_key}",
                    compensate=undo("appmesh", action.replace("create", "delete"), compensate_params,
                                    retry=[retry_on("AppMesh.ResourceInUseException", interval=5, attempts=6)]),
                    next=next)

    states["Create the mesh"] = appmesh(
        "createMesh",
        {"MeshName.$": mesh_name,
         "Spec": {"EgressFilter": {"Type": "DROP_ALL"}},
         "Tags": tags("mesh")},
        "Mesh", "$.Mesh.Metadata.Arn",
        {"MeshName.$": "$.Parameters.MeshName"}, "Create the virtual node")
    states["Create the virtual node"] = appmesh(
        "createVirtualNode",
        {"MeshName.$": mesh_name,
         "VirtualNodeName.$": "$.Mesh.VirtualNode",
         "Spec": {
             "Listeners": [{
                 "PortMapping": {"Port.$": "$.App.Port", "Protocol": "tcp"},
                 "HealthCheck": {"HealthyThreshold": 3, "IntervalMillis": 10000, "Path": "/",
                                 "Port.$": "$.App.Port", "Protocol": "tcp",
                                 "TimeoutMillis": 5000, "UnhealthyThreshold": 2},
             }],
             "BackendDefaults": {"ClientPolicy": {"Tls": {
                 "Enforce": False,
                 "Validation": {"Trust": {"File": {"CertificateChain.$": cert_path("crt")}}},
             }}},
             "ServiceDiscovery": {"AwsCloudMap": {"NamespaceName.$": "$.Namespace",
                                                  "ServiceName.$": "$.ServiceName"}},
         },
         "Tags": tags("vnode")},
        "VirtualNode", "$.VirtualNode.Metadata.Arn",
        {"MeshName.$": "$.Parameters.MeshName", "VirtualNodeName.$": "$.Parameters.VirtualNodeName"},
        "Create the virtual service")
    states["Create the virtual service"] = appmesh(
        "createVirtualService",
        {"MeshName.$": mesh_name,
         "VirtualServiceName.$": "$.Mesh.VirtualService",
         "Spec": {"Provider": {"VirtualNode": {"VirtualNodeName.$": "$.Mesh.VirtualNode"}}},
         "Tags": tags("vsvc")},
        "VirtualService", "$.VirtualService.Metadata.Arn",
        {"MeshName.$": "$.Parameters.MeshName", "VirtualServiceName.$": "$.Parameters.VirtualServiceName"},
        "Create the virtual gateway")
    states["Create the virtual gateway"] = appmesh(
        "createVirtualGateway",
        {"MeshName.$": mesh_name,
         "VirtualGatewayName.$": "$.Mesh.VirtualGateway",
         "Spec": {
             "Listeners": [
                 {"PortMapping": {"Port": 8443, "Protocol": "http"},
                  "Tls": {"Mode": "PERMISSIVE",
                          "Certificate": {"File": {"CertificateChain.$": cert_path("crt"),
                                                   "PrivateKey.$": cert_path("key")}}}},
                 {"PortMapping": {"Port": 8080, "Protocol": "http"}},
             ],
             "Logging": {"AccessLog": {"File": {"Path": "/dev/stdout"}}},
         },
         "Tags": tags("vgw")},
        "VirtualGateway", "$.VirtualGateway.Metadata.Arn",
        {"MeshName.$": "$.Parameters.MeshName", "VirtualGatewayName.$": "$.Parameters.VirtualGatewayName"},
        "Create the gateway route")
    states["Create the gateway route"] = appmesh(
        "createGatewayRoute",
        {"MeshName.$": mesh_name,
         "VirtualGatewayName.$": "$.Mesh.VirtualGateway",
         "GatewayRouteName.$": "$.Mesh.GatewayRoute",
         "Spec": {"HttpRoute": {
             "Match": {"Prefix": "/", "Port": 8443},
             "Action": {
                 "Target": {"VirtualService": {"VirtualServiceName.$": "$.Mesh.VirtualService"}},
                 "Rewrite": {"Prefix": {"DefaultPrefix": "ENABLED"},
                             "Hostname": {"DefaultTargetHostname": "DISABLED"}},
             },
         }},
         "Tags": tags("route")},
        "GatewayRoute", "$.GatewayRoute.Metadata.Arn",
        {"MeshName.$": "$.Parameters.MeshName", "VirtualGatewayName.$": "$.Parameters.VirtualGatewayName",
         "GatewayRouteName.$": "$.Parameters.GatewayRouteName"},
        "Mesh done")
    states["Mesh done"] = {"Type": "Pass", "InputPath": "$.MeshResult", "End": True}
    return {"StartAt": "Create the mesh", "States": states}


def cluster_branch():
    return {
        "StartAt": "Create the cluster",
        "States": {
            "Create the cluster": task(
                "ecs", "createCluster",
                {"ClusterName.$": "$.Name",
                 "CapacityProviders": ["FARGATE"],
                 "Settings": [{"Name": "containerInsights", "Value": "enabled"}],
                 "Tags": tags("cluster")},
                result_selector={"ClusterArn.$": "$.Cluster.ClusterArn", "ClusterName.$": "$.Cluster.ClusterName"},
                compensate=undo("ecs", "deleteCluster", {"Cluster.$": "$.Result.Cluster.ClusterArn"},
                                retry=[retry_on("Ecs.ClusterContainsServicesException",
                                                "Ecs.ClusterContainsTasksException", interval=10, attempts=18)]),
                end=True,
            ),
        },
    }


def bastion_branch():
    states = {}
    states["Launch the bastion"] = task(
        "ec2", "runInstances",
        {"ImageId.$": "$.Bastion.ImageId",
         "InstanceType.$": "$.Bastion.InstanceType",
         "MinCount": 1, "MaxCount": 1,
         "SubnetId.$": "$.Net.SubnetIds[0]",
         "SecurityGroupIds.$": "$.Net.SecurityGroupIds",
         "MetadataOptions": {"HttpTokens": "required"},
         "IamInstanceProfile.$": "$.Bastion.IamInstanceProfile",
         "TagSpecifications": [{"ResourceType": "instance", "Tags": tags("bastion")}]},
        result_selector={"InstanceId.$": "$.Instances[0].InstanceId"},
        result_path="$.Bastion",
        compensate=undo("ec2", "terminateInstances",
                        {"InstanceIds.$": "States.Array($.Result.Instances[0].InstanceId)"}),
        comment="Inside the VPC, no public address, IMDSv2 only; no user data (nothing secret ever goes there).",
        next="Start polling the bastion",
    )
    poll(states, "Bastion",
         describe=describe_task("ec2", "describeInstances",
                                {"InstanceIds.$": "States.Array($.Bastion.InstanceId)"},
                                "$.Reservations[0].Instances[0].State.Name",
                                {"PrivateIpAddress.$": "$.Reservations[0].Instances[0].PrivateIpAddress"}),
         ready="running", failed=["terminated", "shutting-down", "stopped"],
         next="Bastion done", seconds=5, max_polls=60, what="the bastion")
    states["Bastion done"] = {
        "Type": "Pass",
        "Parameters": {"InstanceId.$": "$.Bastion.InstanceId",
                       "PrivateIpAddress.$": "$.Readiness.Bastion.PrivateIpAddress"},
        "End": True,
    }
    return {"StartAt": "Launch the bastion", "States": states}


# --------------------------------------------------------------------------------------
# After the join: DNS, certificates on EFS, the task definition and the service, checks.

def dns_branch():
    states = {}
    states["Front record: own zone or the namespace's?"] = {
        "Type": "Choice",
        "Comment": "On AWS, a private hosted zone with the namespace's name is the namespace's own (a second one for the same VPC is refused): FrontRecordZone \"Namespace\" puts the record there. \"Create\" makes a private zone for Domain (needed when the namespace is another name; and on the emulator, which names the namespace's zone <name>-hz).",
        "Choices": [{"Variable": "$.FrontRecordZone", "StringEquals": "Namespace",
                     "Next": "Use the namespace's zone"}],
        "Default": "Create the hosted zone",
    }
    states["Use the namespace's zone"] = {
        "Type": "Pass",
        "Parameters": {"HostedZoneId.$": "$.Stack.Discovery.HostedZoneId", "Created": False},
        "ResultPath": "$.Zone",
        "Next": "Point the front host at the load balancer",
    }
    states["Create the hosted zone"] = task(
        "route53", "createHostedZone",
        {"Name.$": "$.Domain",
         "HostedZoneConfig": {"PrivateZone": True, "Comment": "flow: the seed stack's front domain"},
         "Vpc": {"VpcRegion.$": "$.Region", "VpcId.$": "$.Net.VpcId"}},
        result_selector={"HostedZoneId.$": "$.HostedZone.Id", "Created": True},
        result_path="$.Zone",
        compensate=undo("route53", "deleteHostedZone", {"Id.$": "$.Result.HostedZone.Id"},
                        retry=[retry_on("Route53.HostedZoneNotEmptyException", interval=5, attempts=6)]),
        comment="CallerReference is derived by flow from the execution and step.",
        next="Point the front host at the load balancer",
    )
    record = {
        "Name.$": "$.FrontHost",
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId.$": "$.Stack.Balancer.CanonicalHostedZoneId",
            "DnsName.$": "$.Stack.Balancer.DnsName",
            "EvaluateTargetHealth": False,
        },
    }
    states["Point the front host at the load balancer"] = task(
        "route53", "changeResourceRecordSets",
        {"HostedZoneId.$": "$.Zone.HostedZoneId",
         "ChangeBatch": {"Comment": "flow: front host -> internal NLB",
                         "Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}},
        result_selector={"ChangeId.$": "$.ChangeInfo.Id"},
        result_path="$.Record",
        compensate=undo("route53", "changeResourceRecordSets", {
            "HostedZoneId.$": "$.Parameters.HostedZoneId",
            "ChangeBatch": {"Changes": [{
                "Action": "DELETE",
                "ResourceRecordSet.$": "$.Parameters.ChangeBatch.Changes[0].ResourceRecordSet"}]},
        }),
        comment="UPSERT, so a step re-run after a crash changes nothing. The undo deletes exactly the record set sent.",
        next="Start polling the record change",
    )
    poll(states, "Record",
         describe=describe_task("route53", "getChange", {"Id.$": "$.Record.ChangeId"},
                                "$.ChangeInfo.Status"),
         ready="INSYNC", failed=[], next="DNS done", seconds=5, max_polls=60,
         what="the record change")
    states["DNS done"] = {
        "Type": "Pass",
        "Parameters": {"HostedZoneId.$": "$.Zone.HostedZoneId", "ZoneCreated.$": "$.Zone.Created",
                       "Record.$": "$.FrontHost"},
        "End": True,
    }
    return {"StartAt": "Front record: own zone or the namespace's?", "States": states}


def certificates_states(next):
    """Puts the certificate chain and key on EFS. See workflows/README.md, "The key on EFS"."""
    states = {}
    states["How to put the certificates on EFS?"] = {
        "Type": "Choice",
        "Comment": "CertInstall.Mode: \"bastion\" (AWS: over SSH through Session Manager to the bastion, which mounts the access point with TLS) or \"local\" (the emulator has no file system to write: a directory under state/ stands in for the access point's root).",
        "Choices": [
            {"Variable": "$.CertInstall.Mode", "StringEquals": "bastion", "Next": "Put the certificates on EFS through the bastion"},
            {"Variable": "$.CertInstall.Mode", "StringEquals": "local", "Next": "Put the certificates in the local stand-in"},
        ],
        "Default": "Unknown certificate install mode",
    }
    states["Unknown certificate install mode"] = {
        "Type": "Fail", "Error": "Flow.InvalidInput",
        "Cause": "CertInstall.Mode must be \"bastion\" or \"local\"",
    }
    payload = {
        "FileSystemId.$": "$.Stack.Storage.FileSystemId",
        "AccessPointId.$": "$.Stack.Storage.AccessPointId",
        "BaseName.$": "$.ServiceName",
        "Certificate": {"Flow.Secret.$": "$.CertificateFile"},
        "Chain": {"Flow.Secret.$": "$.ChainFile"},
        "PrivateKey": {"Flow.Secret.$": "$.PrivateKeyFile"},
    }
    bastion_payload = dict(payload)
    bastion_payload.update({
        "InstanceId.$": "$.Stack.Bastion.InstanceId",
        "Region.$": "$.Region",
        "SshUser.$": "$.CertInstall.SshUser",
    })
    local_payload = dict(payload)
    local_payload["Root.$"] = "$.CertInstall.LocalRoot"
    for name, mode, extra in [
        ("Put the certificates on EFS through the bastion", "bastion", bastion_payload),
        ("Put the certificates in the local stand-in", "local", local_payload),
    ]:
        states[name] = {
            "Type": "Task",
            "Comment": "The key reaches the step as a secret reference; flow resolves it into the program's stdin only (never argv, environment, history or logs). The program writes it with mode 0400 for uid 1337.",
            "Resource": "flow:command",
            "Parameters": {
                "Command": ["workflows/steps/put-certificates", mode],
                "Input": extra,
                "TimeoutSeconds": 300,
            },
            "ResultPath": "$.CertificateFiles",
            "Retry": [retry_on("Flow.Command.Failed", interval=10, attempts=3, rate=2)],
            "Compensate": {
                "Resource": "flow:command",
                "Parameters": {
                    "Command": ["workflows/steps/put-certificates", f"remove-{mode}"],
                    "Input.$": "$.Result",
                    "TimeoutSeconds": 300,
                },
            },
            "Next": next,
        }
    return states


def envoy_container():
    """The Envoy sidecar exactly as seed.md registers it."""
    return {
        "Name": "envoy",
        "Image.$": "$.Envoy.Image",
        "Cpu": 0,
        "Memory": 500,
        "Essential": True,
        "User": "1337",
        "PortMappings": [
            {"ContainerPort": 8443, "HostPort": 8443, "Protocol": "tcp"},
            {"ContainerPort": 8080, "HostPort": 8080, "Protocol": "tcp"},
            {"ContainerPort": 9901, "HostPort": 9901, "Protocol": "tcp"},
        ],
        "Environment": [
            {"Name": "APPMESH_VIRTUAL_NODE_NAME",
             "Value.$": "States.Format('mesh/{}/virtualGateway/{}', $.Mesh.Name, $.Mesh.VirtualGateway)"},
            {"Name": "ENVOY_LOG_LEVEL", "Value": "debug"},
        ],
        "MountPoints": [{"SourceVolume": "cert-vol", "ContainerPath": "/certs", "ReadOnly": True}],
        "LogConfiguration": log_configuration("envoy"),
        "HealthCheck": {
            "Command": ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep -q LIVE"],
            "Interval": 5, "Timeout": 2, "Retries": 3, "StartPeriod": 60,
        },
    }


def log_configuration(prefix):
    return {
        "LogDriver": "awslogs",
        "Options": {
            "awslogs-group.$": "States.Format('/ecs/{}-task', $.Name)",
            "awslogs-region.$": "$.Region",
            "awslogs-stream-prefix": prefix,
            "awslogs-create-group": "true",
        },
    }


def app_container(service_connect):
    port_mapping = {"ContainerPort.$": "$.App.Port", "HostPort.$": "$.App.Port", "Protocol": "tcp"}
    if service_connect:
        port_mapping["Name"] = "app"
    return {
        "Name": "app",
        "Image.$": "$.App.Image",
        "Essential": True,
        "PortMappings": [port_mapping],
        "Environment": [
            {"Name": "TLS_CERTIFICATE_FILE", "Value.$": cert_path("crt")},
            {"Name": "TLS_PRIVATE_KEY_FILE", "Value.$": cert_path("key")},
        ],
        "MountPoints": [{"SourceVolume": "cert-vol", "ContainerPath": "/certs", "ReadOnly": True}],
        "LogConfiguration": log_configuration("app"),
    }


def service_states(service_connect):
    states = {}
    containers = [app_container(service_connect)]
    if not service_connect:
        containers.append(envoy_container())
    states["Register the task definition"] = task(
        "ecs", "registerTaskDefinition",
        {"Family.$": "States.Format('{}-task', $.Name)",
         "NetworkMode": "awsvpc",
         "RequiresCompatibilities": ["FARGATE"],
         "Cpu": "1024",
         "Memory": "2048",
         "RuntimePlatform": {"OperatingSystemFamily": "LINUX"},
         "ExecutionRoleArn.$": "$.Ecs.ExecutionRoleArn",
         "TaskRoleArn.$": "$.Ecs.TaskRoleArn",
         "ContainerDefinitions": containers,
         "Volumes": [{
             "Name": "cert-vol",
             "EfsVolumeConfiguration": {
                 "FileSystemId.$": "$.Stack.Storage.FileSystemId",
                 "RootDirectory": "/",
                 "TransitEncryption": "ENABLED",
                 "AuthorizationConfig": {"AccessPointId.$": "$.Stack.Storage.AccessPointId", "Iam": "DISABLED"},
             },
         }],
         "Tags": tags("task")},
        result_selector={"TaskDefinitionArn.$": "$.TaskDefinition.TaskDefinitionArn"},
        result_path="$.TaskDefinition",
        compensate=undo("ecs", "deregisterTaskDefinition",
                        {"TaskDefinition.$": "$.Result.TaskDefinition.TaskDefinitionArn"}),
        comment="The application container and the Envoy sidecar of seed.md; cert-vol is the EFS access point, mounted read-only at /certs (the application terminates TLS with the same files).",
        next="Create the service",
    )
    service = {
        "Cluster.$": "$.Stack.Cluster.ClusterArn",
        "ServiceName.$": "$.ServiceName",
        "TaskDefinition.$": "$.TaskDefinition.TaskDefinitionArn",
        "DesiredCount.$": "$.DesiredCount",
        "LaunchType": "FARGATE",
        "PlatformVersion": "LATEST",
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "Subnets.$": "$.Net.SubnetIds",
            "SecurityGroups.$": "$.Net.SecurityGroupIds",
            "AssignPublicIp": "DISABLED",
        }},
        "LoadBalancers": [{
            "TargetGroupArn.$": "$.Stack.Balancer.TargetGroupArn",
            "ContainerName": "app",
            "ContainerPort.$": "$.App.Port",
        }],
        "ServiceRegistries": [{"RegistryArn.$": "$.Stack.Discovery.ServiceArn"}],
        "HealthCheckGracePeriodSeconds": 60,
        "PropagateTags": "SERVICE",
        "Tags": tags("service"),
    }
    if service_connect:
        service["ServiceConnectConfiguration"] = {
            "Enabled": True,
            "Namespace.$": "$.Stack.Discovery.NamespaceArn",
            "Services": [{
                "PortName": "app",
                "DiscoveryName.$": "States.Format('{}-connect', $.ServiceName)",
                "ClientAliases": [{"Port.$": "$.App.Port",
                                   "DnsName.$": "States.Format('{}.internal', $.ServiceName)"}],
            }],
            "LogConfiguration": log_configuration("service-connect"),
        }
    states["Create the service"] = task(
        "ecs", "createService", service,
        result_selector={"ServiceArn.$": "$.Service.ServiceArn", "ServiceName.$": "$.Service.ServiceName"},
        result_path="$.Service",
        compensate=undo("ecs", "deleteService",
                        {"Cluster.$": "$.Result.Service.ClusterArn",
                         "Service.$": "$.Result.Service.ServiceArn",
                         "Force": True}),
        comment="Registers each task in the target group (application port) and in Cloud Map. ClientToken is derived by flow.",
        next="Wait for a steady state?",
    )
    states["Wait for a steady state?"] = {
        "Type": "Choice",
        "Comment": "WaitForSteadyState false skips the wait (the emulator never starts tasks).",
        "Choices": [{"Variable": "$.WaitForSteadyState", "BooleanEquals": True,
                     "Next": "Start polling the service deployment"}],
        "Default": "Service done",
    }
    poll(states, "Service",
         describe=describe_task(
             "ecs", "describeServices",
             {"Cluster.$": "$.Stack.Cluster.ClusterArn", "Services.$": "States.Array($.Service.ServiceArn)"},
             "$.Services[0].Deployments[0].RolloutState",
             {"RunningCount.$": "$.Services[0].RunningCount", "DesiredCount.$": "$.Services[0].DesiredCount"}),
         ready="COMPLETED", failed=["FAILED"], next="Service done", seconds=15, max_polls=80,
         what="the service deployment")
    states["Service done"] = {
        "Type": "Pass",
        "Parameters": {
            "TaskDefinitionArn.$": "$.TaskDefinition.TaskDefinitionArn",
            "ServiceArn.$": "$.Service.ServiceArn",
            "ServiceName.$": "$.Service.ServiceName",
        },
        "End": True,
    }
    return states


def checks_states(next):
    states = {}
    states["Run the traffic checks?"] = {
        "Type": "Choice",
        "Comment": "Checks.Run: the three checks of seed.md, trusting the CAs of ChainFile. Names resolve only inside the VPC: run flow there (e.g. on the bastion) when Checks.Run is true.",
        "Choices": [{"Variable": "$.Checks.Run", "BooleanEquals": True, "Next": "Traffic checks"}],
        "Default": next,
    }

    def check(name, url, expected_error=None):
        state = {
            "Type": "Task",
            "Resource": "flow:https-check",
            "Parameters": {
                "Url.$": url,
                "Method": "HEAD",
                "ExpectedStatus": 200,
                "CaFile.$": "$.ChainFile",
                "TimeoutSeconds": 10,
            },
            "Retry": [retry_on("Flow.Https.ConnectionFailed", "Flow.Https.Timeout",
                               "Flow.Https.UnexpectedStatus", interval=10, attempts=6)],
        }
        branch = {"StartAt": name, "States": {name: state}}
        if expected_error:
            refused = f"{name}: refused as expected"
            accepted = f"{name}: accepted (wrong)"
            state["ResultPath"] = None
            state["Catch"] = [{"ErrorEquals": [expected_error], "ResultPath": "$.Refusal", "Next": refused}]
            state["Next"] = accepted
            branch["States"][refused] = {"Type": "Pass", "Parameters": {"Check": name, "Refused.$": "$.Refusal.Error"}, "End": True}
            branch["States"][accepted] = {
                "Type": "Fail", "Error": "Flow.CheckFailed",
                "Cause": "the load balancer's own name was accepted: its certificate must name only the service hosts",
            }
        else:
            state["ResultSelector"] = {"Check": name, "Status.$": "$.Status", "HttpVersion.$": "$.HttpVersion",
                                       "Subject.$": "$.Certificate.Subject"}
            state["End"] = True
        return branch

    states["Traffic checks"] = {
        "Type": "Parallel",
        "Comment": "seed.md's checks: the service directly, the whole chain from Route53, and the NLB's own name refused.",
        "Branches": [
            check("Service answers directly",
                  "States.Format('https://{}.{}:{}/swagger-ui/', $.ServiceName, $.Namespace, $.App.Port)"),
            check("Front host answers through the NLB",
                  "States.Format('https://{}/swagger-ui/', $.FrontHost)"),
            check("NLB name is refused",
                  "States.Format('https://{}/swagger-ui/', $.Stack.Balancer.DnsName)",
                  expected_error="Flow.Https.HostnameMismatch"),
        ],
        "ResultPath": "$.Checks.Results",
        "Next": next,
    }
    return states


def summary_state(service_connect):
    resources = [
        {"Kind": "VPC", "Name.$": "$.Name", "Id.$": "$.Net.VpcId"},
        {"Kind": "Subnets", "Name.$": "$.Name", "Id.$": "$.Net.SubnetIds"},
        {"Kind": "Security groups", "Name.$": "$.Name", "Id.$": "$.Net.SecurityGroupIds"},
        {"Kind": "ACM certificate", "Name.$": "$.FrontHost", "Id.$": "$.Stack.Balancer.CertificateArn"},
        {"Kind": "EFS file system", "Name.$": "States.Format('{}-certs', $.Name)", "Id.$": "$.Stack.Storage.FileSystemId"},
        {"Kind": "EFS mount targets", "Name.$": "States.Format('{}-certs', $.Name)", "Id.$": "$.Stack.Storage.MountTargetIds"},
        {"Kind": "EFS access point", "Name": "/certs", "Id.$": "$.Stack.Storage.AccessPointId"},
        {"Kind": "Load balancer (NLB)", "Name.$": "$.Stack.Balancer.DnsName", "Id.$": "$.Stack.Balancer.LoadBalancerArn"},
        {"Kind": "TLS listener", "Name": "443", "Id.$": "$.Stack.Balancer.ListenerArn"},
        {"Kind": "Target group", "Name.$": "States.Format('{}-tg', $.Name)", "Id.$": "$.Stack.Balancer.TargetGroupArn"},
        {"Kind": "Route53 hosted zone", "Name.$": "$.Domain", "Id.$": "$.Deployed.Dns.HostedZoneId"},
        {"Kind": "Route53 record", "Name.$": "$.FrontHost", "Id.$": "$.Deployed.Dns.HostedZoneId"},
        {"Kind": "Cloud Map namespace", "Name.$": "$.Namespace", "Id.$": "$.Stack.Discovery.NamespaceId"},
        {"Kind": "Cloud Map service", "Name.$": "$.ServiceName", "Id.$": "$.Stack.Discovery.ServiceId"},
        {"Kind": "ECS cluster", "Name.$": "$.Name", "Id.$": "$.Stack.Cluster.ClusterArn"},
        {"Kind": "ECS task definition", "Name.$": "States.Format('{}-task', $.Name)", "Id.$": "$.Deployed.Service.TaskDefinitionArn"},
        {"Kind": "ECS service", "Name.$": "$.ServiceName", "Id.$": "$.Deployed.Service.ServiceArn"},
    ]
    if not service_connect:
        resources += [
            {"Kind": "App Mesh mesh", "Name.$": "$.Mesh.Name", "Id.$": "$.Stack.Mesh.Mesh.Arn"},
            {"Kind": "App Mesh virtual node", "Name.$": "$.Mesh.VirtualNode", "Id.$": "$.Stack.Mesh.VirtualNode.Arn"},
            {"Kind": "App Mesh virtual service", "Name.$": "$.Mesh.VirtualService", "Id.$": "$.Stack.Mesh.VirtualService.Arn"},
            {"Kind": "App Mesh virtual gateway", "Name.$": "$.Mesh.VirtualGateway", "Id.$": "$.Stack.Mesh.VirtualGateway.Arn"},
            {"Kind": "App Mesh gateway route", "Name.$": "$.Mesh.GatewayRoute", "Id.$": "$.Stack.Mesh.GatewayRoute.Arn"},
        ]
    resources.append({"Kind": "Bastion (EC2)", "Name.$": "States.Format('{}-bastion', $.Name)", "Id.$": "$.Stack.Bastion.InstanceId"})
    return {
        "Type": "Pass",
        "Comment": "The execution's output: what exists now (kind, name, id or ARN), for the demo's table and for scripts.",
        "Parameters": {
            "Resources": resources,
            "NetworkCreated.$": "$.Net.Created",
            "FrontHost.$": "$.FrontHost",
            "LoadBalancerDnsName.$": "$.Stack.Balancer.DnsName",
            "CertificateFiles.$": "$.Deployed.CertificateFiles",
        },
        "End": True,
    }


def machine(service_connect):
    states = network_states()
    branches = [
        ("Balancer", certificate_and_balancer_branch()),
        ("Storage", storage_branch()),
        ("Discovery", discovery_branch()),
    ]
    if not service_connect:
        branches.append(("Mesh", mesh_branch()))
    branches += [("Cluster", cluster_branch()), ("Bastion", bastion_branch())]
    names = [name for name, _ in branches]
    states["Provision"] = {
        "Type": "Parallel",
        "Comment": "The independent parts at once: certificate + NLB + target group, EFS, Cloud Map"
                   + (", App Mesh" if not service_connect else "")
                   + ", the ECS cluster, the bastion.",
        "Branches": [branch for _, branch in branches],
        "ResultSelector": {f"{name}.$": f"$[{i}]" for i, name in enumerate(names)},
        "ResultPath": "$.Stack",
        "Next": "Deploy",
    }
    service_branch_states = certificates_states("Register the task definition")
    service_branch_states.update(service_states(service_connect))
    service_branch_states["Service done"]["Parameters"]["CertificateFiles.$"] = "$.CertificateFiles"
    states["Deploy"] = {
        "Type": "Parallel",
        "Comment": "Needs the join: the record needs the NLB (and maybe the namespace's zone); the service needs the target group, the Cloud Map service, the cluster and the EFS ids, and the certificates on EFS before its tasks start.",
        "Branches": [
            dns_branch(),
            {"StartAt": "How to put the certificates on EFS?", "States": service_branch_states},
        ],
        "ResultSelector": {
            "Dns.$": "$[0]",
            "Service.$": "$[1]",
            "CertificateFiles.$": "$[1].CertificateFiles",
        },
        "ResultPath": "$.Deployed",
        "Next": "Run the traffic checks?",
    }
    states.update(checks_states("Summary"))
    states["Summary"] = summary_state(service_connect)
    variant = "ECS Service Connect" if service_connect else "App Mesh"
    comment = (
        f"The stack of seed.md ({variant} variant): an imported ACM certificate, EFS holding its chain and key, "
        "an internal NLB with a TLS listener and its target group, a Route53 record for the front host, "
        "Cloud Map, an ECS Fargate cluster/task definition/service"
        + (" with the Envoy sidecar, App Mesh (mesh, virtual node/service/gateway, gateway route)" if not service_connect
           else " using Service Connect (no App Mesh)")
        + ", a bastion, and the traffic checks. Input: workflows/README.md. Generated by workflows/generate.py."
    )
    return {"Comment": comment, "StartAt": "Network given or created?", "TimeoutSeconds": 7200, "States": states}


def render(value):
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def main(argv):
    outputs = {
        HERE / "provision.json": render(machine(service_connect=False)),
        HERE / "provision-service-connect.json": render(machine(service_connect=True)),
    }
    if "--check" in argv:
        stale = [path.name for path, text in outputs.items()
                 if not path.exists() or path.read_text() != text]
        if stale:
            print(f"out of date (run python3 workflows/generate.py): {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    for path, text in outputs.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
