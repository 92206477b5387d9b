"""The patch types kubectl sends: JSON merge patch, JSON patch, and strategic merge (the common cases)."""

from __future__ import annotations

import copy

# Lists merged by key in a strategic merge patch (the cases kubectl and our tools send).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath", "ports": "containerPort", "imagePullSecrets": "name",
              "tolerations": "key", "conditions": "type"}


class PatchError(ValueError):
    pass


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge(target, patch, key: str | None = None):
    if isinstance(patch, dict):
        if patch.get("$patch") == "delete":
            return None
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
        out = dict(target) if isinstance(target, dict) else {}
        retain = patch.get("$retainKeys")
        for k, v in patch.items():
            if k.startswith("$"):
                continue
            if v is None:
                out.pop(k, None)
            else:
                merged = strategic_merge(out.get(k), v, k)
                if merged is None:
                    out.pop(k, None)
                else:
                    out[k] = merged
        if retain is not None:
            out = {k: v for k, v in out.items() if k in retain or k not in (target or {})}
        return out
    if isinstance(patch, list) and key in MERGE_KEYS and isinstance(target, list):
        mk = MERGE_KEYS[key]
        out = [copy.deepcopy(x) for x in target]
        for item in patch:
            if not isinstance(item, dict) or mk not in item:
                out.append(copy.deepcopy(item))
                continue
            idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(mk) == item[mk]), None)
            if item.get("$patch") == "delete":
                if idx is not None:
                    out.pop(idx)
            elif idx is None:
                out.append({k: v for k, v in item.items() if not k.startswith("$")})
            else:
                out[idx] = strategic_merge(out[idx], item, None)
        return out
    return copy.deepcopy(patch)


def _pointer(path: str) -> list:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    for p in parts:
        if isinstance(doc, list):
            doc = doc[int(p)]
        elif isinstance(doc, dict):
            if p not in doc:
                raise PatchError(f"path not found: /{'/'.join(parts)}")
            doc = doc[p]
        else:
            raise PatchError("path through a scalar")
    return doc


def json_patch(doc, ops: list):
    """RFC 6902: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch is a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        kind, parts = op.get("op"), _pointer(op.get("path", ""))
        try:
            if kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise PatchError(f"test failed at {op['path']}")
                continue
            if kind in ("move", "copy"):
                src = _pointer(op["from"])
                val = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    doc = json_patch(doc, [{"op": "remove", "path": op["from"]}])
                doc = json_patch(doc, [{"op": "add", "path": op["path"], "value": val}])
                continue
            if not parts:
                if kind in ("add", "replace"):
                    doc = copy.deepcopy(op["value"])
                    continue
                raise PatchError("cannot remove the whole document")
            parent = _walk(doc, parts[:-1])
            last = parts[-1]
            if isinstance(parent, list):
                i = len(parent) if last == "-" else int(last)
                if kind == "add":
                    parent.insert(i, copy.deepcopy(op["value"]))
                elif kind == "remove":
                    parent.pop(i)
                elif kind == "replace":
                    parent[i] = copy.deepcopy(op["value"])
                else:
                    raise PatchError(f"unknown op {kind!r}")
            elif isinstance(parent, dict):
                if kind == "add":
                    parent[last] = copy.deepcopy(op["value"])
                elif kind in ("remove", "replace"):
                    if last not in parent:
                        raise PatchError(f"path not found: {op['path']}")
                    if kind == "remove":
                        del parent[last]
                    else:
                        parent[last] = copy.deepcopy(op["value"])
                else:
                    raise PatchError(f"unknown op {kind!r}")
            else:
                raise PatchError("path through a scalar")
        except (IndexError, ValueError, KeyError) as e:
            raise PatchError(f"{kind} {op.get('path')}: {e}") from None
    return doc
