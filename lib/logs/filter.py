"""What concerns one migration: a line naming the migration, its UID, its plan, one of its
Backups/Restores or PodVolumeBackups/Restores (controller JSON carries them in its fields,
which appear in the raw line too). Each needle is found with bytes.find over whole chunks (a
Python regex alternation is ~30x slower than grep); a needle that contains another is dropped,
since the shorter one already finds its lines (Backups are named after the migration)."""

from __future__ import annotations

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
        words.discard("")
        minimal = [w for w in words if not any(v != w and v in w for v in words)]
        self.words = sorted(minimal, key=len, reverse=True)
        self._needles = [w.encode() for w in self.words]

    def match(self, line: bytes) -> bool:
        return not self._needles or any(n in line for n in self._needles)

    def select(self, chunk: bytes, lo: int = 0, hi: int | None = None) -> list[bytes]:
        """The whole lines of chunk[lo:hi] (whole lines only) that contain a needle, in order."""
        hi = len(chunk) if hi is None else hi
        if not self._needles:
            return chunk[lo:hi].splitlines(keepends=True)
        spans = []
        for n in self._needles:
            i = chunk.find(n, lo, hi)
            while i >= 0:
                start = max(chunk.rfind(b"\n", lo, i) + 1, lo)
                end = chunk.find(b"\n", i, hi)
                end = hi if end < 0 else end + 1
                spans.append((start, end))
                i = chunk.find(n, end, hi)
        if len(self._needles) > 1:
            spans = sorted(set(spans))
        return [chunk[s:e] for s, e in spans]
