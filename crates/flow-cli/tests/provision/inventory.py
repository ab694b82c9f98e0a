#!/usr/bin/env python3
"""What the emulator holds, through its own list/describe calls, checked against seed.md.

    inventory.py ENDPOINT provisioned appmesh|service-connect [--network created|given]
    inventory.py ENDPOINT empty [--keep-network]

Prints {"counts": {kind: n}, "problems": [...]} and exits 1 when there are problems.
"provisioned": exactly one of each resource of the stack (two subnets and two mount targets
when the network was created), with the settings of seed.md. "empty": zero of every kind
(the default VPC, its subnets and default security groups excepted; `--keep-network`
excepts the given network too).

Runs with the emulator's virtual environment (boto3 comes with moto).
"""

import json
import sys

import boto3

endpoint, mode = sys.argv[1], sys.argv[2]
variant = sys.argv[3] if mode == "provisioned" else None
options = sys.argv[4:] if mode == "provisioned" else sys.argv[3:]
network_created = "--network" not in options or options[options.index("--network") + 1] == "created"
keep_network = "--keep-network" in options

session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                region_name="us-east-1")


def client(name):
    return session.client(name, endpoint_url=endpoint)


ec2, acm, efs, elb = client("ec2"), client("acm"), client("efs"), client("elbv2")
r53, sd, ecs, mesh = client("route53"), client("servicediscovery"), client("ecs"), client("appmesh")

inv = {}
vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
inv["vpc"] = vpcs
inv["subnet"] = [s for s in ec2.describe_subnets()["Subnets"] if not s.get("DefaultForAz")]
inv["security group"] = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
             if i["State"]["Name"] not in ("terminated", "shutting-down")]
inv["instance"] = instances
inv["certificate"] = acm.list_certificates()["CertificateSummaryList"]
file_systems = efs.describe_file_systems()["FileSystems"]
inv["file system"] = file_systems
inv["mount target"] = [m for fs in file_systems for m in efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]]
inv["access point"] = efs.describe_access_points()["AccessPoints"]
balancers = elb.describe_load_balancers()["LoadBalancers"]
inv["load balancer"] = balancers
inv["listener"] = [l for b in balancers for l in elb.describe_listeners(LoadBalancerArn=b["LoadBalancerArn"])["Listeners"]]
inv["target group"] = elb.describe_target_groups()["TargetGroups"]
zones = r53.list_hosted_zones()["HostedZones"]
# moto's Cloud Map makes a zone "<namespace>-hz" for each private DNS namespace: it is the
# namespace's, counted with it.
own_zones = [z for z in zones if not z["Name"].rstrip(".").endswith("-hz")]
inv["hosted zone"] = own_zones
inv["record"] = [dict(r, Zone=z["Name"]) for z in zones
                 for r in r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
                 if r["Type"] not in ("SOA", "NS")]
inv["namespace"] = sd.list_namespaces()["Namespaces"]
inv["discovery service"] = sd.list_services()["Services"]
clusters = [c for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
            if c["status"] == "ACTIVE"] if ecs.list_clusters()["clusterArns"] else []
inv["cluster"] = clusters
inv["task definition"] = ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
services = []
for c in clusters:
    arns = ecs.list_services(cluster=c["clusterArn"])["serviceArns"]
    if arns:
        services += [s for s in ecs.describe_services(cluster=c["clusterArn"], services=arns)["services"]
                     if s["status"] == "ACTIVE"]
inv["ecs service"] = services
meshes = mesh.list_meshes()["meshes"]
inv["mesh"] = meshes
for kind, lister, key in [("virtual node", mesh.list_virtual_nodes, "virtualNodes"),
                          ("virtual service", mesh.list_virtual_services, "virtualServices"),
                          ("virtual gateway", mesh.list_virtual_gateways, "virtualGateways")]:
    inv[kind] = [x for m in meshes for x in lister(meshName=m["meshName"])[key]]
inv["gateway route"] = [r for g in inv["virtual gateway"]
                        for r in mesh.list_gateway_routes(meshName=g["meshName"], virtualGatewayName=g["virtualGatewayName"])["gatewayRoutes"]]

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


counts = {kind: len(items) for kind, items in inv.items()}

if mode == "empty":
    for kind, n in counts.items():
        if keep_network and kind in ("vpc", "subnet", "security group"):
            continue
        expect(n == 0, f"{n} {kind}(s) left")
else:
    expected = {kind: 1 for kind in inv}
    expected["subnet"] = 2 if network_created else counts["subnet"]
    expected["mount target"] = 2
    if not network_created:
        expected["vpc"], expected["security group"] = counts["vpc"], counts["security group"]
    if variant == "service-connect":
        for kind in ("mesh", "virtual node", "virtual service", "virtual gateway", "gateway route"):
            expected[kind] = 0
    for kind, n in expected.items():
        expect(counts[kind] == n, f"{counts[kind]} {kind}(s), expected {n}")

    def only(kind):
        return inv[kind][0] if len(inv[kind]) == 1 else None

    # 1. The imported certificate.
    if (c := only("certificate")):
        detail = acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
        expect(detail["Type"] == "IMPORTED", f"certificate type {detail['Type']}")
        expect({"vas.example.com", "vas-api-service.example.com"} <= set(detail.get("SubjectAlternativeNames", [])),
               f"certificate SANs {detail.get('SubjectAlternativeNames')}")
    # 2. EFS.
    if (fs := only("file system")):
        expect(fs["Encrypted"], "file system not encrypted")
        expect(fs["LifeCycleState"] == "available", f"file system {fs['LifeCycleState']}")
        subnets = {m["SubnetId"] for m in inv["mount target"]}
        expect(len(subnets) == len(inv["mount target"]), "two mount targets in one subnet")
    if (ap := only("access point")):
        expect(ap["PosixUser"]["Uid"] == 1337, f"access point uid {ap['PosixUser']}")
        expect(ap["RootDirectory"]["Path"] == "/certs", f"access point root {ap['RootDirectory']}")
    # 3. Route53.
    if (z := only("hosted zone")):
        expect(z["Name"] == "example.com.", f"zone {z['Name']}")
        expect(z["Config"]["PrivateZone"], "the zone is not private")
    if (r := only("record")):
        expect(r["Name"] == "vas.example.com.", f"record {r['Name']}")
        lb = only("load balancer")
        alias = r.get("AliasTarget", {}).get("DNSName", "").rstrip(".")
        expect(lb and alias == lb["DNSName"], f"record alias {alias}")
    # 4, 5. NLB, listener, target group.
    if (lb := only("load balancer")):
        expect(lb["Scheme"] == "internal", f"scheme {lb['Scheme']}")
        expect(lb["Type"] == "network", f"type {lb['Type']}")
    if (l := only("listener")):
        expect(l["Port"] == 443 and l["Protocol"] == "TLS", f"listener {l['Protocol']} {l['Port']}")
        certificate = only("certificate")
        expect(certificate and [x["CertificateArn"] for x in l.get("Certificates", [])] == [certificate["CertificateArn"]],
               f"listener certificates {l.get('Certificates')}")
    if (tg := only("target group")):
        expect(tg["Port"] == 34559, f"target group port {tg['Port']}")
        expect(tg["HealthCheckProtocol"] == "TCP", f"health check {tg['HealthCheckProtocol']}")
        expect(tg["HealthCheckPort"] == "traffic-port", f"health check port {tg['HealthCheckPort']}")
        expect(tg["TargetType"] == "ip", f"target type {tg['TargetType']}")
    # 6. ECS.
    if inv["task definition"]:
        td = ecs.describe_task_definition(taskDefinition=inv["task definition"][0])["taskDefinition"]
        expect(td["networkMode"] == "awsvpc", f"network mode {td['networkMode']}")
        expect(td["cpu"] == "1024" and td["memory"] == "2048", f"cpu/memory {td['cpu']}/{td['memory']}")
        expect(td.get("requiresCompatibilities") == ["FARGATE"], f"compatibilities {td.get('requiresCompatibilities')}")
        containers = {c["name"]: c for c in td["containerDefinitions"]}
        volume = td["volumes"][0]["efsVolumeConfiguration"] if td.get("volumes") else {}
        fs = only("file system")
        ap = only("access point")
        expect(fs and volume.get("fileSystemId") == fs["FileSystemId"], f"volume {volume}")
        expect(volume.get("transitEncryption") == "ENABLED", f"transit encryption {volume.get('transitEncryption')}")
        expect(ap and volume.get("authorizationConfig", {}).get("accessPointId") == ap["AccessPointId"]
               and volume.get("authorizationConfig", {}).get("iam") == "DISABLED", f"volume authorization {volume}")
        expect("app" in containers, "no app container")
        if variant == "appmesh":
            envoy = containers.get("envoy")
            expect(envoy is not None, "no envoy container")
            if envoy:
                ports = sorted(p["containerPort"] for p in envoy["portMappings"])
                expect(ports == [8080, 8443, 9901], f"envoy ports {ports}")
                expect(envoy.get("user") == "1337", f"envoy user {envoy.get('user')}")
                env = {e["name"]: e["value"] for e in envoy.get("environment", [])}
                expect(env.get("APPMESH_VIRTUAL_NODE_NAME") == "mesh/VAS/virtualGateway/om-vas-vgw", f"envoy env {env}")
                expect(env.get("ENVOY_LOG_LEVEL") == "debug", f"envoy env {env}")
                expect(envoy.get("mountPoints") == [{"sourceVolume": "cert-vol", "containerPath": "/certs", "readOnly": True}],
                       f"envoy mounts {envoy.get('mountPoints')}")
                hc = envoy.get("healthCheck", {})
                expect(hc.get("command") == ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep -q LIVE"]
                       and (hc.get("interval"), hc.get("timeout"), hc.get("retries"), hc.get("startPeriod")) == (5, 2, 3, 60),
                       f"envoy health check {hc}")
                expect(envoy.get("logConfiguration", {}).get("logDriver") == "awslogs", "envoy log driver")
        else:
            expect(set(containers) == {"app"}, f"containers {sorted(containers)}")
    if (s := only("ecs service")):
        expect(s["desiredCount"] == 2, f"desired count {s['desiredCount']}")
        expect(s.get("launchType") == "FARGATE", f"launch type {s.get('launchType')}")
        tg = only("target group")
        expect(tg and [b.get("targetGroupArn") for b in s.get("loadBalancers", [])] == [tg["TargetGroupArn"]],
               f"service load balancers {s.get('loadBalancers')}")
        ds = only("discovery service")
        expect(ds and [r.get("registryArn") for r in s.get("serviceRegistries", [])] == [ds["Arn"]],
               f"service registries {s.get('serviceRegistries')}")
    # 7-11. App Mesh.
    if variant == "appmesh":
        if (m := only("mesh")):
            expect(m["meshName"] == "VAS", f"mesh {m['meshName']}")
        if (g := only("virtual gateway")):
            spec = mesh.describe_virtual_gateway(meshName="VAS", virtualGatewayName=g["virtualGatewayName"])["virtualGateway"]["spec"]
            listeners = {l["portMapping"]["port"]: l for l in spec["listeners"]}
            expect(sorted(listeners) == [8080, 8443], f"gateway listeners {sorted(listeners)}")
            tls = listeners.get(8443, {}).get("tls", {})
            expect(tls.get("mode") == "PERMISSIVE"
                   and tls.get("certificate", {}).get("file", {}).get("certificateChain") == "/certs/vas-api-service.crt"
                   and tls.get("certificate", {}).get("file", {}).get("privateKey") == "/certs/vas-api-service.key",
                   f"gateway TLS {tls}")
            expect("path" in spec.get("logging", {}).get("accessLog", {}).get("file", {}), "gateway access log")
        if (r := only("gateway route")):
            spec = mesh.describe_gateway_route(meshName="VAS", virtualGatewayName=r["virtualGatewayName"],
                                               gatewayRouteName=r["gatewayRouteName"])["gatewayRoute"]["spec"]["httpRoute"]
            expect(spec["match"].get("prefix") == "/" and spec["match"].get("port") == 8443, f"route match {spec['match']}")
            expect(spec["action"]["target"]["virtualService"]["virtualServiceName"] == "om-vas-api-vsvc", "route target")
            rewrite = spec["action"].get("rewrite", {})
            expect(rewrite.get("prefix", {}).get("defaultPrefix") == "ENABLED"
                   and rewrite.get("hostname", {}).get("defaultTargetHostname") == "DISABLED", f"route rewrite {rewrite}")
        if (v := only("virtual service")):
            spec = mesh.describe_virtual_service(meshName="VAS", virtualServiceName=v["virtualServiceName"])["virtualService"]["spec"]
            expect(spec["provider"].get("virtualNode", {}).get("virtualNodeName") == "om-vas-api-server-vnode", f"provider {spec}")
        if (n := only("virtual node")):
            spec = mesh.describe_virtual_node(meshName="VAS", virtualNodeName=n["virtualNodeName"])["virtualNode"]["spec"]
            listener = spec["listeners"][0]
            expect(listener["portMapping"] == {"port": 34559, "protocol": "tcp"}, f"node listener {listener['portMapping']}")
            hc = listener.get("healthCheck", {})
            expect((hc.get("healthyThreshold"), hc.get("intervalMillis"), hc.get("path"), hc.get("port"), hc.get("protocol"),
                    hc.get("timeoutMillis"), hc.get("unhealthyThreshold")) == (3, 10000, "/", 34559, "tcp", 5000, 2),
                   f"node health check {hc}")
            tls = spec.get("backendDefaults", {}).get("clientPolicy", {}).get("tls", {})
            expect(tls.get("enforce") is False
                   and tls.get("validation", {}).get("trust", {}).get("file", {}).get("certificateChain") == "/certs/vas-api-service.crt",
                   f"node client policy {tls}")
            cloud_map = spec.get("serviceDiscovery", {}).get("awsCloudMap", {})
            expect((cloud_map.get("namespaceName"), cloud_map.get("serviceName")) == ("example.com", "vas-api-service"),
                   f"node discovery {cloud_map}")
    # 12. Cloud Map.
    if (ns := only("namespace")):
        expect(ns["Name"] == "example.com" and ns["Type"] == "DNS_PRIVATE", f"namespace {ns['Name']} {ns['Type']}")
    if (ds := only("discovery service")):
        expect(ds["Name"] == "vas-api-service", f"discovery service {ds['Name']}")
    # 13. Bastion.
    if (i := only("instance")):
        expect(i["State"]["Name"] in ("pending", "running"), f"bastion {i['State']['Name']}")

print(json.dumps({"counts": counts, "problems": problems}))
sys.exit(1 if problems else 0)
