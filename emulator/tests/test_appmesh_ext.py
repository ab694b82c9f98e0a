"""Tests of scripts/emulator and flow's App Mesh extension of moto.

Run with the emulator's own Python (it has boto3):
    state/emulator-venv/bin/python -m unittest discover -s emulator/tests -v
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "emulator"
MESH = "VAS"


def start_emulator(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, text=True,
    )
    first = proc.stdout.readline().rstrip("\n")  # type: ignore[union-attr]
    if not first.startswith("AWS_ENDPOINT_URL=http://127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"unexpected first line {first!r}")
    return proc, first.split("=", 1)[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None and not stream.closed:
            stream.close()


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/moto-api/data.json", timeout=2).read()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class EntryPoint(unittest.TestCase):
    def test_first_line_then_serves_then_stops_on_sigterm(self) -> None:
        started = time.monotonic()
        proc, url = start_emulator()
        try:
            self.assertLess(time.monotonic() - started, 60)
            self.assertTrue(answers(url))
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(10), 0)
            stop(proc)
        self.assertFalse(answers(url))

    def test_explicit_port_and_sigkill(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc, url = start_emulator("--port", str(port))
        try:
            self.assertEqual(url, f"http://127.0.0.1:{port}")
            self.assertTrue(answers(url))
        finally:
            proc.kill()
            proc.wait(10)
            stop(proc)
        self.assertFalse(answers(url))

    def test_exit_on_stdin_eof(self) -> None:
        proc = subprocess.Popen([str(SCRIPT), "--exit-on-stdin-eof"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.PIPE, text=True)
        try:
            url = proc.stdout.readline().strip().split("=", 1)[1]  # type: ignore[union-attr]
            self.assertTrue(answers(url))
            proc.stdin.close()  # type: ignore[union-attr]
            self.assertEqual(proc.wait(10), 0)
        finally:
            stop(proc)


class AppMesh(unittest.TestCase):
    proc: subprocess.Popen
    url: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.proc, cls.url = start_emulator()
        cls.c = boto3.client(
            "appmesh", endpoint_url=cls.url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    @classmethod
    def tearDownClass(cls) -> None:
        stop(cls.proc)

    def setUp(self) -> None:
        urllib.request.urlopen(
            urllib.request.Request(self.url + "/moto-api/reset", method="POST")).read()

    def raw(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any, dict]:
        """A plain HTTP call, to see the JSON exactly as the Rust SDK gets it."""
        req = urllib.request.Request(
            self.url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Content-Type": "application/json",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/"
                "appmesh/aws4_request, SignedHeaders=host, Signature=x",
            },
        )
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.headers, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read())

    def assert_error(self, fn, code: str, status: int) -> None:
        with self.assertRaises(ClientError) as ctx:
            fn()
        self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)

    def assert_numeric_times(self, metadata: dict) -> None:
        for key in ("createdAt", "lastUpdatedAt"):
            self.assertIsInstance(metadata[key], (int, float), key)
            self.assertGreater(metadata[key], 1.6e9)
            self.assertLess(abs(metadata[key] - time.time()), 600)

    def build_stack(self) -> None:
        c = self.c
        c.create_mesh(meshName=MESH)
        c.create_virtual_node(
            meshName=MESH, virtualNodeName="om-vas-api-server-vnode",
            spec={
                "listeners": [{
                    "portMapping": {"port": 34559, "protocol": "tcp"},
                    "healthCheck": {"healthyThreshold": 3, "intervalMillis": 10000, "path": "/",
                                    "port": 34559, "protocol": "tcp", "timeoutMillis": 5000,
                                    "unhealthyThreshold": 2},
                }],
                "backendDefaults": {"clientPolicy": {"tls": {
                    "enforce": False,
                    "validation": {"trust": {"file": {"certificateChain": "/certs/vas.crt"}}},
                }}},
                "serviceDiscovery": {"awsCloudMap": {"namespaceName": "example.com",
                                                     "serviceName": "vas-api-service"}},
            },
        )
        c.create_virtual_service(
            meshName=MESH, virtualServiceName="om-vas-api-vsvc",
            spec={"provider": {"virtualNode": {"virtualNodeName": "om-vas-api-server-vnode"}}},
            tags=[{"key": "team", "value": "vas"}],
        )
        c.create_virtual_gateway(
            meshName=MESH, virtualGatewayName="om-vas-vgw",
            spec={
                "listeners": [
                    {"portMapping": {"port": 8443, "protocol": "http"},
                     "tls": {"mode": "PERMISSIVE", "certificate": {"file": {
                         "certificateChain": "/certs/vas.crt", "privateKey": "/certs/vas.key"}}}},
                    {"portMapping": {"port": 8080, "protocol": "http"}},
                ],
                "logging": {"accessLog": {"file": {"path": "/var/log/envoy/access.log"}}},
            },
        )
        c.create_gateway_route(
            meshName=MESH, virtualGatewayName="om-vas-vgw",
            gatewayRouteName="vas-api-service-route",
            spec={"httpRoute": {
                "match": {"prefix": "/", "port": 8443},
                "action": {
                    "target": {"virtualService": {"virtualServiceName": "om-vas-api-vsvc"}},
                    "rewrite": {"prefix": {"defaultPrefix": "ENABLED"},
                                "hostname": {"defaultTargetHostname": "DISABLED"}},
                },
            }},
        )

    def test_whole_stack_describe_list_update_delete(self) -> None:
        c = self.build_stack() or self.c
        mesh = c.describe_mesh(meshName=MESH)["mesh"]
        self.assertEqual(mesh["metadata"]["arn"], "arn:aws:appmesh:us-east-1:123456789012:mesh/VAS")
        self.assertEqual(mesh["metadata"]["meshOwner"], "123456789012")
        self.assertEqual(mesh["spec"]["egressFilter"], {"type": "DROP_ALL"})

        vs = c.describe_virtual_service(meshName=MESH, virtualServiceName="om-vas-api-vsvc")
        vs = vs["virtualService"]
        self.assertEqual(vs["meshName"], MESH)
        self.assertEqual(vs["status"], {"status": "ACTIVE"})
        self.assertEqual(vs["spec"], {"provider": {"virtualNode": {
            "virtualNodeName": "om-vas-api-server-vnode"}}})
        self.assertEqual(vs["metadata"]["arn"], "arn:aws:appmesh:us-east-1:123456789012:"
                         "mesh/VAS/virtualService/om-vas-api-vsvc")
        self.assertEqual(vs["metadata"]["version"], 1)

        listed = c.list_virtual_services(meshName=MESH)["virtualServices"]
        self.assertEqual([s["virtualServiceName"] for s in listed], ["om-vas-api-vsvc"])
        self.assertEqual(listed[0]["meshName"], MESH)

        gw = c.describe_virtual_gateway(meshName=MESH, virtualGatewayName="om-vas-vgw")
        ports = [l["portMapping"]["port"] for l in gw["virtualGateway"]["spec"]["listeners"]]
        self.assertEqual(ports, [8443, 8080])
        self.assertEqual(gw["virtualGateway"]["spec"]["listeners"][0]["tls"]["mode"], "PERMISSIVE")
        route = c.describe_gateway_route(meshName=MESH, virtualGatewayName="om-vas-vgw",
                                         gatewayRouteName="vas-api-service-route")
        action = route["gatewayRoute"]["spec"]["httpRoute"]["action"]
        self.assertEqual(action["target"]["virtualService"]["virtualServiceName"],
                         "om-vas-api-vsvc")
        self.assertEqual(action["rewrite"]["prefix"]["defaultPrefix"], "ENABLED")
        self.assertEqual(len(c.list_virtual_nodes(meshName=MESH)["virtualNodes"]), 1)
        self.assertEqual(len(c.list_virtual_gateways(meshName=MESH)["virtualGateways"]), 1)
        self.assertEqual(len(c.list_gateway_routes(
            meshName=MESH, virtualGatewayName="om-vas-vgw")["gatewayRoutes"]), 1)

        # Update: the provider becomes a virtual router.
        c.create_virtual_router(meshName=MESH, virtualRouterName="r",
                                spec={"listeners": [{"portMapping": {"port": 80,
                                                                     "protocol": "http"}}]})
        updated = c.update_virtual_service(
            meshName=MESH, virtualServiceName="om-vas-api-vsvc",
            spec={"provider": {"virtualRouter": {"virtualRouterName": "r"}}})["virtualService"]
        self.assertEqual(updated["metadata"]["version"], 2)
        self.assertEqual(updated["spec"]["provider"], {"virtualRouter": {"virtualRouterName": "r"}})
        self.assertGreaterEqual(updated["metadata"]["lastUpdatedAt"],
                                updated["metadata"]["createdAt"])

        # In-use resources cannot go first; in the right order everything goes.
        self.assert_error(lambda: c.delete_virtual_service(
            meshName=MESH, virtualServiceName="om-vas-api-vsvc"), "ResourceInUseException", 409)
        self.assert_error(lambda: c.delete_virtual_router(meshName=MESH, virtualRouterName="r"),
                          "ResourceInUseException", 409)
        self.assert_error(lambda: c.delete_virtual_gateway(
            meshName=MESH, virtualGatewayName="om-vas-vgw"), "ResourceInUseException", 409)
        self.assert_error(lambda: c.delete_mesh(meshName=MESH), "ResourceInUseException", 409)
        c.delete_gateway_route(meshName=MESH, virtualGatewayName="om-vas-vgw",
                               gatewayRouteName="vas-api-service-route")
        c.delete_virtual_gateway(meshName=MESH, virtualGatewayName="om-vas-vgw")
        deleted = c.delete_virtual_service(meshName=MESH, virtualServiceName="om-vas-api-vsvc")
        self.assertEqual(deleted["virtualService"]["status"], {"status": "DELETED"})
        self.assertEqual(c.list_virtual_services(meshName=MESH)["virtualServices"], [])
        c.delete_virtual_router(meshName=MESH, virtualRouterName="r")
        c.delete_virtual_node(meshName=MESH, virtualNodeName="om-vas-api-server-vnode")
        self.assertEqual(c.delete_mesh(meshName=MESH)["mesh"]["status"], {"status": "DELETED"})
        self.assertEqual(c.list_meshes()["meshes"], [])

    def test_timestamps_are_numbers_in_raw_json(self) -> None:
        self.build_stack()
        base = f"/v20190125/meshes/{MESH}"
        for path, pick in [
            (base, lambda b: [b["metadata"]]),
            ("/v20190125/meshes", lambda b: b["meshes"]),
            (f"{base}/virtualNodes/om-vas-api-server-vnode", lambda b: [b["metadata"]]),
            (f"{base}/virtualNodes", lambda b: b["virtualNodes"]),
            (f"{base}/virtualServices/om-vas-api-vsvc", lambda b: [b["metadata"]]),
            (f"{base}/virtualServices", lambda b: b["virtualServices"]),
            (f"{base}/virtualGateways/om-vas-vgw", lambda b: [b["metadata"]]),
            (f"{base}/virtualGateways", lambda b: b["virtualGateways"]),
            (f"{base}/virtualGateway/om-vas-vgw/gatewayRoutes/vas-api-service-route",
             lambda b: [b["metadata"]]),
            (f"{base}/virtualGateway/om-vas-vgw/gatewayRoutes", lambda b: b["gatewayRoutes"]),
        ]:
            status, headers, body = self.raw("GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(headers["Content-Type"], "application/json", path)
            items = pick(body)
            self.assertTrue(items, path)
            for item in items:
                self.assert_numeric_times(item)

    def test_created_resources_have_own_uid(self) -> None:
        self.build_stack()
        uids = {
            self.c.describe_mesh(meshName=MESH)["mesh"]["metadata"]["uid"],
            self.c.describe_virtual_node(meshName=MESH, virtualNodeName="om-vas-api-server-vnode")
            ["virtualNode"]["metadata"]["uid"],
            self.c.describe_virtual_gateway(meshName=MESH, virtualGatewayName="om-vas-vgw")
            ["virtualGateway"]["metadata"]["uid"],
        }
        self.assertEqual(len(uids), 3)

    def test_tags_on_virtual_service(self) -> None:
        self.build_stack()
        arn = self.c.describe_virtual_service(
            meshName=MESH, virtualServiceName="om-vas-api-vsvc")["virtualService"]["metadata"]["arn"]
        tags = lambda: self.c.list_tags_for_resource(resourceArn=arn)["tags"]  # noqa: E731
        self.assertEqual(tags(), [{"key": "team", "value": "vas"}])
        self.c.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "core"},
                                                   {"key": "env", "value": "test"}])
        self.assertEqual(sorted((t["key"], t["value"]) for t in tags()),
                         [("env", "test"), ("team", "core")])
        self.c.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(tags(), [{"key": "env", "value": "test"}])
        self.assert_error(lambda: self.c.list_tags_for_resource(resourceArn=arn + "x"),
                          "NotFoundException", 404)

    def test_not_found_and_conflict_errors(self) -> None:
        c = self.c
        self.assert_error(lambda: c.describe_mesh(meshName="nope"), "NotFoundException", 404)
        self.assert_error(lambda: c.list_virtual_services(meshName="nope"),
                          "NotFoundException", 404)
        c.create_mesh(meshName=MESH)
        self.assert_error(lambda: c.create_mesh(meshName=MESH), "ConflictException", 409)
        for fn in (
            lambda: c.describe_virtual_service(meshName=MESH, virtualServiceName="nope"),
            lambda: c.update_virtual_service(meshName=MESH, virtualServiceName="nope", spec={}),
            lambda: c.delete_virtual_service(meshName=MESH, virtualServiceName="nope"),
            lambda: c.describe_virtual_node(meshName=MESH, virtualNodeName="nope"),
            lambda: c.describe_virtual_gateway(meshName=MESH, virtualGatewayName="nope"),
            lambda: c.create_virtual_service(  # the provider must exist
                meshName=MESH, virtualServiceName="s",
                spec={"provider": {"virtualNode": {"virtualNodeName": "nope"}}}),
        ):
            self.assert_error(fn, "NotFoundException", 404)
        c.create_virtual_service(meshName=MESH, virtualServiceName="s", spec={})
        self.assert_error(lambda: c.create_virtual_service(
            meshName=MESH, virtualServiceName="s", spec={}), "ConflictException", 409)
        status, headers, body = self.raw("GET", f"/v20190125/meshes/{MESH}/virtualServices/x")
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-amzn-ErrorType"], "NotFoundException")
        self.assertEqual(body["__type"], "NotFoundException")

    def test_client_token_makes_create_idempotent(self) -> None:
        self.c.create_mesh(meshName=MESH)
        body = {"virtualServiceName": "s", "spec": {}, "clientToken": "token-1"}
        path = f"/v20190125/meshes/{MESH}/virtualServices"
        first = self.raw("PUT", path, body)
        again = self.raw("PUT", path, body)
        self.assertEqual(first[0], 200)
        self.assertEqual(again[0], 200)
        self.assertEqual(first[2], again[2])
        changed = self.raw("PUT", path, dict(body, virtualServiceName="t"))
        self.assertEqual(changed[0], 409)
        other = self.raw("PUT", path, dict(body, clientToken="token-2"))
        self.assertEqual(other[0], 409)  # the name is taken


if __name__ == "__main__":
    unittest.main()
