"""From the path a user gives to the directories holding a bundle's data.

A customer sends what `oc adm must-gather` left (`must-gather.local.<id>/<image-dir>/...`, beside
its `must-gather.logs`, `timestamp` and `event-filter.html`), often tarred or zipped again; the MTC
image's own output is a `must-gather.tar.gz` inside that. So: a file is extracted; then every
archive found near the top of what we have (not in the image's `metrics/` dump) is extracted too,
a few levels deep at most. Every extraction is the checked one of extract.py, and every error
names the path the user gave, with the archive inside it when the fault is there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..cli import warn
from ..errors import MigError
from .extract import Budget, extract_to_temp, is_archive_name
from .layout import check_file

MAX_NESTING = 3          # archive in archive in archive
SEARCH_DEPTH = 3         # how deep under a top an inner archive is looked for
_SKIP = {"metrics", "memory-profiles", "mig-verify", "namespaces", "cluster-scoped-resources"}


def nested_archives(top: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        d = Path(dirpath)
        depth = len(d.relative_to(top).parts)
        dirnames[:] = [] if depth >= SEARCH_DEPTH else sorted(x for x in dirnames if x not in _SKIP)
        found += [d / f for f in sorted(filenames) if is_archive_name(f) and not f.startswith(".")]
    return found


def materialize(path: Path, shown: str) -> list[Path]:
    """The directories to read: `path` (or its extraction) and each archive nested in it, extracted."""
    budget = Budget()          # for the archive and every archive in it, together
    if path.is_dir():
        top = path
    elif path.is_file():
        top = extract_to_temp(path, shown, budget)
    else:
        raise MigError(f"must-gather {shown}: not a directory or an archive")
    return _roots(top, shown, 0, budget)


def _roots(top: Path, shown: str, depth: int, budget: Budget) -> list[Path]:
    roots = [top]
    if depth >= MAX_NESTING:
        return roots
    for a in nested_archives(top):
        inner = f"{shown}:{a.relative_to(top).as_posix()}"
        why = check_file(top, a, None)
        if why:        # a FIFO named *.tar.gz would block the open; a symlink would bring in another bundle
            warn(f"warning: must-gather {inner}: skipped: {why}")
            continue
        roots += _roots(extract_to_temp(a, inner, budget), inner, depth + 1, budget)
    return roots
