"""/openapi/v3 and /openapi/v2 from the CRD schemas and the built-in kinds.

kubectl create/apply -f validate through /openapi/v3 (cli-runtime resource/query_param_verifier_v3.go):
the GV document's PATCH operation of the kind (found by its x-kubernetes-group-version-kind) must
list the `fieldValidation` query parameter; kubectl then leaves validation to the server (it sends
fieldValidation=Strict) instead of downloading /openapi/v2. Schemas: a CRD's openAPIV3Schema;
built-in kinds get an object schema that keeps unknown fields (the emulator stores what it is given).
"""

from __future__ import annotations

import hashlib
import json

FIELD_VALIDATION = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
                    "description": "Strict, Warn or Ignore (the emulator accepts any object)"}
LOOSE = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _definition(r) -> str:
    group = ".".join(reversed(r.group.split("."))) if r.group else "core"
    return f"io.mig-tools.emulated.{group}.{r.version}.{r.kind}"


def _schemas(cluster) -> dict:
    """kind key -> schema, from the CRDs the cluster holds."""
    out = {}
    crds = cluster.by_plural.get("customresourcedefinitions")
    for crd in cluster.store.list(crds, None) if crds else []:
        spec = crd.get("spec") or {}
        for v in spec.get("versions") or []:
            schema = ((v.get("schema") or {}).get("openAPIV3Schema"))
            if schema:
                out[(spec.get("group", ""), v.get("name", ""), (spec.get("names") or {}).get("kind", ""))] = schema
    return out


def _gvk(r) -> dict:
    return {"group": r.group, "version": r.version, "kind": r.kind}


def v3_document(cluster, group: str, version: str) -> dict | None:
    rs = [r for r in cluster.resources if r.group == group and r.version == version]
    if not rs:
        return None
    schemas = _schemas(cluster)
    paths, components = {}, {}
    for r in rs:
        name = _definition(r)
        schema = dict(schemas.get((r.group, r.version, r.kind)) or LOOSE)
        schema["x-kubernetes-group-version-kind"] = [_gvk(r)]
        components[name] = schema
        base = "/" + _gv_path(r.group, r.version) + ("/namespaces/{namespace}" if r.namespaced else "")
        ref = {"$ref": f"#/components/schemas/{name}"}
        body = {"content": {"application/json": {"schema": ref}}}
        answer = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
        op = {"x-kubernetes-group-version-kind": _gvk(r), "parameters": [FIELD_VALIDATION], "responses": answer}
        paths[f"{base}/{r.plural}"] = {
            "get": {**op, "operationId": f"list{r.kind}", "x-kubernetes-action": "list"},
            "post": {**op, "operationId": f"create{r.kind}", "x-kubernetes-action": "post", "requestBody": body}}
        paths[f"{base}/{r.plural}/{{name}}"] = {
            "get": {**op, "operationId": f"read{r.kind}", "x-kubernetes-action": "get"},
            "put": {**op, "operationId": f"replace{r.kind}", "x-kubernetes-action": "put", "requestBody": body},
            "patch": {**op, "operationId": f"patch{r.kind}", "x-kubernetes-action": "patch",
                      "requestBody": {"content": {"application/merge-patch+json": {"schema": LOOSE}}}},
            "delete": {**op, "operationId": f"delete{r.kind}", "x-kubernetes-action": "delete"}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (mig-tools emulator)", "version": "v1.32.0"},
            "paths": paths, "components": {"schemas": components}}


def v3_root(cluster) -> dict:
    """The discovery index: every group version with the URL (and hash) of its document."""
    gvs = sorted({(r.group, r.version) for r in cluster.resources})
    out = {}
    for g, v in gvs:
        doc = json.dumps(v3_document(cluster, g, v), sort_keys=True).encode()
        digest = hashlib.sha512(doc).hexdigest()[:64].upper()
        out[_gv_path(g, v)] = {"serverRelativeURL": f"/openapi/v3/{_gv_path(g, v)}?hash={digest}"}
    return {"paths": out}


def v2_document(cluster) -> dict:
    """Swagger 2.0 with every kind's definition (JSON only: the emulator has no protobuf encoder)."""
    schemas = _schemas(cluster)
    defs = {}
    for r in cluster.resources:
        schema = dict(schemas.get((r.group, r.version, r.kind)) or LOOSE)
        schema["x-kubernetes-group-version-kind"] = [_gvk(r)]
        defs[_definition(r)] = schema
    return {"swagger": "2.0", "info": {"title": "Kubernetes (mig-tools emulator)", "version": "v1.32.0"},
            "paths": {}, "definitions": defs}
