"""Reading a must-gather (directory or tarball) as a Source: offline diagnosis for every plugin."""

from __future__ import annotations

from pathlib import Path

from ..cli import warn
from ..errors import MigError
from .extract import extract_to_temp
from .layout import find_root
from .source import MustGatherSource

SHOWN = 5       # skipped files named one per line; the rest counted


def open_must_gather(path: str, namespace: str = "openshift-migration") -> MustGatherSource:
    p = Path(path).expanduser()
    if not p.exists():
        raise MigError(f"must-gather {path}: no such file or directory")
    top = p if p.is_dir() else extract_to_temp(p)
    try:
        root, index = find_root(top)
        src = MustGatherSource(root, index, namespace, str(path))
    except MigError as e:
        if top is p:
            raise
        # inside an extracted archive: name the user's file, not our temporary directory
        raise MigError(e.message.replace(str(top), f"{path}:"), e.code) from None
    bad = [f for cd in src.clusters for f in cd.unreadable]
    for b in bad[:SHOWN]:
        warn(f"warning: must-gather {path}: skipped {b}")
    if len(bad) > SHOWN:
        warn(f"warning: must-gather {path}: skipped {len(bad) - SHOWN} more files")
    return src
