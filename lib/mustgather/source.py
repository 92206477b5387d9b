"""A Source over a must-gather: the same reads as live clusters, from files; never writes."""

from __future__ import annotations

import collections
import datetime as _dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import List

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from ..errors import ApiError, MigError, NotCollected
from ..gather.velero import velero_record
from ..logs.stream import split_stamp
from ..resources import BY_KIND, Resource, resource
from ..selectors import SelectorError, match_fields, match_labels, parse_fields, parse_labels
from ..source import Source
from .layout import ClusterDir, LogFile, check_file, infer_roles, past, scan


def _kind(kind: str | Resource) -> str:
    return _res(kind)[0]


def _res(kind: str | Resource) -> tuple[str, str | None, bool | None]:
    """(Kind, API group, namespaced) as far as known; None where the tool does not know the kind."""
    if isinstance(kind, Resource):
        return kind.kind, kind.group, kind.namespaced
    try:
        r = resource(kind)
    except KeyError:
        return kind, None, None
    return r.kind, r.group, r.namespaced


def _readable(files: list) -> list:
    """Files of one log, the ones with content first: inspect leaves `current.log` empty beside the
    `current.insecure.log` it wrote when the kubelet's certificate could not be verified."""
    def size(lf) -> int:
        try:
            return os.stat(lf.path).st_size
        except OSError:
            return 0
    return sorted(files, key=lambda lf: (size(lf) == 0, lf.path.name.endswith(".insecure.log")))


def _image_log(path: Path, target: str, name: str) -> bool:
    """Whether `path` is the MTC image's copy of DownloadRequest `target` (BackupLog, RestoreLog) of `name`:
    migtools/must-gather release-1.2.2 ... 1.3.2 (b0f33ca, 7b4390d, ce3a497) `collection-scripts/gather_logs`:
    `<cluster>/namespaces/<ns>/logs/velero-backup-logs/<name>-backup.log` (restores alike); release-1.4.0 ...
    1.8 (cd5e0ae, c9f9985, 3a3d153, fdc3d9a) `gather_logs`, `logs/gather_logs_backup`, `gather_logs_restore`:
    `migplans/migplan-<p>/migmigration-<m>/backup-<name>/backup-<name>.log`."""
    kind = {"BackupLog": "backup", "RestoreLog": "restore"}.get(target)
    if kind is None:
        return False
    return (path.name == f"{kind}-{name}.log" and path.parent.name == f"{kind}-{name}") or \
        (path.name == f"{name}-{kind}.log" and path.parent.name == f"velero-{kind}-logs")


def _shown(cd: ClusterDir, path: Path) -> str:
    """A file's path from its cluster's directory on (`clusters/<cluster>/...` in the MTC image's tarball)."""
    try:
        rel = path.relative_to(cd.path.parent.parent if cd.path.parent.name == "clusters" else cd.path.parent)
    except ValueError:
        rel = path
    return rel.as_posix()


class MustGatherSource(Source):
    live = False

    def __init__(self, top: Path, index: dict | None, namespace: str, origin: str,
                 clusters: List[ClusterDir] | None = None, pinned: dict[str, ClusterDir] | None = None,
                 stamped: float = 0.0):
        """`clusters`: already scanned (mig-gather passes what it wrote, objects kept in memory);
        `pinned`: role -> cluster the user said (`--role DIR=ROLE`), which nothing overrides; `stamped`:
        when `oc adm must-gather` finished, from its `timestamp` file."""
        self.namespace = namespace
        self.origin = origin
        self.clusters = clusters if clusters is not None else scan(top, index, origin=origin)
        self._pinned = dict(pinned or {})
        self._roles = {**infer_roles(self.clusters), **self._pinned}
        self._absent: dict[str, str] = {}          # role -> why its cluster is not in the bundle
        self._index_doc = index
        self._index = {id(cd): self._by_kind(cd) for cd in self.clusters}
        self._roles_from_migclusters()
        self.now = self._gathered_at(index, self.clusters, stamped)

    @staticmethod
    def _by_kind(cd: ClusterDir) -> dict:
        idx: dict = collections.defaultdict(dict)
        for x in cd.objects:
            idx[x["kind"]][(o.namespace(x) or "", o.name(x))] = x     # later files win over duplicates
        return idx

    @staticmethod
    def _gathered_at(index: dict | None, clusters: List[ClusterDir], stamped: float = 0.0) -> _dt.datetime | None:
        when = o.parse_time((index or {}).get("finished")) or o.parse_time((index or {}).get("started"))
        if when and when.timestamp() == past(when.timestamp()):
            return when     # a time gather.json cannot hold ("garbage", year 0) or still to come: the files'

        newest = max((cd.newest for cd in clusters), default=0.0)      # files read, never followed out
        stamped = max([stamped] + [cd.stamped for cd in clusters])     # oc's `timestamp` files
        if stamped and not stamped <= newest <= stamped + 3600:
            # files given later times (copied, checked out) tell when they were copied, not gathered; a file
            # written within the hour after inspect's stamp is the image's gather_logs, still gathering
            return _dt.datetime.fromtimestamp(stamped, _dt.timezone.utc)
        return _dt.datetime.fromtimestamp(newest, _dt.timezone.utc) if newest else None

    def _roles_from_migclusters(self) -> None:
        """Before any plan is read: the newest migration's plan (or the only plan) names the source and
        target MigClusters; their directories (the image names them after the MigCluster) take the roles."""
        host = self._index[id(self._roles["host"])] if "host" in self._roles else {}
        # the bundle's fields are as the files say: a timestamp or a reference of another type reads as none
        migs = sorted(host.get("MigMigration", {}).values(), key=lambda m: str(o.meta(m).get("creationTimestamp") or ""))
        plans = host.get("MigPlan", {})
        name = o.plan_name(migs[-1]) if migs else ""
        plan = plans.get((self.namespace, name)) if name else (next(iter(plans.values())) if len(plans) == 1 else None)
        if not plan:
            return
        mcs = {n: x for (_, n), x in host.get("MigCluster", {}).items()}
        for role, key in (("source", "srcMigClusterRef"), ("target", "destMigClusterRef")):
            self.bind(role, mcs.get(o.ref_name(plan, key)))

    # --- roles ---------------------------------------------------------------------------------
    def _objects(self, role: str, kind: str | Resource) -> dict:
        """(namespace, name) -> object of one kind in the cluster playing `role`."""
        return self._index[id(self._cluster(role))].get(_kind(kind), {})

    def _cluster(self, role: str) -> ClusterDir:
        cd = self._roles.get(role)
        if cd is None:
            why = f" ({self._absent[role]})" if role in self._absent else ""
            raise ApiError(f"{role}: not in the must-gather {self.origin}{why}", 0, "NotGathered", role)
        return cd

    @staticmethod
    def _named(cd: ClusterDir, name: str) -> bool:
        return name in (cd.name, cd.path.name) or cd.path.name.endswith("_" + name)

    def bind(self, role: str, migcluster: dict | None) -> None:
        """A MigCluster names its cluster: a directory of that name (or `<role>_<name>`) wins;
        the MigCluster that is the host cluster maps to the host's directory. In the MTC image's bundle a
        remote MigCluster with no directory was not gathered (release-1.2.0/1.2.1, 447a846 `gather`: the
        host only; from b0bd4b1 a directory per MigCluster it could log in to): the role is not given the
        host's directory nor another MigCluster's."""
        if not migcluster or role in self._pinned:
            return
        name = o.name(migcluster)
        for cd in self.clusters:
            if self._named(cd, name):
                self._roles[role] = cd
                self._absent.pop(role, None)
                return
        host = self._roles.get("host")
        if o.is_host_cluster(migcluster):
            if host is not None:
                self._roles[role] = host
                self._absent.pop(role, None)
            return
        cur = self._roles.get(role)
        if cur is None or role in cur.roles or host is None or host.coverage.producer != "mtc-image":
            return          # gather.json said so; a plain inspect's one cluster still plays every role
        others = [o.name(m) for m in self._index[id(host)].get("MigCluster", {}).values()
                  if not o.is_host_cluster(m)] if host else []       # remote ones
        if cur is host or any(self._named(cur, n) for n in others if n != name):
            del self._roles[role]
            self._absent[role] = f"no directory of MigCluster {name}, a remote cluster: it was not gathered"

    def roles(self) -> List[str]:
        return [r for r in ("host", "source", "target") if r in self._roles]

    def label(self, role: str) -> str:
        cd = self._roles.get(role)
        return f"{role} ({cd.name})" if cd and cd.name != role else role

    # --- reads ---------------------------------------------------------------------------------
    def _collected(self, role: str, kind: str | Resource, namespace: str | None) -> None:
        """Raise NotCollected when the bundle never gathered `kind` (in `namespace`) on `role`'s cluster."""
        cd = self._cluster(role)
        k, group, namespaced = _res(kind)
        why = cd.coverage.why_not(self.label(role), k, group, namespaced, namespace)
        if why:
            raise NotCollected(why)

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        try:
            lterms, fterms = parse_labels(labels), parse_fields(fields)
        except SelectorError as e:
            raise MigError(f"bad selector: {e}") from None
        self._collected(role, kind, namespace)
        return [x for (ns, _), x in sorted(self._objects(role, kind).items())
                if (namespace is None or ns == namespace) and match_labels(lterms, o.labels(x))
                and match_fields(fterms, x)]

    def get(self, role, kind, name, namespace=None):
        found = self._objects(role, kind).get((namespace or "", name))
        if found is not None:
            return found
        cd = self._cluster(role)
        if _kind(kind) == "Namespace" and not cd.coverage.failed:
            if cd.coverage.namespace_known(name):
                return None
            raise NotCollected(f"{self.label(role)}: namespace {name} was not inspected by this must-gather")
        self._collected(role, kind, namespace)
        return None

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

    def logged_pods(self, role) -> List[dict]:
        """MTC's helper pods the MTC image saved logs of and no object: migtools/must-gather release-1.8 = master
        (fdc3d9a, 2022-12-15) `collection-scripts/logs/gather_logs_helper_pods` runs, in every namespace but the
        MTC ones, `oc get pods -l app.kubernetes.io/part-of=openshift-migration` and `oc logs --all-containers
        --since ${logs_since}` of each into `clusters/<cluster>/namespaces/<ns>/logs/<pod>/current.log` (and
        `--previous` into previous.log); nothing else of them (`oc adm inspect` runs on the MTC namespaces
        only). So such a file gives the pod's namespace and name and, by that selector, its part-of label;
        not its containers (one file holds them all), phase, node, other labels or exit codes. A file holding
        only oc's error is no log (layout._log_file) and makes no pod. Earlier generations write `logs/<pod>/`
        in the MTC namespaces only, whose pods inspect saves."""
        try:
            cd = self._cluster(role)
        except ApiError:
            return []
        if cd.coverage.producer != "mtc-image":
            return []
        known = {ns for (ns, _) in self._index[id(cd)].get("Pod", {})}
        out: dict = {}
        for lf in sorted(cd.logs, key=lambda lf: (lf.namespace, lf.pod)):
            if lf.container is not None or lf.previous or lf.namespace in cd.coverage.inspected \
                    or lf.namespace == self.namespace or lf.namespace in known:
                continue
            out.setdefault((lf.namespace, lf.pod), {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": lf.pod, "namespace": lf.namespace, "labels": {mtc.PART_OF: mtc.PART_OF_VALUE}},
                podlib.SAVED_LOG: {"file": _shown(cd, lf.path), "kind": "", "why": ""}})
        return list(out.values())

    def _pick(self, role, namespace, pod, container, previous) -> List[LogFile]:
        files = [lf for lf in self._cluster(role).logs
                 if lf.namespace == namespace and lf.pod == pod and lf.previous == bool(previous)]
        exact = [lf for lf in files if lf.container == container] if container else []
        return _readable(exact or [lf for lf in files if lf.container is None] or (files if not container else []))

    def log_window(self, role, namespace, pod, container=None) -> str | None:
        """mig-gather's --since (gather.json `logsSince`); the MTC image's own copy of a pod's log, taken with
        `oc logs --since ${logs_since}` from release-1.4.3 (3a3d153 `gather`, `logs/gather_logs_pods`: 72h
        unless run as gather_1h/6h/24h/all; the window is not written down), when inspect's whole log is
        not beside it (the *_essential gathers delete it)."""
        since = (self._index_doc or {}).get("logsSince")
        if isinstance(since, dict) and (since.get("seconds") or since.get("time")):
            return (f"mig-gather was run with --since {since['seconds']}s" if since.get("seconds") else
                    f"mig-gather was run with --since-time {since['time']}")
        try:
            pick = self._pick(role, namespace, pod, container, False)
        except ApiError:
            return None
        if pick and pick[0].container is None and self._cluster(role).path.parent.name == "clusters" \
                and self._cluster(role).coverage.producer == "mtc-image":
            return ("the MTC must-gather image gathers only the last logs_since of it (oc logs --since, 72h "
                    "unless run as gather_1h, 6h or 24h) and inspect's whole log is not in the bundle")
        return None

    def logs(self, role, namespace, pod, container=None, previous=False, timestamps=False, tail_lines=None,
             since_seconds=None, since_time=None, follow=False, **_) -> Iterator[bytes]:
        pick = self._pick(role, namespace, pod, container, previous)
        if not pick:
            what = f"{'previous ' if previous else ''}logs of pod {namespace}/{pod}" + \
                   (f" container {container}" if container else "")
            raise ApiError(f"{self.label(role)}: {what} are not in the must-gather", 404, "NotFound", role)
        since = since_time or (self._since(since_seconds) if since_seconds else None)
        # the MTC image's copy (`oc logs` without --timestamps, all containers in one file) has no stamps to strip
        return self._read(pick[0].path, timestamps, tail_lines, since, plain=pick[0].container is None)

    def download(self, role, kind, name) -> bytes:
        """Velero's copy of a Backup's/Restore's log or results, as mig-gather saved it (lib/gather/velero.py),
        else the log as the MTC must-gather image saved it."""
        cd = self._cluster(role)
        missing = NotCollected(f"{self.label(role)}: the {kind} of {name} is not in the must-gather")
        if not name or "/" in name or "\\" in name or name in (".", ".."):   # a name from the bundle: never a path
            raise missing
        path = cd.path / velero_record(kind, name)
        if not os.path.lexists(path):
            return self._image_record(role, kind, name, missing)
        why = check_file(cd.path, path, None, walked=False)
        if why:
            raise NotCollected(f"{self.label(role)}: the {kind} of {name} in the must-gather was not read: {why}")
        try:
            return path.read_bytes()
        except OSError as e:
            raise NotCollected(f"{self.label(role)}: the {kind} of {name} could not be read: {e.strerror or e}") \
                from None

    def _image_record(self, role: str, kind: str, name: str, missing: NotCollected) -> bytes:
        """`velero backup|restore logs` as the MTC must-gather image saved it (its only Velero file that is a
        DownloadRequest target: it has no results or resource list). The role's cluster first, then the
        others: from release-1.4.0 the image files them in the shared `migplans/` tree, and a Backup's log is
        the one file in object storage whichever cluster's Velero fetched it."""
        found = [p for cd in sorted(self.clusters, key=lambda c: c is not self._cluster(role))
                 for p in cd.records if _image_log(p, kind, name)]
        if not found:
            raise missing
        try:
            data = found[0].read_bytes()
        except OSError as e:
            raise NotCollected(f"{self.label(role)}: the {kind} of {name} could not be read: {e.strerror or e}") \
                from None
        if not any(line.lstrip().startswith((b"time=", b"{")) for line in data.splitlines()):
            # `oc exec ... velero <kind> logs &> file`: a failure leaves only its message (or nothing)
            said = data.decode("utf-8", "replace").strip().splitlines()[:1]
            raise NotCollected(f"{self.label(role)}: the must-gather's {found[0].name} holds no log of {name}"
                               + (f": {said[0][:200]}" if said else " (empty)"))
        return data

    def _since(self, seconds: int) -> str:
        base = self.now or o.now()
        try:
            return o.format_time(base - _dt.timedelta(seconds=seconds))
        except OverflowError:       # a window reaching before year 1: the whole log
            return o.format_time(_dt.datetime.min.replace(tzinfo=_dt.timezone.utc))

    @staticmethod
    def _read(path: Path, timestamps: bool, tail: int | None, since: str | None, plain: bool = False) -> Iterator[bytes]:
        if (timestamps or plain) and tail is None and not since:      # as stored: whole blocks, no per-line work
            with open(path, "rb") as f:
                while True:
                    block = f.read(1 << 20)
                    if not block:
                        return
                    yield block
        def lines():
            with open(path, "rb") as f:
                for line in f:
                    stamp, rest = ("", line) if plain else split_stamp(line)
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
