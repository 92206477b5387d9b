"""Logs of the MTC components for one migration: which pods, what concerns the migration, streams.

The one entry point other modules use (mig-verify reads logs through it):

    lines(src, graph, roles=None, sources=None, pod=None, container=None, since_seconds=None,
          since_time=None, tail=None, previous=False, level=None, all_lines=False) -> Iterator[Entry]

Entry(cluster, source, pod, container, stamp, line: LogLine). Lines come merged in time order;
a dropped stream is resumed from the last timestamp seen, without duplicates.
"""

from __future__ import annotations

from .filter import Needles
from .select import Target, targets
from .stream import Entry, lines, merged

__all__ = ["Entry", "Needles", "Target", "lines", "merged", "targets"]
