"""Streams of log lines: timestamped, resumed after a cut without duplicates, merged in time order."""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Callable

from .. import logline
from ..errors import ApiError, MigError
from .filter import Needles
from .select import Target, targets

RESUMES = 5
REDISCOVER_S = 5.0      # -f: how often the pods are listed again


@dataclass
class Entry:
    cluster: str
    source: str
    pod: str
    container: str
    stamp: str            # the API server's timestamp of the line
    line: logline.LogLine
    data: bytes           # the raw bytes of the line, without the timestamp prefix
    namespace: str = ""   # the pod's: MTC's fixed-name transfer pods (rsync-server) are one per namespace


def split_stamp(raw: bytes) -> tuple[str, bytes]:
    """(the API server's RFC 3339 timestamp, the rest) of a line asked with timestamps; ("", line) without. Only
    a first word shaped `YYYY-MM-DDThh:mm:ss...` is a stamp: a line read without one (the MTC must-gather image's
    `oc logs`) may start with its own date, rsync's `2021/01/25 22:49:33 [1] ...`, which stays in the line."""
    sp = raw.find(b" ")
    if sp >= 19 and raw[:4].isdigit() and raw[4:5] == b"-" and raw[7:8] == b"-" and raw[10:11] == b"T" \
            and raw[13:14] == b":":
        return raw[:sp].decode("ascii", "replace"), raw[sp + 1:]
    return "", raw


def _stamp_run(chunk: bytes, start: int, end: int) -> tuple[str, int]:
    """The stamp of the last line in chunk[start:end] (whole lines) and how many lines before it,
    counting back, carry the same stamp: the resume point, without a pass over the region."""
    line_start = chunk.rfind(b"\n", start, end - 1) + 1 if end - 1 > start else start
    line_start = max(line_start, start)
    stamp, _ = split_stamp(chunk[line_start:min(end, line_start + 64)])
    if not stamp:
        return "", 0
    key, n, pos = stamp.encode() + b" ", 1, line_start
    while pos > start:
        if n > 64:      # many lines share the stamp: one counting pass is cheaper than walking back
            return stamp, chunk.count(b"\n" + key, start, end) + chunk.startswith(key, start)
        prev = max(chunk.rfind(b"\n", start, pos - 1) + 1, start)
        if not chunk.startswith(key, prev):
            break
        n, pos = n + 1, prev
    return stamp, n


def raw_lines(src, t: Target, needles: Needles | None = None, previous=False, tail=None, since_seconds=None,
              since_time=None, follow=False, timestamps=True) -> Iterator[tuple[str, bytes]]:
    """(stamp, line bytes) of one container, asked with timestamps; a cut stream is resumed from
    the last stamp seen, skipping the lines already given."""
    if t.whole:
        needles = None
    last, same = "", 0
    resumes = 0
    while True:
        opts = dict(previous=previous, follow=follow, timestamps=True)
        if last:
            opts["since_time"] = last[:19] + "Z"     # the API takes whole seconds
        else:
            opts.update(tail_lines=tail, since_seconds=since_seconds, since_time=since_time)
        skip_before, skip_same = last, same
        pending = b""
        parts: list = []        # a line longer than a chunk, joined once (not copied at each chunk)

        def one(raw: bytes):
            """The slow path, line by line: skipping what a cut stream already gave, or no filter."""
            nonlocal skip_before, skip_same, last, same
            stamp, data = split_stamp(raw)
            if skip_before:
                if stamp and stamp < skip_before:
                    return None
                if stamp == skip_before and skip_same > 0:
                    skip_same -= 1
                    return None
                skip_before = ""
            last, same = (last, same + 1) if stamp == last else (stamp, 1)
            return (stamp, data) if needles is None or needles.match(data) else None

        try:
            for chunk in src.logs(t.cluster, t.namespace, t.pod, t.container, **opts):
                first = chunk.find(b"\n")
                if first < 0:
                    parts.append(chunk)
                    continue
                head = b"".join([pending, *parts, chunk[:first + 1]]) if parts else pending + chunk[:first + 1]
                pending_tail, pending, parts = chunk.rfind(b"\n") + 1, b"", []
                got = one(head)
                if got:
                    yield got
                start, end, pending = first + 1, pending_tail, chunk[pending_tail:]
                if start >= end:
                    continue
                if skip_before or needles is None:
                    for raw in chunk[start:end].splitlines(keepends=True):
                        got = one(raw)
                        if got:
                            yield got
                    continue
                # Fast path: the needles are found in the chunk in place (no copy); the resume point
                # only needs the region's last stamp and how many lines carry it.
                stamp, n = _stamp_run(chunk, start, end)
                if stamp:
                    last, same = (last, same + n) if stamp == last else (stamp, n)
                for raw in needles.select(chunk, start, end):
                    yield split_stamp(raw)
            if parts:
                pending, parts = pending + b"".join(parts), []
            if pending:
                got = one(pending if pending.endswith(b"\n") else pending + b"\n")
                if got:
                    yield got
            return
        except ApiError as e:
            if e.status != 0 or resumes >= RESUMES:
                raise
            resumes += 1


def _entries(src, t: Target, needles, level, max_line: int | None = None, **kw) -> Iterator[Entry]:
    """Parsed lines; with `max_line`, each cut to that many bytes first (for readers that keep them)."""
    for stamp, whole in raw_lines(src, t, needles, **kw):
        data = whole[:max_line] if max_line is not None and len(whole) > max_line else whole
        del whole
        text = data.decode("utf-8", "replace")
        ln = logline.parse(text, stamp)
        if level and not logline.at_least(ln, level):
            continue
        yield Entry(t.cluster, t.source, t.pod, t.container, stamp, ln, data, t.namespace)


def merged(src, tgts: list[Target], needles: Needles | None, level: str | None = None,
           on_error: Callable[[Target, Exception], None] | None = None, max_line: int | None = None,
           **kw) -> Iterator[Entry]:
    """Lines of all targets in time order (each stream is already ordered); failures go to on_error."""
    def guarded(t):
        try:
            yield from _entries(src, t, needles, level, max_line, **kw)
        except (ApiError, MigError) as e:
            if on_error is None:
                raise
            on_error(t, e)
    return heapq.merge(*(guarded(t) for t in tgts), key=lambda e: e.stamp)


def followed(src, tgts: list[Target], needles: Needles | None, level: str | None = None,
             on_error: Callable[[Target, Exception], None] | None = None,
             rediscover: Callable[[], list[Target]] | None = None, interval: float = REDISCOVER_S,
             **kw) -> Iterator[Entry]:
    """New lines from every target as they come (one reader thread per container) until all end. With
    `rediscover`, the pods are listed again every `interval` seconds: a pod that started (an rsync retry, a
    hook Job's next pod) or a container that restarted since is followed too."""
    q: queue.Queue = queue.Queue(maxsize=10000)
    done = object()
    seen: set = set()

    def reader(t):
        try:
            for e in _entries(src, t, needles, level, follow=True, **kw):
                q.put(e)
        except (ApiError, MigError) as e:
            if on_error:
                on_error(t, e)
        finally:
            q.put(done)

    def start(ts) -> int:
        n = 0
        for t in ts:
            if t.key in seen:
                continue
            seen.add(t.key)
            threading.Thread(target=reader, args=(t,), daemon=True).start()
            n += 1
        return n

    def again() -> int:
        try:
            return start(rediscover()) if rediscover else 0
        except (ApiError, MigError):
            return 0            # the next round may succeed; the streams already open go on

    left = start(tgts)
    last = time.monotonic()
    while True:
        if not left:
            left += again()         # every stream ended: one last look for pods that started meanwhile
            if not left:
                break
        try:
            item = q.get(timeout=interval if rediscover else None)
        except queue.Empty:
            item = None
        if rediscover and time.monotonic() - last >= interval:
            left += again()
            last = time.monotonic()
        if item is None:
            continue
        if item is done:
            left -= 1
            continue
        yield item


def lines(src, graph=None, roles=None, sources=None, pod=None, container=None, since_seconds=None,
          since_time=None, tail=None, previous=False, level=None, all_lines=False, follow=False,
          selector=None, errors: list | None = None,
          on_targets: Callable[[list[Target]], None] | None = None) -> Iterator[Entry]:
    """The log lines of the chosen clusters and log sources that concern `graph`'s migration;
    `on_targets` is called with the containers chosen before any line is read."""
    tgts = targets(src, graph, roles, sources, pod, container, selector, errors)
    if on_targets is not None:
        on_targets(tgts)
    needles = Needles(graph) if graph is not None and not all_lines else None

    def on_error(t, e):
        if errors is None:
            raise e
        errors.append((t.cluster, t, str(e)))

    kw = dict(previous=previous, tail=tail, since_seconds=since_seconds, since_time=since_time)
    if follow:
        def rediscover() -> list[Target]:
            from .. import graph as graphs

            g = graphs.build(src, graph.migration["metadata"]["name"]) if graph is not None and graph.migration \
                else graph
            return targets(src, g, roles, sources, pod, container, selector, [])

        return followed(src, tgts, needles, level, on_error, rediscover=None if pod else rediscover, **kw)
    return merged(src, tgts, needles, level, on_error, **kw)
