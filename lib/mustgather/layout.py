"""Reading the layouts a must-gather comes in, into clusters of objects and log files.

- ours (mig-gather): `gather.json` at the top names each cluster's directory and roles; each
  directory is in `oc adm inspect`'s layout.
- `oc adm inspect`: `namespaces/<ns>/<group>/<resource>.yaml` (lists), `namespaces/<ns>/<ns>.yaml`,
  `namespaces/<ns>/pods/<pod>/<pod>.yaml`, `cluster-scoped-resources/<group>/<resource>/<name>.yaml`,
  logs in `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log` (or, when
  the kubelet's certificate could not be verified, `{current,previous}.insecure.log` beside an empty
  one), and from oc 4.5 a `timestamp` file (start and end) in its --dest-dir.
- the MTC must-gather image (migtools/must-gather, formerly konveyor/must-gather), each generation
  of its scripts: `oc adm inspect ns/<MTC ns>` output plus `namespaces/<ns>/crs/<plural.group>/<name>.yaml`,
  `cluster-scoped-resources/<plural.group>/<name>.yaml` and logs of all containers in
  `namespaces/<ns>/logs/<pod>/{current,previous}.log`, per cluster:
    2020-03  the host only, at the top (`must-gather/namespaces/...`);
    2020-05  `<cluster>/...`, `host` and one directory per remote MigCluster, `<cluster>/login_error.txt`
             when it could not log in;
    2020-09  the same inside `must-gather.tar.gz` (what `oc adm must-gather` copies back);
    2021-01  plus `migplans/migplan-<plan>/<plan>.yml`, `migmigration-<m>/migmigration-<m>.yml`,
             `dvm-*/`, `dim-*/`, Velero's `backup-<b>/backup-describe-<b>.txt` and `backup-<b>.log`
             (MigPlans and MigMigrations no longer under crs/);
    2021-03  `clusters/<cluster>/...` (current); release-1.8 adds `namespaces/<other ns>/logs/<pod>/` of
             MTC's helper pods elsewhere.
  Velero's `backup|restore logs` files are read as Velero's copy (download()); `oc adm must-gather`'s
  `timestamp` beside the image's directory says when it was gathered.
  A failed `oc logs` leaves its error message in the log file: such files are not logs.

A cluster is a directory holding `namespaces/` or `cluster-scoped-resources/`, a directory under
`clusters/`, or one holding `login_error.txt`; every file belongs to the nearest such directory
above it (files outside any belong to the host).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import MigError
from .coverage import Coverage

_Base: type
try:
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Base = yaml.SafeLoader
_STR = "tag:yaml.org,2002:str"


class Loader(_Base):  # type: ignore[misc,valid-type]
    """YAML read as the API server's JSON: an unquoted timestamp or a `!!binary` stays the text it
    is, a key is a string (`1:`, `on:`), `!!omap` a list and `!!set` a map; anything else JSON cannot say (a
    datetime, bytes) would break sorting and `-o json` far from the file that held it."""

    def construct_mapping(self, node, deep=False):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag not in (_STR, "tag:yaml.org,2002:merge"):
                key.tag = _STR
        return super().construct_mapping(node, deep=deep)


for _tag in ("timestamp", "binary"):
    Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", lambda loader, node: loader.construct_scalar(node))
for _tag in ("omap", "pairs"):
    Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", lambda loader, node: loader.construct_sequence(node, True))
Loader.add_constructor("tag:yaml.org,2002:set", lambda loader, node: loader.construct_mapping(node, True))

MARKERS = ("namespaces", "cluster-scoped-resources")
SKIP_DIRS = {"mig-verify", "logs", "migplans", "metrics", "memory-profiles", "velero"}
NOT_DATA = {"mig-verify", "metrics", "memory-profiles"}     # our reports; the image's Prometheus and pprof dumps
LOGIN_ERROR = "login_error.txt"
MAX_DEPTH = 10           # must-gather.local.<id>/<image>/must-gather/clusters/<c>, inside a scrubbed copy's top
_ERROR_TEXT = (b"Error from server", b"error: ", b"Error: ")
OBJECT_SUFFIXES = (".yaml", ".yml", ".json")
MAX_OBJECT_FILE = int(os.environ.get("MIG_TOOLS_MAX_OBJECT_FILE", str(64 << 20)))   # bytes of one YAML/JSON file
MAX_NESTING = 200          # of a YAML/JSON document (Kubernetes objects stay under 30)
MAX_DIR_DEPTH = 24         # directories below the bundle's top (the layouts need at most 16)


@dataclass
class LogFile:
    namespace: str
    pod: str
    container: str | None       # None: all containers in one file (the MTC image)
    previous: bool
    path: Path


@dataclass
class ClusterDir:
    name: str
    path: Path
    objects: list = field(default_factory=list)
    logs: list = field(default_factory=list)
    roles: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)   # "file: why" for files skipped, for warnings
    newest: float = 0.0                               # newest modification time of the files read
    coverage: Coverage = field(default_factory=Coverage)
    records: list = field(default_factory=list)      # Velero describe/logs files (the MTC image's migplans/)
    stamped: float = 0.0                              # when `oc adm inspect` finished with it (its `timestamp`)


class NoClusterData(MigError):
    """A directory with nothing this tool can read."""


def check_file(top: Path, path: Path, limit: int | None, walked: bool = True) -> str | None:
    """Why `path` must not be read (None: it may): a directory handed to --must-gather gets the
    rules of an archive's entries. A symlink must stay inside `top`; only regular files are read
    (a FIFO or device would block or never end); `limit` bounds the size. `walked`: `path` was
    found by os.walk, which never enters a symlinked directory, so only its last part can leave
    `top`; a path made from names (a glob, an object's name) is resolved whole."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or not walked:
            real, inside = os.path.realpath(path), os.path.realpath(top)
            if os.path.commonpath([real, inside]) != inside:
                return f"a symlink to {real}, outside the bundle"
            st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file (a FIFO, device or socket)"
    except (OSError, ValueError) as e:
        return getattr(e, "strerror", None) or str(e)
    if limit is not None and st.st_size > limit:
        return f"{st.st_size >> 20} MiB, over the {limit >> 20} MiB a file of objects may have"
    return None


def find_root(top: Path) -> tuple[Path, dict | None]:
    """The bundle's top (where gather.json is, if anywhere near) and its index. Near: our tarball
    holds must-gather.local.<id>/, and `oc adm must-gather` puts the image's output one level lower."""
    for pattern in ("gather.json", "*/gather.json", "*/*/gather.json"):
        for idx in sorted(top.glob(pattern)):
            if os.path.lexists(idx) and not os.path.isdir(idx):
                why = check_file(top, idx, MAX_OBJECT_FILE, walked=False)
                if why:
                    raise MigError(f"must-gather {idx}: refusing gather.json: {why}")
                try:
                    index = json.loads(idx.read_bytes())
                except (ValueError, RecursionError) as e:
                    raise MigError(f"must-gather {idx}: gather.json is not valid JSON ({e})") from None
                wrong = _index_error(index)
                if wrong:
                    raise MigError(f"must-gather {idx}: gather.json is not a mig-gather index ({wrong})")
                return idx.parent, index
    return top, None


_INDEX_FIELDS = {"namespace": str, "started": str, "finished": str, "clusters": list}
_CLUSTER_FIELDS = {"dir": str, "name": str, "roles": list, "namespaces": list, "missing": list}


def _index_error(index) -> str | None:
    """What in gather.json has a shape mig-gather never writes (None: nothing): it comes from the
    bundle, and its fields are read without further checks."""
    if index is None:
        return None
    if not isinstance(index, dict):
        return "not a JSON object"
    bad = [k for k, t in _INDEX_FIELDS.items() if index.get(k) is not None and not isinstance(index[k], t)]
    if not isinstance(index.get("clusters"), list):       # mig-gather always writes it, each with its dir
        bad.append("clusters")
    for i, c in enumerate(index.get("clusters") or []):
        if not isinstance(c, dict) or not isinstance(c.get("dir"), str):
            bad.append(f"clusters[{i}]" if not isinstance(c, dict) else f"clusters[{i}].dir")
            continue
        bad += [f"clusters[{i}].{k}" for k, t in _CLUSTER_FIELDS.items() if c.get(k) is not None and not isinstance(c[k], t)]
        bad += [f"clusters[{i}].{k}" for k in ("roles", "namespaces")
                if isinstance(c.get(k), list) and not all(isinstance(x, str) for x in c[k])]
        if isinstance(c.get("missing"), list) and not all(isinstance(m, dict) for m in c["missing"]):
            bad.append(f"clusters[{i}].missing")
    return f"{', '.join(bad[:3])} of the wrong type" if bad else None


def _cluster_dirs(top: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        d = Path(dirpath)
        if any(m in dirnames for m in MARKERS) or LOGIN_ERROR in filenames or (d.parent.name == "clusters" and d != top):
            found.append(d)
            dirnames[:] = []
            continue
        depth = len(d.relative_to(top).parts)
        dirnames[:] = [] if depth >= MAX_DEPTH else [x for x in dirnames if x not in SKIP_DIRS]
    return found


def _owner(path: Path, roots: list[Path]) -> Path | None:
    best = None
    for r in roots:
        if (r == path or r in path.parents) and (best is None or len(r.parts) > len(best.parts)):
            best = r
    return best


# `oc adm inspect` (openshift/oc pkg/cli/admin/inspect/pod.go, release-4.4 ... 4.11 and later): when the
# kubelet's serving certificate cannot be verified (an OCP 3.11 source cluster), the log is asked for again
# with InsecureSkipTLSVerifyBackend and written to `<name>.insecure.log`, the `<name>.log` it opened first
# left empty.
LOG_NAMES = ("current.log", "previous.log", "current.insecure.log", "previous.insecure.log")


def _log_file(rel: tuple[str, ...], path: Path) -> LogFile | None:
    """Recognise a log file by its place relative to its cluster directory."""
    name = rel[-1]
    if name not in LOG_NAMES:
        return None
    prev = name.startswith("previous.")
    if name.endswith(".insecure.log") and not (len(rel) == 8 and rel[0] == "namespaces" and rel[2] == "pods"):
        return None                       # only inspect writes them (the MTC image's `oc logs` never does)
    # namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log
    if len(rel) == 8 and rel[0] == "namespaces" and rel[2] == "pods" and rel[6] == "logs":
        return LogFile(rel[1], rel[3], rel[4], prev, path)
    # namespaces/<ns>/logs/<pod>/current.log
    if len(rel) == 5 and rel[0] == "namespaces" and rel[2] == "logs":
        return None if _error_text(path) else LogFile(rel[1], rel[3], None, prev, path)
    return None


def _error_text(path: Path) -> bool:
    """The MTC image's `oc logs ... &> current.log`: a failure leaves only oc's message (or nothing)."""
    try:
        if path.stat().st_size > 4096:
            return False
        with open(path, "rb") as f:
            head = f.read(4096).lstrip()
    except OSError:
        return True
    return not head or head.startswith(_ERROR_TEXT)


class Hostile(ValueError):
    """A document built to hurt its reader (too deep, aliases)."""


def _suspicious(data: bytes) -> bool:
    """Whether a document may nest deeply or hold aliases: a few finds, then `_walk` looks closely."""
    return (b"*" in data or data.count(b"[") + data.count(b"{") > MAX_NESTING or b"- - - - " in data
            or b" " * (2 * MAX_NESTING) in data)


def vet(data: bytes) -> None:
    """Raise Hostile when a YAML or JSON document is built to hurt its reader (nested past MAX_NESTING,
    aliases); most documents are cleared by a few byte searches, the others by walking their events."""
    if _suspicious(data):
        _walk(data)


def _walk(data: bytes) -> None:
    """Walk the YAML events (libyaml's parser keeps its own stack; composing is what recurses and,
    in the C extension some wheels carry, crashes past ~50,000 levels): refuse a nesting deeper than
    MAX_NESTING or any alias (`*name`: Kubernetes never writes one, and expanded they bomb)."""
    depth = 0
    try:
        for ev in yaml.parse(data, Loader=Loader):
            if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise Hostile(f"nested deeper than {MAX_NESTING} levels")
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(ev, yaml.AliasEvent):
                raise Hostile("holds YAML aliases (*name), which Kubernetes objects never do")
    except yaml.YAMLError as e:         # newer libyaml stops at 1,000 levels itself
        if "nesting depth" in str(e):
            raise Hostile(f"nested deeper than {MAX_NESTING} levels") from None
        raise


def _objects(path: Path) -> tuple[list[dict], int]:
    """The objects of a file, and how many items it holds that are not objects (their kind not a
    string, their metadata not a map): those are skipped, as the API server would refuse them."""
    with open(path, "rb") as f:
        data = f.read(MAX_OBJECT_FILE + 1)
    vet(data)
    docs = list(yaml.load_all(data, Loader=Loader))
    out: list[dict] = []
    odd = 0
    for d in docs:
        if not isinstance(d, dict):
            continue
        if isinstance(d.get("items"), list) and str(d.get("kind", "List")).endswith("List"):
            items = [i for i in d["items"] if isinstance(i, dict) and i.get("kind")]
        elif d.get("kind") and isinstance(d.get("metadata"), dict) and d["metadata"].get("name"):
            items = [d]
        else:
            continue
        good = [i for i in items if _object_shape(i)]
        odd += len(items) - len(good)
        out += good
    return out, odd


_META_TEXT = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp")


def _object_shape(x: dict) -> bool:
    """Whether `x` can be an object; its metadata's scalars become the strings the API server
    sends (`creationTimestamp: 1567400000` sorted among RFC 3339 strings would raise)."""
    meta = x.get("metadata", {})
    if not isinstance(x["kind"], str) or not isinstance(meta, dict):
        return False
    for k in _META_TEXT:
        v = meta.get(k)
        if isinstance(v, (int, float)):
            meta[k] = str(v)
        elif v is not None and not isinstance(v, str):
            return False
    return True


def scan(top: Path, index: dict | None, objects: bool = True, origin: str | None = None) -> list[ClusterDir]:
    """The clusters of the bundle with their objects (unless `objects` is false) and log files.
    Errors name `origin` (the path the user gave) rather than where an archive was extracted."""
    if index:   # gather.json comes from the archive too: only plain directory names count
        roots = [top / d for d in (str(c.get("dir", "")) for c in index.get("clusters", []))
                 if d and "/" not in d and "\\" not in d and d not in (".", "..") and (top / d).is_dir()
                 and not (top / d).is_symlink()]      # a cluster's directory is in the bundle, not linked from it
    else:
        roots = _cluster_dirs(top)
    if not roots:
        raise NoClusterData(f"must-gather {origin or top}: no cluster data found (no namespaces/ or "
                            "cluster-scoped-resources/ directory, no gather.json)")
    clusters = {r: ClusterDir(r.name if r != top else "cluster", r) for r in roots}
    outside = ClusterDir("outside", top)         # files above every cluster (the MTC image's migplan-*/)
    for dirpath, dirnames, filenames in os.walk(top):
        d = Path(dirpath)
        dirnames[:] = [x for x in dirnames if x not in NOT_DATA]
        owner = _owner(d, roots)
        cd = clusters[owner] if owner else outside
        if len(d.relative_to(top).parts) >= MAX_DIR_DEPTH and dirnames:
            cd.unreadable.append(f"{d.relative_to(top)}/: directories deeper than {MAX_DIR_DEPTH} levels")
            dirnames[:] = []
        for fn in filenames:
            p = d / fn
            is_log = owner is not None and fn in LOG_NAMES
            record = fn.endswith((".txt", ".log", ".json")) and (_velero_record(fn) or d.parent.parent.name == "velero")
            wanted = objects and fn.endswith(OBJECT_SUFFIXES) and fn != "gather.json" and not fn.startswith(".")
            if not (is_log or record or wanted):
                continue
            why = check_file(top, p, None if is_log or record else MAX_OBJECT_FILE)
            if why:        # before anything opens it: a FIFO would block, a symlink could leave the bundle
                cd.unreadable.append(f"{p.relative_to(top)}: {why}")
                continue
            cd.newest = max(cd.newest, _mtime(p))
            lf = _log_file(p.relative_to(owner).parts, p) if is_log and owner else None
            if lf:
                cd.logs.append(lf)
            elif record:
                cd.records.append(p)
            elif wanted:
                try:
                    objs, odd = _objects(p)
                    cd.objects += objs
                    if odd:
                        cd.unreadable.append(f"{p.relative_to(top)}: {odd} item(s) not Kubernetes objects "
                                             "(kind, metadata, name or namespace of the wrong type)")
                except Hostile as e:
                    cd.unreadable.append(f"{p.relative_to(top)}: {e}")
                except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError, RecursionError):
                    cd.unreadable.append(f"{p.relative_to(top)}: not YAML objects")
    out = list(clusters.values())
    if index:
        by_dir = {c.get("dir"): c for c in index.get("clusters", [])}
        for cd in out:
            meta = by_dir.get(cd.path.name, {})
            cd.roles = list(meta.get("roles", []))
            cd.name = meta.get("name") or cd.name
    if outside.objects or outside.unreadable or outside.records:      # they belong to the host
        host = next((c for c in out if "host" in c.roles), None) or next((c for c in out if c.path.name == "host"),
                                                                         None) or _most(out, _MIG_KINDS) or out[0]
        host.objects += outside.objects
        host.unreadable += outside.unreadable
        host.records += outside.records
    for cd in out:
        cd.coverage = _coverage(cd, top, index)
        cd.stamped = read_stamp(top, cd.path / TIMESTAMP)
    return out


# openshift/oc cb895bcb7 (2020-04-06, in release-4.5 on) `logTimestamp`: `oc adm must-gather` appends
# `time.Now()` as Go prints it to `<dest>/timestamp` when it starts and when it ends, and `oc adm inspect`
# does the same in its --dest-dir: "2021-03-24 10:15:03.123456789 +0100 CET m=+0.041234567".
_GO_TIME = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? ([+-]\d{4})\b")
TIMESTAMP = "timestamp"


def read_stamp(top: Path, path: Path) -> float:
    """The latest time written in an oc `timestamp` file (epoch seconds; 0 when none can be read): when the
    bundle was gathered, whatever times its files were given when copied, checked out or extracted."""
    if not os.path.lexists(path) or check_file(top, path, 4096, walked=False):
        return 0.0
    best = 0.0
    for m in _GO_TIME.finditer(_head(path)):
        day, clock, frac, zone = m.groups()
        try:
            t = _dt.datetime.strptime(f"{day} {clock} {zone}", "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            continue
        best = max(best, past(t.timestamp() + float(f"0.{frac}" if frac else 0)))
    return best


# A bundle is not gathered after it is read: a time later than this past the clock (a day of skew between the
# gathering machine and this one) is no time of the bundle (year 2999, or 9999, which no datetime can hold in UTC).
_SKEW_S = 86400


def past(t: float) -> float:
    """`t` (epoch seconds) when it is not later than now and a day; 0 (no time) otherwise."""
    return t if t <= time.time() + _SKEW_S else 0.0


def _head(p: Path) -> str:
    try:
        with open(p, "rb") as f:
            return f.read(4096).decode("utf-8", "replace")
    except OSError as e:
        return e.strerror or str(e)


def _mtime(p: Path) -> float:
    try:
        return past(p.stat().st_mtime)
    except OSError:
        return 0.0


def _velero_record(fn: str) -> bool:
    """backup-describe-<b>.txt, backup-<b>.log, restore-..., and 2020's <b>-backup.log, <b>-backup-describe.log."""
    return fn.startswith(("backup-", "restore-")) or fn.endswith(("-backup.log", "-restore.log", "-describe.log"))


def _coverage(cd: ClusterDir, top: Path, index: dict | None) -> Coverage:
    cov = Coverage()
    login = cd.path / LOGIN_ERROR
    if os.path.lexists(login):      # its text is shown: never one from outside the bundle, or a FIFO's
        why = check_file(top, login, None, walked=False)
        if why:
            cd.unreadable.append(f"{login.relative_to(top)}: {why}")
        cov.failed = "login failed" if why else _head(login).strip()[:200] or "login failed"
    ns_dir = cd.path / "namespaces"
    spaces = [d for d in ns_dir.iterdir() if d.is_dir()] if ns_dir.is_dir() else []
    cov.inspected = {d.name for d in spaces if (d / f"{d.name}.yaml").is_file()}
    if index:
        cov.producer = "ours"
        cov.mtc_namespace = str(index.get("namespace") or "")
        meta: dict = next((c for c in index.get("clusters", []) if c.get("dir") == cd.path.name), {})
        summaries = [d for d in spaces if not check_file(top, d / "mig-gather-summary.yaml", MAX_OBJECT_FILE, False)]
        cov.app_namespaces = set(meta.get("namespaces") or [d.name for d in summaries])
        cov.full = bool(meta.get("full", False)) or any("full: true" in _head(d / "mig-gather-summary.yaml")
                                                        for d in summaries[:1])
        cov.missing = {str(m.get("what", "")): str(m.get("why", "")) for m in meta.get("missing") or []}
    elif any((d / "crs").is_dir() or (d / "logs").is_dir() for d in spaces) or cd.path.parent.name == "clusters" \
            or (top / "migplans").is_dir() or cov.failed:
        cov.producer = "mtc-image"
    for x in cd.objects:
        ns = (x.get("metadata") or {}).get("namespace") or ""
        cov.present.add((x.get("kind"), ns))
        cov.groups.add((str(x.get("apiVersion") or "").rpartition("/")[0], ns))
    return cov


_MIG_KINDS = ("MigMigration", "MigPlan", "MigCluster")


def _count(cd: ClusterDir, kinds) -> int:
    return sum(1 for x in cd.objects if x.get("kind") in kinds)


def _most(clusters: list[ClusterDir], kinds) -> ClusterDir | None:
    best = max(clusters, key=lambda c: _count(c, kinds), default=None)
    return best if best is not None and _count(best, kinds) else None


def infer_roles(clusters: list[ClusterDir]) -> dict[str, ClusterDir]:
    """role -> cluster. From gather.json when it says; otherwise the cluster with the MTC CRs is
    the host, the one with the most Velero Restores the target, the one with Backups and no
    Restores the source; a single cluster plays every role."""
    roles: dict[str, ClusterDir] = {}
    for cd in clusters:
        for r in cd.roles:
            roles.setdefault(r, cd)
    if len(clusters) == 1:
        for r in ("host", "source", "target"):
            roles.setdefault(r, clusters[0])
        return roles
    named = {r: [cd for cd in clusters if cd.path.name == r or cd.path.name.startswith(r + "_")]
             for r in ("host", "source", "target")}
    for r, cds in named.items():     # a directory named for its role (e.g. source_ocp3)
        if cds:
            # the image run on each cluster and the runs put together: every run names its own cluster
            # `host` (migtools/must-gather b0bd4b1 on, `gather`); the host is the one holding the MTC CRs
            roles.setdefault(r, (_most(cds, _MIG_KINDS) if r == "host" else None) or cds[0])
    roles.setdefault("host", _most(clusters, _MIG_KINDS) or clusters[0])
    if "target" not in roles:
        t = _most(clusters, ("Restore",))
        if t:
            roles["target"] = t
    if "source" not in roles:
        cands = [c for c in clusters if _count(c, ("Backup",)) and c is not roles.get("target")]
        if cands:
            roles["source"] = max(cands, key=lambda c: _count(c, ("Backup",)))
    return roles
