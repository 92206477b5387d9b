"""What concerns one migration: a line naming the migration, its UID, its plan, one of its
Backups/Restores or PodVolumeBackups/Restores (controller JSON carries them in its fields,
which appear in the raw line too). Matching runs over whole chunks in the regex engine, so
lines that concern nothing cost no Python work."""

from __future__ import annotations

import re

from .. import objects as o


class Needles:
    def __init__(self, graph):
        words = set()
        migs = [graph.migration] if graph.migration else graph.migrations
        for m in migs:
            words.update((o.name(m), o.uid(m)))
        if graph.plan is not None:
            words.add(o.name(graph.plan))
        for x in graph.backups + graph.restores + graph.pvbs + graph.pvrs:
            words.add(o.name(x))
        self.words = sorted((w for w in words if w), key=len, reverse=True)
        self.regex = re.compile("|".join(re.escape(w) for w in self.words).encode()) if self.words else None

    def match(self, line: bytes) -> bool:
        return self.regex is None or self.regex.search(line) is not None

    def select(self, chunk: bytes) -> list[bytes]:
        """The whole lines of `chunk` (which ends on a newline) that contain a needle."""
        if self.regex is None:
            return chunk.splitlines(keepends=True)
        out = []
        last_end = -1
        for m in self.regex.finditer(chunk):
            if m.start() < last_end:
                continue
            start = chunk.rfind(b"\n", 0, m.start()) + 1
            end = chunk.find(b"\n", m.end())
            end = len(chunk) if end < 0 else end + 1
            out.append(chunk[start:end])
            last_end = end
        return out
