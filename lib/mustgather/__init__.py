"""Reading a must-gather (directory, tarball or zip, nested or not) as a Source: offline diagnosis
for every plugin."""

from __future__ import annotations

from pathlib import Path

from ..cli import warn
from ..errors import MigError, UsageError
from .layout import TIMESTAMP, ClusterDir, NoClusterData, find_root, read_stamp, scan
from .source import MustGatherSource
from .unpack import materialize

ROLES = ("host", "source", "target")
SHOWN = 5       # skipped files named one per line; the rest counted


def parse_roles(specs: list[str] | None) -> dict[str, str]:
    """`--role DIR=ROLE` flags -> {DIR: ROLE}."""
    out: dict[str, str] = {}
    for s in specs or []:
        d, sep, role = str(s).rpartition("=")
        if not sep or not d or role not in ROLES:
            raise UsageError(f"--role {s}: expected DIR=ROLE with ROLE one of {', '.join(ROLES)}")
        out[d.strip("/")] = role
    return out


def _pin(clusters: list[ClusterDir], wanted: dict[str, str], origin: str) -> dict[str, ClusterDir]:
    pinned: dict[str, ClusterDir] = {}
    for d, role in wanted.items():
        match = [c for c in clusters if d in (c.path.name, c.name) or c.path.as_posix().endswith("/" + d)]
        if not match:
            known = ", ".join(sorted({c.path.name for c in clusters}))
            raise UsageError(f"--role {d}={role}: no cluster directory {d} in the must-gather {origin} (it has: {known})")
        pinned[role] = match[0]
    return pinned


def open_must_gather(path: str, namespace: str = "openshift-migration",
                     roles: list[str] | None = None) -> MustGatherSource:
    p = Path(path).expanduser()
    if not p.exists():
        raise MigError(f"must-gather {path}: no such file or directory")
    wanted = parse_roles(roles)
    clusters: list[ClusterDir] = []
    first = None
    stamped = 0.0
    for top in materialize(p, str(path)):
        # `oc adm must-gather`'s must-gather.local.<id>/timestamp, the user's directory or a level or two in
        stamped = max([stamped] + [read_stamp(top, f) for pattern in (TIMESTAMP, f"*/{TIMESTAMP}", f"*/*/{TIMESTAMP}")
                                   for f in sorted(top.glob(pattern))])
        root, index = find_root(top)
        try:
            found = scan(root, index, origin=str(path))
        except NoClusterData:
            continue
        if first is None:
            first = (root, index)
        clusters += found
    if first is None:
        raise NoClusterData(f"must-gather {path}: no cluster data found (no namespaces/ or cluster-scoped-resources/ "
                            "directory, no gather.json, no must-gather archive inside)")
    src = MustGatherSource(first[0], first[1], namespace, str(path), clusters, _pin(clusters, wanted, str(path)),
                           stamped)
    bad = [f for cd in src.clusters for f in cd.unreadable]
    for b in bad[:SHOWN]:
        warn(f"warning: must-gather {path}: skipped {b}")
    if len(bad) > SHOWN:
        warn(f"warning: must-gather {path}: skipped {len(bad) - SHOWN} more files")
    return src
