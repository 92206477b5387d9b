"""What concerns one migration: a line naming the migration, its UID, one of its Backups/Restores,
PodVolumeBackups/Restores, direct volume/image migrations and their progress objects, or its plan in the
controller's plan key (controller JSON carries them in its fields, which appear in the raw line too).

A name is found whole: not inside a longer name (a migration `mig-1` does not find `mig-10`'s lines, nor
`mig-1-2`'s). Followed by `-` it is found where MTC or Velero named an object after it: mig-controller names
the Backups/Restores `<migration>-<5 chars>` up to MTC 1.4 and `<migration>-initial-|stage-|final-<5 chars>`
from 1.5 (pkg/controller/migmigration/backup.go, restore.go: generateName), DVMs and DIMs
`<migration>-<5 chars>` (dvm.go, directimagemigration.go), and Velero its PodVolumeBackups/Restores and
DataUploads `<backup|restore>-<5 chars>`; the 5 chars are Kubernetes' generateName suffix (alphabet
"bcdfghjklmnpqrstvwxz2456789"), after a base the API server cuts to 58 characters. A DVMP is named by an
MD5 hash (directvolumemigration/rsync.go getMD5Hash), so it is a needle of its own: the progress controller
(MTC 1.4.3+) logs `"dvmp"` alone until it has found the migration, and on every line when it finds none.

The plan is found only in the controller's plan keys: `"migPlan":"<plan>"` (MTC 1.4.3+ plan controller),
`"migPlan":"<ns>/<plan>"` (pvlist.go, verify.go), `"plan":"<ns>/<plan>"` (MTC 1.4.0-1.4.2
`log.SetValues("plan", request)`: zap's Any writes a reconcile.Request by its String()). A plan's bare
name is often its application namespace's: Velero's `namespace=<ns>` lines of every other migration of the
plan (the stage migrations before the final one) would be taken.

Each needle is found with bytes.find over whole chunks (a Python regex alternation is ~30x slower than
grep); a needle that begins another as a derived name (above) is dropped, since the shorter one already
finds its lines."""

from __future__ import annotations

import re

from .. import objects as o

# Bytes that continue a Kubernetes name or UID: a needle after them, or before one of _AFTER, is part of a
# longer name; before `-` it is when no _DERIVED name follows; before `.`, never (the end of a sentence).
_BEFORE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
_AFTER = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# What follows `<name>-` in the name of an object named after it (see the module doc).
_DERIVED = re.compile(rb"-(?:initial-|stage-|final-)?[bcdfghjklmnpqrstvwxz2456789]{5}(?![A-Za-z0-9_])")
# The same name when the API server cut the base of generateName to 58 characters (the object's name is then
# 63 long, apiserver names.SimpleNameGenerator): `<migration>-sta<5 chars>`, `<migration>-<5 chars>`...
_CUT = re.compile(rb"-([a-z-]{0,7}?)[bcdfghjklmnpqrstvwxz2456789]{5}(?![A-Za-z0-9_])")
_INFIXES = (b"initial-", b"stage-", b"final-")
_GENERATED = 63


def _whole(buf: bytes, i: int, n: int, lo: int = 0, hi: int | None = None) -> bool:
    """Whether the needle found at buf[i:i+n] is a whole name (see the module doc); a needle that is itself
    quoted JSON (the plan's keys) begins and ends with a quote and is always whole."""
    hi = len(buf) if hi is None else hi
    if buf[i] == 0x22:
        return True
    if i > lo and buf[i - 1] in _BEFORE:
        return False
    if i + n >= hi or buf[i + n] not in _AFTER and buf[i + n] != 0x2D:
        return True
    if buf[i + n] != 0x2D:
        return False
    if _DERIVED.match(buf, i + n, hi) is not None:
        return True
    cut = _CUT.match(buf, i + n, hi)
    return cut is not None and cut.end() - i == _GENERATED and any(x.startswith(cut.group(1)) for x in _INFIXES)


class Needles:
    def __init__(self, graph):
        words = set()
        migs = [graph.migration] if graph.migration else graph.migrations
        for m in migs:
            words.update((o.name(m), o.uid(m)))
        for x in graph.backups + graph.restores + graph.pvbs + graph.pvrs + \
                graph.dvms + graph.dvmps + graph.dims + graph.disms:
            words.add(o.name(x))
        words.discard("")
        # a word another begins as a derived name finds its lines: the words' own prefixes, looked up (not every
        # pair: a bundle of thousands of Backups), measured in bytes as the needles are (a name not ASCII)
        minimal = {w for w in words if not any(w[:i] in words and _whole(w.encode(), 0, len(w[:i].encode()))
                                               for i in range(1, len(w)))}
        plan = o.name(graph.plan) if graph.plan is not None else ""
        if plan:
            ns = graph.namespace
            for c in (":", ": "):       # zap writes no space; a line re-encoded by another tool may have one
                minimal.update((f'"migPlan"{c}"{plan}"', f'"migPlan"{c}"{ns}/{plan}"', f'"plan"{c}"{ns}/{plan}"'))
        self.words = sorted(minimal, key=len, reverse=True)
        self._needles = [w.encode() for w in self.words]

    def _find(self, buf: bytes, n: bytes, start: int, lo: int, hi: int) -> int:
        i = buf.find(n, start, hi)
        while i >= 0 and not _whole(buf, i, len(n), lo, hi):
            i = buf.find(n, i + 1, hi)
        return i

    def match(self, line: bytes) -> bool:
        return not self._needles or any(self._find(line, n, 0, 0, len(line)) >= 0 for n in self._needles)

    def select(self, chunk: bytes, lo: int = 0, hi: int | None = None) -> list[bytes]:
        """The whole lines of chunk[lo:hi] (whole lines only) that contain a needle, in order."""
        hi = len(chunk) if hi is None else hi
        if not self._needles:
            return chunk[lo:hi].splitlines(keepends=True)
        spans = []
        for n in self._needles:
            i = self._find(chunk, n, lo, lo, hi)
            while i >= 0:
                start = max(chunk.rfind(b"\n", lo, i) + 1, lo)
                end = chunk.find(b"\n", i, hi)
                end = hi if end < 0 else end + 1
                spans.append((start, end))
                i = self._find(chunk, n, end, lo, hi)
        if len(self._needles) > 1:
            spans = sorted(set(spans))
        return [chunk[s:e] for s, e in spans]
