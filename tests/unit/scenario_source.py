"""A scenario file read straight into a Source: the objects and pod logs the emulator would serve,
without a server, a build or a kubectl. The fast layer runs every check on every scenario with it."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import List, Optional

from lib import objects as o
from lib.errors import ApiError, NotCollected
from lib.logs.stream import split_stamp
from lib.resources import Resource, resource
from lib.selectors import match_fields, match_labels, parse_fields, parse_labels
from lib.source import Source
from tests.emulator import scenario as scen

_URL = re.compile(r"^scenario://([\w-]+)$")


class ScenarioSource(Source):
    """Clusters by name (the scenario's), bound to roles through the MigClusters' URLs as live."""

    live = False

    def __init__(self, name: str, now: Optional[dt.datetime] = None, namespace: str = "openshift-migration"):
        self.path = scen.find(name)
        self.now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.names = scen.cluster_names(self.path)
        self.values = {c: {"url": f"scenario://{c}", "token": f"token-{c}", "ca_b64": ""} for c in self.names}
        self.doc = scen.load(self.path, self.values, self.now)
        for c, objs in self.doc["objects"].items():      # a later object replaces an earlier one, as when put
            last = {(x.get("kind"), o.namespace(x), o.name(x)): x for x in objs}
            self.doc["objects"][c] = list(last.values())
        self.namespace = namespace
        self.bound: dict[str, str] = {"host": self.names[0]}
        self.calls: List[tuple] = []

    @property
    def expect(self) -> dict:
        return self.doc["expect"]

    # --- roles ---------------------------------------------------------------------------------
    def bind(self, role: str, migcluster: Optional[dict]) -> None:
        if not migcluster:
            return
        if o.spec(migcluster).get("isHostCluster"):
            self.bound[role] = self.bound["host"]
            return
        m = _URL.match(str(o.spec(migcluster).get("url", "")))
        if m:
            self.bound[role] = m.group(1)

    def roles(self) -> builtins.list[str]:
        return list(self.bound)

    def _cluster(self, role: str) -> str:
        name = self.bound.get(role, role)
        if name not in self.doc["objects"] and name not in self.doc["logs"]:
            raise ApiError(f"{role}: cluster {name} unreachable", 0, "", role)
        return name

    # --- reads ---------------------------------------------------------------------------------
    def list(self, role, kind, namespace=None, labels=None, fields=None):
        r = kind if isinstance(kind, Resource) else resource(kind)
        self.calls.append((role, r.kind, namespace, labels))
        lterms, fterms = parse_labels(labels), parse_fields(fields)
        return [x for x in self.doc["objects"].get(self._cluster(role), []) if x.get("kind") == r.kind
                and (namespace is None or o.namespace(x) == namespace)
                and match_labels(lterms, o.labels(x)) and match_fields(fterms, x)]

    def get(self, role, kind, name, namespace=None):
        return next((x for x in self.list(role, kind, namespace) if o.name(x) == name), None)

    def discover(self, role) -> builtins.list[Resource]:
        kinds = {x.get("kind") for x in self.doc["objects"].get(self._cluster(role), [])}
        out = []
        for k in sorted(k for k in kinds if k):
            try:
                out.append(resource(k))
            except KeyError:
                continue
        return out

    def download(self, role, kind, name) -> bytes:
        """What the emulator's Velero serves for a DownloadRequest (tests/emulator/velero.py): the scenario's
        `downloads:` file, else a log made of the velero pods' lines naming the backup or restore."""
        cluster = self._cluster(role)
        path: Optional[Path] = self.doc["downloads"].get(cluster, {}).get(f"{kind}/{name}")
        if path is not None:
            text = path.read_text(errors="surrogateescape")
            return (scen.render(text, self.values, self.now) if "${" in text else text).encode(errors="surrogateescape")
        what = "backup" if kind.startswith("Backup") else "restore"
        if kind not in ("BackupLog", "RestoreLog") or self.get(role, what.capitalize(), name, self.namespace) is None:
            raise NotCollected(f"{role}: Velero has no {kind} for {name} in object storage")
        needles = (f"{what}={self.namespace}/{name}", f'{what}="{self.namespace}/{name}"')
        out = []
        for key, p in sorted(self.doc["logs"].get(cluster, {}).items()):
            ns, pod, _ = key.split("/", 2)
            if ns != self.namespace or "@previous" in key or not pod.startswith("velero-"):
                continue
            for line in p.read_bytes().splitlines():
                if any(n.encode() in line for n in needles):
                    out.append(split_stamp(line)[1])
        return b"".join(x + b"\n" for x in out)

    def logs(self, role, namespace, pod, container=None, previous=False, timestamps=False, since_time=None,
             **_) -> Iterator[bytes]:
        files = self.doc["logs"].get(self._cluster(role), {})
        key = f"{namespace}/{pod}/{container}" + ("@previous" if previous else "")
        path: Optional[Path] = files.get(key)
        if path is None and not container:
            path = next((p for k, p in files.items() if k.startswith(f"{namespace}/{pod}/")
                         and k.endswith("@previous") == bool(previous)), None)
        if path is None:
            raise ApiError(f"{role}: {'previous ' if previous else ''}logs of {namespace}/{pod} "
                           f"container {container}: not found", 404 if not previous else 400, "NotFound", role)
        text = path.read_text(errors="surrogateescape")
        if "${" in text:
            text = scen.render(text, self.values, self.now)
        for line in text.encode(errors="surrogateescape").splitlines(keepends=True):
            stamp, rest = split_stamp(line)
            if since_time and stamp and stamp < since_time.encode():
                continue
            yield line if timestamps else rest
