"""App Mesh patches for moto 5.2.5.

What moto 5.2.5 gets wrong for flow's stack, and what this module does about it:

1. No virtual services. moto serves meshes, virtual nodes/routers/routes/gateways and gateway
   routes, but not CreateVirtualService & co. We add the five operations (create, describe,
   update, list, delete) to moto's own backend/response classes and URL map, so that moto's
   router (driven by botocore's App Mesh model) dispatches them like any other operation.
2. Timestamps. moto writes `createdAt`/`lastUpdatedAt` as "dd/mm/YYYY, HH:MM:SS" strings. The
   App Mesh model (restJson1) has `Timestamp` with no format trait, i.e. epoch seconds as a JSON
   number; the AWS SDK for Rust refuses the strings (boto3 happens to parse them). Every App Mesh
   response is rewritten to carry numbers (and labelled application/json, not text/html).
3. Resource metadata defaults are evaluated once, at import: every resource gets the same `uid`
   and `createdAt` (the server's start). New resources get their own.
4. Errors. moto answers 400 with types like `MeshNotFound`; App Mesh answers NotFoundException
   (404), ConflictException (409), BadRequestException (400), ResourceInUseException (409). The
   Rust SDK only recognises the modelled names, so code that matches on "not found" or
   "conflict" needs them.
5. Idempotency and ownership details the stack relies on: CreateMesh on an existing name
   silently replaced the mesh (and dropped everything in it); clientToken was ignored (a retried
   create got a name-taken error); meshOwner/resourceOwner were a fake access key id instead of
   the account id; the mesh ARN lacked its `mesh/` part; the default egress filter was null
   instead of DROP_ALL; TagResource appended duplicate keys; UntagResource was missing;
   deleting a mesh, gateway, router or node that other resources still use succeeded instead
   of failing with ResourceInUseException.
6. Virtual node specs: moto requires `serviceDiscovery.awsCloudMap.attributes`, which App Mesh
   makes optional (the stack's node names a namespace and a service, no attributes).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import uuid4

from moto.appmesh import exceptions as mesh_exceptions
from moto.appmesh import responses as mesh_responses
from moto.appmesh import urls as mesh_urls
from moto.appmesh.dataclasses.shared import Metadata
from moto.appmesh.models import AppMeshBackend
from moto.appmesh.responses import AppMeshResponse
from moto.core.exceptions import JsonRESTError
from moto.utilities.paginator import paginate

# --------------------------------------------------------------------------------------------
# Errors with App Mesh's modelled names and HTTP codes (restJson1: the type goes in the
# `x-amzn-ErrorType` header and in the body's `__type`; JsonRESTError writes both).


class AppMeshError(JsonRESTError):
    def __init__(self, error_type: str, status: int, message: str) -> None:
        super().__init__(error_type, message)
        self.code = status


def not_found(message: str) -> AppMeshError:
    return AppMeshError("NotFoundException", 404, message)


def conflict(message: str) -> AppMeshError:
    return AppMeshError("ConflictException", 409, message)


def bad_request(message: str) -> AppMeshError:
    return AppMeshError("BadRequestException", 400, message)


def in_use(message: str) -> AppMeshError:
    return AppMeshError("ResourceInUseException", 409, message)


def _map_error_type(moto_type: str) -> tuple[str, int]:
    """moto's App Mesh error names -> (App Mesh exception, HTTP status)."""
    if moto_type.endswith("NotFound"):
        return "NotFoundException", 404
    if moto_type.endswith("AlreadyTaken"):
        return "ConflictException", 409
    return "BadRequestException", 400  # MissingRequiredField, MeshOwnerDoesNotMatch


def _patch_errors() -> None:
    # Every moto App Mesh error derives from MeshError and calls super().__init__(type, msg):
    # giving MeshError its own __init__ renames them all in one place.
    def __init__(self: JsonRESTError, error_type: str, message: str, *a: Any, **kw: Any) -> None:
        mapped, status = _map_error_type(error_type)
        JsonRESTError.__init__(self, mapped, message, *a, **kw)
        self.code = status

    mesh_exceptions.MeshError.__init__ = __init__  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------
# Timestamps as epoch seconds.

_MOTO_TIME_FORMAT = "%d/%m/%Y, %H:%M:%S"  # what moto's to_dict()/list helpers write
_TIME_KEYS = ("createdAt", "lastUpdatedAt")


def epoch(value: datetime) -> float:
    # moto stores naive local times (datetime.now()); .timestamp() reads them as local too.
    return round(value.timestamp(), 3)


def _numeric_timestamps(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _TIME_KEYS and isinstance(value, str):
                try:
                    node[key] = epoch(datetime.strptime(value, _MOTO_TIME_FORMAT))
                except ValueError:
                    pass
            else:
                _numeric_timestamps(value)
    elif isinstance(node, list):
        for item in node:
            _numeric_timestamps(item)
    return node


def _fresh_metadata(metadata: Metadata) -> None:
    now = datetime.now()
    metadata.created_at = now
    metadata.last_updated_at = now
    metadata.uid = uuid4().hex


# --------------------------------------------------------------------------------------------
# Virtual services, stored on their mesh object (so deleting or resetting the mesh drops them).


class VirtualService:
    def __init__(self, mesh_name: str, name: str, spec: dict, owner: str, arn: str,
                 tags: list[dict[str, str]]) -> None:
        self.mesh_name = mesh_name
        self.virtual_service_name = name
        self.spec = spec
        self.metadata = Metadata(arn=arn, mesh_owner=owner, resource_owner=owner)
        _fresh_metadata(self.metadata)
        self.status = {"status": "ACTIVE"}
        self.tags = list(tags)

    def to_dict(self) -> dict[str, Any]:
        m = self.metadata
        return {
            "meshName": self.mesh_name,
            "virtualServiceName": self.virtual_service_name,
            "spec": self.spec,
            "status": self.status,
            "metadata": {
                "arn": m.arn,
                "createdAt": epoch(m.created_at),
                "lastUpdatedAt": epoch(m.last_updated_at),
                "meshOwner": m.mesh_owner,
                "resourceOwner": m.resource_owner,
                "uid": m.uid,
                "version": m.version,
            },
        }

    def ref(self) -> dict[str, Any]:
        m = self.metadata
        return {
            "arn": m.arn,
            "createdAt": epoch(m.created_at),
            "lastUpdatedAt": epoch(m.last_updated_at),
            "meshName": self.mesh_name,
            "meshOwner": m.mesh_owner,
            "resourceOwner": m.resource_owner,
            "version": m.version,
            "virtualServiceName": self.virtual_service_name,
        }


def _services(mesh: Any) -> dict[str, VirtualService]:
    return mesh.__dict__.setdefault("virtual_services", {})


def _clean_spec(backend: AppMeshBackend, mesh_name: str, spec: Any) -> dict:
    """Validate a VirtualServiceSpec; the provider is a union of virtualNode | virtualRouter."""
    if spec is None:
        raise bad_request("spec must be defined.")
    if not isinstance(spec, dict):
        raise bad_request("spec must be an object.")
    provider = spec.get("provider")
    if provider is None:
        return {}
    kinds = [k for k in ("virtualNode", "virtualRouter") if provider.get(k) is not None]
    if len(kinds) != 1:
        raise bad_request("provider must name exactly one of virtualNode, virtualRouter.")
    kind = kinds[0]
    name_key = "virtualNodeName" if kind == "virtualNode" else "virtualRouterName"
    name = (provider[kind] or {}).get(name_key)
    if not name:
        raise bad_request(f"provider.{kind}.{name_key} must be defined.")
    mesh = backend.meshes[mesh_name]
    existing = mesh.virtual_nodes if kind == "virtualNode" else mesh.virtual_routers
    if name not in existing:
        what = "virtual node" if kind == "virtualNode" else "virtual router"
        raise not_found(f"The {what} {name} does not exist in mesh {mesh_name}.")
    return {"provider": {kind: {name_key: name}}}


def _get_service(backend: AppMeshBackend, mesh_name: str, mesh_owner: str | None,
                 name: str) -> VirtualService:
    backend._validate_mesh(mesh_name=mesh_name, mesh_owner=mesh_owner)
    service = _services(backend.meshes[mesh_name]).get(name)
    if service is None:
        raise not_found(f"{name} is not a virtual service associated with mesh {mesh_name}")
    return service


def create_virtual_service(self: AppMeshBackend, mesh_name: str, mesh_owner: str | None,
                           virtual_service_name: str, spec: Any,
                           tags: list[dict[str, str]] | None) -> VirtualService:
    self._validate_mesh(mesh_name=mesh_name, mesh_owner=mesh_owner)
    if not virtual_service_name:
        raise bad_request("virtualServiceName must be defined.")
    services = _services(self.meshes[mesh_name])
    if virtual_service_name in services:
        raise conflict(
            f"There is already a virtual service named {virtual_service_name} "
            f"associated with mesh {mesh_name}"
        )
    clean = _clean_spec(self, mesh_name, spec)
    owner = mesh_owner or self.meshes[mesh_name].metadata.mesh_owner
    arn = (f"arn:{self.partition}:appmesh:{self.region_name}:{self.account_id}:"
           f"mesh/{mesh_name}/virtualService/{virtual_service_name}")
    service = VirtualService(mesh_name, virtual_service_name, clean, owner, arn, tags or [])
    services[virtual_service_name] = service
    return service


def describe_virtual_service(self: AppMeshBackend, mesh_name: str, mesh_owner: str | None,
                             virtual_service_name: str) -> VirtualService:
    return _get_service(self, mesh_name, mesh_owner, virtual_service_name)


def update_virtual_service(self: AppMeshBackend, mesh_name: str, mesh_owner: str | None,
                           virtual_service_name: str, spec: Any) -> VirtualService:
    service = _get_service(self, mesh_name, mesh_owner, virtual_service_name)
    service.spec = _clean_spec(self, mesh_name, spec)
    service.metadata.version += 1
    service.metadata.update_timestamp()
    return service


def delete_virtual_service(self: AppMeshBackend, mesh_name: str, mesh_owner: str | None,
                           virtual_service_name: str) -> VirtualService:
    service = _get_service(self, mesh_name, mesh_owner, virtual_service_name)
    mesh = self.meshes[mesh_name]
    for gateway in mesh.virtual_gateways.values():
        for route in gateway.gateway_routes.values():
            if virtual_service_name in _gateway_route_targets(route):
                raise in_use(
                    f"Virtual service {virtual_service_name} is the target of gateway route "
                    f"{route.gateway_route_name} of virtual gateway {gateway.virtual_gateway_name}."
                )
    del _services(mesh)[virtual_service_name]
    service.status = {"status": "DELETED"}
    return service


_PAGINATION = {
    "list_virtual_services": {
        "input_token": "next_token",
        "limit_key": "limit",
        "limit_default": 100,
        "unique_attribute": "virtualServiceName",
    }
}


@paginate(pagination_model=_PAGINATION)
def list_virtual_services(self: AppMeshBackend, mesh_name: str,
                          mesh_owner: str | None) -> list[dict[str, Any]]:
    self._validate_mesh(mesh_name=mesh_name, mesh_owner=mesh_owner)
    return [s.ref() for s in _services(self.meshes[mesh_name]).values()]


def _gateway_route_targets(route: Any) -> set[str]:
    names = set()
    for kind in ("grpc_route", "http_route", "http2_route"):
        r = getattr(route.spec, kind, None)
        if r is not None:
            names.add(r.action.target.virtual_service.virtual_service_name)
    return names


# Responses: the handlers read the request like moto's own ones do.


def _r_create_virtual_service(self: AppMeshResponse) -> str:
    params = json.loads(self.body or "{}")
    service = self.appmesh_backend.create_virtual_service(
        mesh_name=self._get_param("meshName"),
        mesh_owner=self._get_param("meshOwner"),
        virtual_service_name=params.get("virtualServiceName"),
        spec=params.get("spec"),
        tags=params.get("tags"),
    )
    return json.dumps(service.to_dict())


def _r_describe_virtual_service(self: AppMeshResponse) -> str:
    service = self.appmesh_backend.describe_virtual_service(
        mesh_name=self._get_param("meshName"),
        mesh_owner=self._get_param("meshOwner"),
        virtual_service_name=self._get_param("virtualServiceName"),
    )
    return json.dumps(service.to_dict())


def _r_update_virtual_service(self: AppMeshResponse) -> str:
    params = json.loads(self.body or "{}")
    service = self.appmesh_backend.update_virtual_service(
        mesh_name=self._get_param("meshName"),
        mesh_owner=self._get_param("meshOwner"),
        virtual_service_name=self.uri_match["virtualServiceName"],
        spec=params.get("spec"),
    )
    return json.dumps(service.to_dict())


def _r_delete_virtual_service(self: AppMeshResponse) -> str:
    service = self.appmesh_backend.delete_virtual_service(
        mesh_name=self._get_param("meshName"),
        mesh_owner=self._get_param("meshOwner"),
        virtual_service_name=self._get_param("virtualServiceName"),
    )
    return json.dumps(service.to_dict())


def _r_list_virtual_services(self: AppMeshResponse) -> str:
    services, next_token = self.appmesh_backend.list_virtual_services(
        mesh_name=self._get_param("meshName"),
        mesh_owner=self._get_param("meshOwner"),
        limit=self._get_int_param("limit"),
        next_token=self._get_param("nextToken"),
    )
    return json.dumps({"nextToken": next_token, "virtualServices": services})


# --------------------------------------------------------------------------------------------
# Tags: find virtual services by ARN, upsert on TagResource, add UntagResource.


def _patch_tags() -> None:
    find = AppMeshBackend._get_resource_with_arn

    def _get_resource_with_arn(self: AppMeshBackend, resource_arn: str) -> Any:
        for mesh in self.meshes.values():
            for service in _services(mesh).values():
                if service.metadata.arn == resource_arn:
                    return service
        return find(self, resource_arn=resource_arn)

    def tag_resource(self: AppMeshBackend, resource_arn: str,
                     tags: list[dict[str, str]]) -> None:
        resource = self._get_resource_with_arn(resource_arn=resource_arn)
        for tag in tags or []:
            resource.tags[:] = [t for t in resource.tags if t.get("key") != tag.get("key")]
            resource.tags.append(tag)

    def untag_resource(self: AppMeshBackend, resource_arn: str, tag_keys: list[str]) -> None:
        resource = self._get_resource_with_arn(resource_arn=resource_arn)
        resource.tags[:] = [t for t in resource.tags if t.get("key") not in set(tag_keys or [])]

    def _r_untag_resource(self: AppMeshResponse) -> str:
        params = json.loads(self.body or "{}")
        self.appmesh_backend.untag_resource(
            resource_arn=self._get_param("resourceArn"), tag_keys=params.get("tagKeys")
        )
        return json.dumps({})

    AppMeshBackend._get_resource_with_arn = _get_resource_with_arn  # type: ignore[method-assign]
    AppMeshBackend.tag_resource = tag_resource  # type: ignore[method-assign]
    AppMeshBackend.untag_resource = untag_resource  # type: ignore[attr-defined]
    AppMeshResponse.untag_resource = _r_untag_resource  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Existing operations: fresh metadata, account-id owners, CreateMesh conflicts, in-use deletes.


def _patch_existing_operations() -> None:
    orig_create_mesh = AppMeshBackend.create_mesh

    def create_mesh(self: AppMeshBackend, mesh_name: str, **kwargs: Any) -> Any:
        if mesh_name in self.meshes:
            raise conflict(f"A mesh named {mesh_name} already exists.")
        if not kwargs.get("egress_filter_type"):
            kwargs["egress_filter_type"] = "DROP_ALL"  # App Mesh's default; moto leaves null
        mesh = orig_create_mesh(self, mesh_name=mesh_name, **kwargs)
        mesh.metadata.arn = (f"arn:{self.partition}:appmesh:{self.region_name}:"
                             f"{self.account_id}:mesh/{mesh_name}")
        mesh.metadata.mesh_owner = self.account_id
        mesh.metadata.resource_owner = self.account_id
        return mesh

    AppMeshBackend.create_mesh = create_mesh  # type: ignore[method-assign]

    def fresh(orig: Any) -> Any:
        def create(self: AppMeshBackend, *args: Any, **kwargs: Any) -> Any:
            resource = orig(self, *args, **kwargs)
            _fresh_metadata(resource.metadata)
            return resource

        return create

    for name in ("create_mesh", "create_virtual_router", "create_route",
                 "create_virtual_node", "create_virtual_gateway", "create_gateway_route"):
        setattr(AppMeshBackend, name, fresh(getattr(AppMeshBackend, name)))

    def guard(name: str, check: Any) -> None:
        orig = getattr(AppMeshBackend, name)

        def delete(self: AppMeshBackend, **kwargs: Any) -> Any:
            mesh = self.meshes.get(kwargs.get("mesh_name"))
            if mesh is not None:
                check(mesh, kwargs)
            return orig(self, **kwargs)

        setattr(AppMeshBackend, name, delete)

    def mesh_empty(mesh: Any, kw: dict) -> None:
        if (mesh.virtual_nodes or mesh.virtual_routers or mesh.virtual_gateways
                or _services(mesh)):
            raise in_use(f"Mesh {mesh.mesh_name} still has resources; delete them first.")

    def gateway_unused(mesh: Any, kw: dict) -> None:
        gateway = mesh.virtual_gateways.get(kw.get("virtual_gateway_name"))
        if gateway is not None and gateway.gateway_routes:
            raise in_use(f"Virtual gateway {gateway.virtual_gateway_name} still has gateway routes.")

    def provider_unused(kind: str, key: str) -> Any:
        def check(mesh: Any, kw: dict) -> None:
            name = kw.get(key)
            for service in _services(mesh).values():
                provider = service.spec.get("provider", {}).get(kind, {})
                if name and name in provider.values():
                    raise in_use(f"{name} is the provider of virtual service "
                                 f"{service.virtual_service_name}.")
            if kind == "virtualRouter":
                router = mesh.virtual_routers.get(name)
                if router is not None and router.routes:
                    raise in_use(f"Virtual router {name} still has routes.")

        return check

    guard("delete_mesh", mesh_empty)
    guard("delete_virtual_gateway", gateway_unused)
    guard("delete_virtual_node", provider_unused("virtualNode", "virtual_node_name"))
    guard("delete_virtual_router", provider_unused("virtualRouter", "virtual_router_name"))


# --------------------------------------------------------------------------------------------
# Every App Mesh response: clientToken idempotency, then numeric timestamps.


def _patch_responses() -> None:
    orig_call_action = AppMeshResponse.call_action

    def call_action(self: AppMeshResponse) -> Any:
        token_key = None
        if self.method in ("PUT", "POST") and self.body:
            try:
                params = json.loads(self.body)
            except ValueError:
                params = None
            token = params.get("clientToken") if isinstance(params, dict) else None
            if token:
                # App Mesh: the same token with the same request returns the first result; with
                # a different request it is a ConflictException.
                digest = hashlib.sha256(
                    json.dumps({k: v for k, v in params.items() if k != "clientToken"},
                               sort_keys=True).encode()
                    + self.querystring.__repr__().encode()
                ).hexdigest()
                tokens = self.appmesh_backend.__dict__.setdefault("_flow_client_tokens", {})
                token_key = (self.method, self.path, token)
                seen = tokens.get(token_key)
                if seen is not None:
                    seen_digest, status, headers, body = seen
                    if seen_digest == digest:
                        return status, dict(headers), body
                    err = conflict("The client token was used before with a different request.")
                    return err.code, dict(err.get_headers()), err.get_body()
        status, headers, body = orig_call_action(self)
        if isinstance(body, str) and body.startswith("{"):
            if int(status) < 400:
                body = json.dumps(_numeric_timestamps(json.loads(body)))
            # moto labels these bodies text/html; App Mesh sends JSON.
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            headers["Content-Type"] = "application/json"
        if token_key is not None and int(status) == 200:
            self.appmesh_backend._flow_client_tokens[token_key] = (digest, status, dict(headers), body)
        return status, headers, body

    AppMeshResponse.call_action = call_action  # type: ignore[method-assign]


def _patch_virtual_node_spec() -> None:
    # moto.appmesh.responses imported the parser by name: replace it there.
    orig = mesh_responses.build_virtual_node_spec

    def build_virtual_node_spec(spec: Any) -> Any:
        cloud_map = ((spec or {}).get("serviceDiscovery") or {}).get("awsCloudMap")
        if isinstance(cloud_map, dict) and cloud_map.get("attributes") is None:
            cloud_map["attributes"] = []
        return orig(spec)

    mesh_responses.build_virtual_node_spec = build_virtual_node_spec


def apply() -> None:
    _patch_errors()
    _patch_virtual_node_spec()
    _patch_existing_operations()
    _patch_tags()
    _patch_responses()

    for name, fn in (
        ("create_virtual_service", create_virtual_service),
        ("describe_virtual_service", describe_virtual_service),
        ("update_virtual_service", update_virtual_service),
        ("delete_virtual_service", delete_virtual_service),
        ("list_virtual_services", list_virtual_services),
    ):
        setattr(AppMeshBackend, name, fn)
        setattr(AppMeshResponse, name, globals()["_r_" + name])

    # moto's server builds each service's Flask URL map lazily, on the first request for that
    # service, from moto.appmesh.urls.url_paths: adding entries now is enough. Dispatch itself
    # goes through botocore's App Mesh model, which knows these operations already.
    base = "{0}/v20190125/meshes/(?P<meshName>[^/]+)/virtualServices"
    mesh_urls.url_paths[base + "$"] = AppMeshResponse.dispatch
    mesh_urls.url_paths[base + "/(?P<virtualServiceName>[^/]+)$"] = AppMeshResponse.dispatch
    mesh_urls.url_paths["{0}/v20190125/untag$"] = AppMeshResponse.dispatch
