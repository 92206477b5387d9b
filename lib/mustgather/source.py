"""A Source over a must-gather: the same reads as live clusters, from files; never writes."""

from __future__ import annotations

import collections
import datetime as _dt
from collections.abc import Iterator
from pathlib import Path
from typing import List

from .. import objects as o
from ..errors import ApiError, MigError
from ..logs.stream import split_stamp
from ..resources import BY_KIND, Resource, resource
from ..selectors import SelectorError, match_fields, match_labels, parse_fields, parse_labels
from ..source import Source
from .layout import ClusterDir, infer_roles, scan


def _kind(kind: str | Resource) -> str:
    if isinstance(kind, Resource):
        return kind.kind
    try:
        return resource(kind).kind
    except KeyError:
        return kind


class MustGatherSource(Source):
    live = False

    def __init__(self, top: Path, index: dict | None, namespace: str, origin: str,
                 clusters: List[ClusterDir] | None = None):
        """`clusters`: already scanned (mig-gather passes what it wrote, objects kept in memory)."""
        self.namespace = namespace
        self.origin = origin
        self.clusters = clusters if clusters is not None else scan(top, index)
        self._roles = infer_roles(self.clusters)
        self._index = {id(cd): self._by_kind(cd) for cd in self.clusters}
        self.now = self._gathered_at(index, top)

    @staticmethod
    def _by_kind(cd: ClusterDir) -> dict:
        idx: dict = collections.defaultdict(dict)
        for x in cd.objects:
            idx[x["kind"]][(o.namespace(x) or "", o.name(x))] = x     # later files win over duplicates
        return idx

    @staticmethod
    def _gathered_at(index: dict | None, top: Path) -> _dt.datetime | None:
        when = (index or {}).get("finished") or (index or {}).get("started")
        if when:
            return o.parse_time(when)
        try:
            newest = max(p.stat().st_mtime for p in top.rglob("*") if p.is_file())
        except ValueError:
            return None
        return _dt.datetime.fromtimestamp(newest, _dt.timezone.utc)

    # --- roles ---------------------------------------------------------------------------------
    def _objects(self, role: str, kind: str | Resource) -> dict:
        """(namespace, name) -> object of one kind in the cluster playing `role`."""
        return self._index[id(self._cluster(role))].get(_kind(kind), {})

    def _cluster(self, role: str) -> ClusterDir:
        cd = self._roles.get(role)
        if cd is None:
            raise ApiError(f"{role}: not in the must-gather {self.origin}", 0, "NotGathered", role)
        return cd

    def bind(self, role: str, migcluster: dict | None) -> None:
        """A MigCluster names its cluster: a directory of that name (or `<role>_<name>`) wins;
        the MigCluster that is the host cluster maps to the host's directory."""
        if not migcluster:
            return
        name = o.name(migcluster)
        for cd in self.clusters:
            if name in (cd.name, cd.path.name) or cd.path.name.endswith("_" + name):
                self._roles[role] = cd
                return
        if o.spec(migcluster).get("isHostCluster") and "host" in self._roles:
            self._roles.setdefault(role, self._roles["host"])

    def roles(self) -> List[str]:
        return [r for r in ("host", "source", "target") if r in self._roles]

    def label(self, role: str) -> str:
        cd = self._roles.get(role)
        return f"{role} ({cd.name})" if cd and cd.name != role else role

    # --- reads ---------------------------------------------------------------------------------
    def list(self, role, kind, namespace=None, labels=None, fields=None):
        try:
            lterms, fterms = parse_labels(labels), parse_fields(fields)
        except SelectorError as e:
            raise MigError(f"bad selector: {e}") from None
        return [x for (ns, _), x in sorted(self._objects(role, kind).items())
                if (namespace is None or ns == namespace) and match_labels(lterms, o.labels(x))
                and match_fields(fterms, x)]

    def get(self, role, kind, name, namespace=None):
        return self._objects(role, kind).get((namespace or "", name))

    def discover(self, role):
        out = {}
        for kind, objs in self._index[id(self._cluster(role))].items():
            if kind in BY_KIND:
                out[kind] = BY_KIND[kind]
                continue
            sample = next(iter(objs.values()))
            group, _, version = str(sample.get("apiVersion", "v1")).rpartition("/")
            out[kind] = Resource(group, version, kind.lower() + "s", kind, bool(o.namespace(sample)))
        return list(out.values())

    def logs(self, role, namespace, pod, container=None, previous=False, timestamps=False, tail_lines=None,
             since_seconds=None, since_time=None, follow=False, **_) -> Iterator[bytes]:
        files = [lf for lf in self._cluster(role).logs
                 if lf.namespace == namespace and lf.pod == pod and lf.previous == bool(previous)]
        exact = [lf for lf in files if lf.container == container] if container else []
        pick = (exact or [lf for lf in files if lf.container is None] or (files if not container else []))
        if not pick:
            what = f"{'previous ' if previous else ''}logs of pod {namespace}/{pod}" + \
                   (f" container {container}" if container else "")
            raise ApiError(f"{self.label(role)}: {what} are not in the must-gather", 404, "NotFound", role)
        since = since_time or (self._since(since_seconds) if since_seconds else None)
        return self._read(pick[0].path, timestamps, tail_lines, since)

    def _since(self, seconds: int) -> str:
        base = self.now or o.now()
        return o.format_time(base - _dt.timedelta(seconds=seconds))

    @staticmethod
    def _read(path: Path, timestamps: bool, tail: int | None, since: str | None) -> Iterator[bytes]:
        if timestamps and tail is None and not since:      # as stored: whole blocks, no per-line work
            with open(path, "rb") as f:
                while True:
                    block = f.read(1 << 20)
                    if not block:
                        return
                    yield block
        def lines():
            with open(path, "rb") as f:
                for line in f:
                    stamp, rest = split_stamp(line)
                    if since and stamp and stamp < since:
                        continue
                    yield line if timestamps else rest

        if tail is not None:
            yield from collections.deque(lines(), maxlen=max(int(tail), 0))
            return
        batch: list = []
        size = 0
        for line in lines():
            batch.append(line)
            size += len(line)
            if size >= 1 << 16:
                yield b"".join(batch)
                batch, size = [], 0
        if batch:
            yield b"".join(batch)
