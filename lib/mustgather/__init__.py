"""Reading a must-gather (directory or tarball) as a Source: offline diagnosis for every plugin."""

from __future__ import annotations

from pathlib import Path

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
    return MustGatherSource(root, index, namespace, str(path))
