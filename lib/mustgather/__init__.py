"""Reading a must-gather (directory or tarball) as a Source: offline diagnosis for every plugin."""

from __future__ import annotations

from pathlib import Path

from ..cli import warn
from ..errors import MigError
from .extract import extract_to_temp
from .layout import find_root
from .source import MustGatherSource


def open_must_gather(path: str, namespace: str = "openshift-migration") -> MustGatherSource:
    p = Path(path).expanduser()
    if not p.exists():
        raise MigError(f"must-gather {path}: no such file or directory")
    top = p if p.is_dir() else extract_to_temp(p)
    root, index = find_root(top)
    src = MustGatherSource(root, index, namespace, str(path))
    bad = [f for cd in src.clusters for f in cd.unreadable]
    if bad:
        warn(f"warning: must-gather {path}: {len(bad)} files are not YAML objects and were skipped (e.g. {bad[0]})")
    return src
