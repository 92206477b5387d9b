"""One cluster's objects: resourceVersion, generation, uid, and cascading deletion by ownerReferences."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid

from .resources import Res


class StoreError(Exception):
    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def now_rfc3339() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _what(res: Res) -> str:
    return f"{res.plural}.{res.group}" if res.group else res.plural


class Store:
    """Objects keyed by (plural, namespace, name); thread-safe; a global resourceVersion per cluster."""

    def __init__(self):
        self.lock = threading.RLock()
        self.objects: dict[tuple, dict] = {}
        self.rv = 1000
        self.kinds: dict[str, Res] = {}
        self.events: list[tuple[int, str, str, dict]] = []   # (resourceVersion, type, plural, object): watch
        self.changed = threading.Condition(self.lock)

    def _event(self, kind: str, plural: str, obj: dict) -> None:
        self.events.append((int(obj["metadata"]["resourceVersion"]), kind, plural, copy.deepcopy(obj)))
        self.changed.notify_all()

    def _next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    def put(self, res: Res, obj: dict) -> dict:
        """Load an object as is (scenarios, tests): fills uid, resourceVersion, timestamps if missing."""
        with self.lock:
            obj = copy.deepcopy(obj)
            md = obj.setdefault("metadata", {})
            md.setdefault("uid", str(uuid.uuid4()))
            md.setdefault("creationTimestamp", now_rfc3339())
            md.setdefault("generation", 1)
            md["resourceVersion"] = self._next_rv()
            if not res.namespaced:
                md.pop("namespace", None)
            obj.setdefault("apiVersion", res.gv)
            obj.setdefault("kind", res.kind)
            self._fold_string_data(obj)
            self.kinds[res.plural] = res
            key = (res.plural, md.get("namespace", "") if res.namespaced else "", md["name"])
            self._event("MODIFIED" if key in self.objects else "ADDED", res.plural, obj)
            self.objects[key] = obj
            return copy.deepcopy(obj)

    @staticmethod
    def _fold_string_data(obj: dict) -> None:
        if obj.get("kind") == "Secret" and obj.get("stringData"):
            import base64

            data = obj.setdefault("data", {}) or {}
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data

    def get(self, res: Res, ns: str, name: str) -> dict:
        with self.lock:
            obj = self.objects.get((res.plural, ns if res.namespaced else "", name))
            if obj is None:
                raise StoreError(404, "NotFound", f'{_what(res)} "{name}" not found')
            return copy.deepcopy(obj)

    def list(self, res: Res, ns: str | None) -> list[dict]:
        with self.lock:
            items = [o for (plural, ons, _), o in self.objects.items()
                     if plural == res.plural and (not ns or not res.namespaced or ons == ns)]
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return [copy.deepcopy(o) for o in items]

    def create(self, res: Res, ns: str, obj: dict) -> dict:
        with self.lock:
            md = obj.setdefault("metadata", {})
            if not md.get("name"):
                if not md.get("generateName"):
                    raise StoreError(422, "Invalid", f"{res.kind} is invalid: metadata.name: Required value: "
                                                     "name or generateName is required")
                md["name"] = md["generateName"] + uuid.uuid4().hex[:5]
            if res.namespaced:
                md["namespace"] = ns or md.get("namespace") or "default"
                nsres = self.kinds.get("namespaces")
                if nsres and ("namespaces", "", md["namespace"]) not in self.objects:
                    raise StoreError(404, "NotFound", f'namespaces "{md["namespace"]}" not found')
            key = (res.plural, md.get("namespace", "") if res.namespaced else "", md["name"])
            if key in self.objects:
                raise StoreError(409, "AlreadyExists", f'{_what(res)} "{md["name"]}" already exists')
            for k in ("uid", "resourceVersion", "creationTimestamp", "generation"):
                md.pop(k, None)
            if res.kind == "Secret" and not obj.get("type"):
                obj["type"] = "Opaque"              # the API server's default
            return self.put(res, obj)

    def replace(self, res: Res, ns: str, name: str, obj: dict, only_status: bool = False,
                keep_status: bool = False) -> dict:
        with self.lock:
            cur = self.objects.get((res.plural, ns if res.namespaced else "", name))
            if cur is None:
                raise StoreError(404, "NotFound", f'{_what(res)} "{name}" not found')
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv and rv != cur["metadata"]["resourceVersion"]:
                raise StoreError(409, "Conflict", f'Operation cannot be fulfilled on {_what(res)} "{name}": '
                                                  "the object has been modified; please apply your changes to "
                                                  "the latest version and try again")
            if only_status:
                new = copy.deepcopy(cur)
                new["status"] = copy.deepcopy(obj.get("status"))
            else:
                new = copy.deepcopy(obj)
                md = new.setdefault("metadata", {})
                for k in ("uid", "creationTimestamp", "namespace", "name"):
                    if k in cur["metadata"]:
                        md[k] = cur["metadata"][k]
                    else:
                        md.pop(k, None)
                md["generation"] = cur["metadata"].get("generation", 1)
                if keep_status and "status" in cur:
                    new["status"] = cur["status"]
                if new.get("spec") != cur.get("spec"):
                    md["generation"] += 1
            new.setdefault("apiVersion", cur.get("apiVersion"))
            new.setdefault("kind", cur.get("kind"))
            self._fold_string_data(new)
            new["metadata"]["resourceVersion"] = self._next_rv()
            self.objects[(res.plural, ns if res.namespaced else "", name)] = new
            self._event("MODIFIED", res.plural, new)
            return copy.deepcopy(new)

    def delete(self, res: Res, ns: str, name: str, propagation: str = "Background",
               precondition_uid: str | None = None, precondition_rv: str | None = None) -> dict:
        with self.lock:
            key = (res.plural, ns if res.namespaced else "", name)
            cur = self.objects.get(key)
            if cur is None:
                raise StoreError(404, "NotFound", f'{_what(res)} "{name}" not found')
            if precondition_uid and precondition_uid != cur["metadata"]["uid"]:
                raise StoreError(409, "Conflict", f'Operation cannot be fulfilled on {_what(res)} "{name}": '
                                                  f"Precondition failed: UID in precondition: {precondition_uid}, "
                                                  f"UID in object meta: {cur['metadata']['uid']}")
            if precondition_rv and precondition_rv != cur["metadata"]["resourceVersion"]:
                raise StoreError(409, "Conflict", f'Operation cannot be fulfilled on {_what(res)} "{name}": '
                                                  "Precondition failed: resourceVersion")
            del self.objects[key]
            self._cascade(cur["metadata"]["uid"], propagation)
            if res.plural == "namespaces":
                for k in [k for k in self.objects if k[1] == name and self.kinds.get(k[0], res).namespaced]:
                    del self.objects[k]
            self.rv += 1
            gone = copy.deepcopy(cur)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self._event("DELETED", res.plural, gone)
            return cur

    def _cascade(self, owner_uid: str, propagation: str) -> None:
        for key, obj in list(self.objects.items()):
            refs = obj["metadata"].get("ownerReferences") or []
            if not any(r.get("uid") == owner_uid for r in refs):
                continue
            if propagation == "Orphan":
                obj["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != owner_uid]
                continue
            if key in self.objects:
                del self.objects[key]
                self._cascade(obj["metadata"]["uid"], propagation)
