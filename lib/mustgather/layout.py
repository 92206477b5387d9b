"""Reading the three layouts a must-gather comes in, into clusters of objects and log files.

- ours (mig-gather): `gather.json` at the top names each cluster's directory and roles; each
  directory is in `oc adm inspect`'s layout.
- `oc adm inspect`: `namespaces/<ns>/<group>/<resource>.yaml` (lists),
  `namespaces/<ns>/pods/<pod>/<pod>.yaml`, `cluster-scoped-resources/<group>/<resource>/<name>.yaml`,
  logs in `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log`.
- the MTC must-gather image: `<cluster>/namespaces/<ns>/crs/<resource>/<name>.yaml`,
  `<cluster>/cluster-scoped-resources/...`, logs of all containers in
  `<cluster>/namespaces/<ns>/logs/<pod>/{current,previous}.log`, and `migplan-<plan>/...yml`.

A cluster is a directory holding `namespaces/` or `cluster-scoped-resources/`; every file
belongs to the nearest such directory above it (files outside any belong to the host).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import MigError

_Loader: type
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

MARKERS = ("namespaces", "cluster-scoped-resources")
SKIP_DIRS = {"mig-verify", "logs"}
OBJECT_SUFFIXES = (".yaml", ".yml", ".json")


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
    unreadable: list = field(default_factory=list)   # files that did not parse, for warnings


def find_root(top: Path) -> tuple[Path, dict | None]:
    """The bundle's top (where gather.json is, if anywhere near) and its index. Near: our tarball
    holds must-gather.local.<id>/, and `oc adm must-gather` puts the image's output one level lower."""
    for pattern in ("gather.json", "*/gather.json", "*/*/gather.json"):
        for idx in sorted(top.glob(pattern)):
            if idx.is_file():
                try:
                    return idx.parent, json.loads(idx.read_text())
                except ValueError as e:
                    raise MigError(f"must-gather {idx}: gather.json is not valid JSON ({e})") from None
    return top, None


def _cluster_dirs(top: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, _ in os.walk(top):
        d = Path(dirpath)
        if any(m in dirnames for m in MARKERS):
            found.append(d)
        depth = len(d.relative_to(top).parts)
        dirnames[:] = [] if depth >= 4 else [x for x in dirnames if x not in MARKERS and x not in SKIP_DIRS]
    return found


def _owner(path: Path, roots: list[Path]) -> Path | None:
    best = None
    for r in roots:
        if (r == path or r in path.parents) and (best is None or len(r.parts) > len(best.parts)):
            best = r
    return best


def _log_file(rel: tuple[str, ...], path: Path) -> LogFile | None:
    """Recognise a log file by its place relative to its cluster directory."""
    name = rel[-1]
    if name not in ("current.log", "previous.log"):
        return None
    prev = name == "previous.log"
    # namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log
    if len(rel) == 8 and rel[0] == "namespaces" and rel[2] == "pods" and rel[6] == "logs":
        return LogFile(rel[1], rel[3], rel[4], prev, path)
    # namespaces/<ns>/logs/<pod>/current.log
    if len(rel) == 5 and rel[0] == "namespaces" and rel[2] == "logs":
        return LogFile(rel[1], rel[3], None, prev, path)
    return None


def _objects(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        docs = list(yaml.load_all(f, Loader=_Loader))
    out = []
    for d in docs:
        if not isinstance(d, dict):
            continue
        if isinstance(d.get("items"), list) and str(d.get("kind", "List")).endswith("List"):
            out += [i for i in d["items"] if isinstance(i, dict) and i.get("kind")]
        elif d.get("kind") and isinstance(d.get("metadata"), dict) and d["metadata"].get("name"):
            out.append(d)
    return out


def scan(top: Path, index: dict | None, objects: bool = True) -> list[ClusterDir]:
    """The clusters of the bundle with their objects (unless `objects` is false) and log files."""
    if index:   # gather.json comes from the archive too: only plain directory names count
        roots = [top / d for d in (str(c.get("dir", "")) for c in index.get("clusters", []))
                 if d and "/" not in d and "\\" not in d and d not in (".", "..") and (top / d).is_dir()]
    else:
        roots = _cluster_dirs(top)
    if not roots:
        raise MigError(f"must-gather {top}: no cluster data found (no namespaces/ or cluster-scoped-resources/ "
                       "directory, no gather.json)")
    clusters = {r: ClusterDir(r.name if r != top else "cluster", r) for r in roots}
    outside = ClusterDir("outside", top)         # files above every cluster (the MTC image's migplan-*/)
    for dirpath, dirnames, filenames in os.walk(top):
        d = Path(dirpath)
        if d == top:
            dirnames[:] = [x for x in dirnames if x != "mig-verify"]
        owner = _owner(d, roots)
        cd = clusters[owner] if owner else outside
        for fn in filenames:
            p = d / fn
            lf = _log_file(p.relative_to(owner).parts, p) if owner else None
            if lf:
                cd.logs.append(lf)
            elif objects and fn.endswith(OBJECT_SUFFIXES) and fn != "gather.json" and not fn.startswith("."):
                try:
                    cd.objects += _objects(p)
                except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError):
                    cd.unreadable.append(str(p.relative_to(top)))
    out = list(clusters.values())
    if index:
        by_dir = {c["dir"]: c for c in index.get("clusters", [])}
        for cd in out:
            meta = by_dir.get(cd.path.name, {})
            cd.roles = list(meta.get("roles", []))
            cd.name = meta.get("name") or cd.name
    if outside.objects or outside.unreadable:      # they belong to the host
        host = next((c for c in out if "host" in c.roles), None) or _most(out, _MIG_KINDS) or out[0]
        host.objects += outside.objects
        host.unreadable += outside.unreadable
    return out


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
    for cd in clusters:          # a directory named for its role (e.g. source_ocp3)
        for r in ("host", "source", "target"):
            if cd.path.name == r or cd.path.name.startswith(r + "_"):
                roles.setdefault(r, cd)
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
