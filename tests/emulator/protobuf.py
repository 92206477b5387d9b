"""Decode the protobuf bodies kubectl sends for built-in kinds (`kubectl create secret generic` and the
like go through client-go's typed clients, which always send `application/vnd.kubernetes.protobuf`,
with no fallback to JSON: client-go rest/client.go falls back only from CBOR).

A body is the 4-byte magic `k8s\\0` and a runtime.Unknown (typeMeta=1 {apiVersion=1, kind=2}, raw=2,
contentEncoding=3, contentType=4); `raw` is the object in the field numbers of k8s.io/api's
generated.proto. The kinds kubectl's generators create are described below; any other kind is
answered 415 as a real API server answers a media type it cannot decode.
"""

from __future__ import annotations

import base64

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data):
            raise ProtobufError("truncated varint")
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(data: bytes) -> list[tuple[int, int, object]]:
    """[(field number, wire type, value)]: ints for varints, bytes for length-delimited."""
    out = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(data, i)
        elif wt == 2:
            n, i = _varint(data, i)
            v, i = data[i:i + n], i + n
        elif wt == 1:
            v, i = data[i:i + 8], i + 8
        elif wt == 5:
            v, i = data[i:i + 4], i + 4
        else:
            raise ProtobufError(f"unsupported wire type {wt}")
        out.append((num, wt, v))
    return out


# message schemas: field number -> (json name, type); types: str, bytes (base64 in JSON), int, bool,
# a nested schema (dict), ("map", value type), ("list", type)
TIME = {1: ("seconds", "int")}          # metav1.Time: rendered as RFC3339 by _time()
OWNER = {1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"), 5: ("apiVersion", "str"),
         6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
OBJECT_META = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"), 5: ("uid", "str"),
               6: ("resourceVersion", "str"), 7: ("generation", "int"), 11: ("labels", ("map", "str")),
               12: ("annotations", ("map", "str")), 13: ("ownerReferences", ("list", OWNER)),
               14: ("finalizers", ("list", "str"))}
KINDS = {
    ("v1", "Secret"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "bytes")), 3: ("type", "str"),
                       4: ("stringData", ("map", "str")), 5: ("immutable", "bool")},
    ("v1", "ConfigMap"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "str")),
                          3: ("binaryData", ("map", "bytes")), 4: ("immutable", "bool")},
    ("v1", "Namespace"): {1: ("metadata", OBJECT_META)},
    ("v1", "ServiceAccount"): {1: ("metadata", OBJECT_META)},
}


def _value(typ, wt: int, v):
    if typ == "str":
        return v.decode("utf-8")
    if typ == "bytes":
        return base64.b64encode(v).decode()
    if typ == "int":
        return v
    if typ == "bool":
        return bool(v)
    if isinstance(typ, dict):
        return message(v, typ)
    raise ProtobufError(f"unsupported type {typ}")


def message(data: bytes, schema: dict) -> dict:
    out: dict = {}
    for num, wt, v in fields(data):
        if num not in schema:
            continue                     # fields the emulator does not keep (status, managedFields, ...)
        name, typ = schema[num]
        if isinstance(typ, tuple) and typ[0] == "map":
            entry = dict((n, val) for n, _, val in fields(v))
            key = entry.get(1, b"").decode("utf-8")
            out.setdefault(name, {})[key] = _value(typ[1], 2, entry.get(2, b"" if typ[1] != "int" else 0))
        elif isinstance(typ, tuple) and typ[0] == "list":
            out.setdefault(name, []).append(_value(typ[1], wt, v))
        else:
            out[name] = _value(typ, wt, v)
    return out


def decode(body: bytes) -> dict:
    """The JSON form of a protobuf-encoded object; ProtobufError for a kind it does not describe."""
    if not body.startswith(MAGIC):
        raise ProtobufError("no k8s protobuf magic")
    unknown = {n: v for n, _, v in fields(body[len(MAGIC):])}
    tm = {n: v for n, _, v in fields(unknown.get(1, b""))}
    api_version, kind = tm.get(1, b"").decode(), tm.get(2, b"").decode()
    schema = KINDS.get((api_version, kind))
    if schema is None:
        raise ProtobufError(f"no protobuf decoding for {kind or '?'} {api_version or '?'} in the emulator")
    obj = message(unknown.get(2, b""), schema)
    return {"apiVersion": api_version, "kind": kind, **obj}
