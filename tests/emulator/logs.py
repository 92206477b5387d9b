"""Pod logs served from files whose lines start with an RFC3339 timestamp (`kubectl logs --timestamps` form).

Files are streamed from disk, never read whole; `follow` keeps reading what is appended until
the container is marked terminated or nothing new came for `follow_idle_close` seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_TS = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")


def parse_ts(raw: bytes | str) -> dt.datetime | None:
    s = raw.decode() if isinstance(raw, bytes) else raw
    s = s.strip().replace("Z", "+00:00")
    if "." in s:
        head, _, rest = s.partition(".")
        frac = "".join(c for c in rest if c.isdigit())
        s = f"{head}.{frac[:6].ljust(6, '0')}{rest[len(frac):]}"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def stamp(t: dt.datetime | None = None) -> str:
    t = t or dt.datetime.now(dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class LogFile:
    path: Path
    terminated: bool = False
    owned: bool = False        # a copy of ours we may append to


@dataclass
class LogStore:
    workdir: Path
    follow_idle_close: float = 2.0
    files: dict = field(default_factory=dict)   # (ns, pod, container, previous) -> LogFile
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ns: str, pod: str, container: str, path: Path, previous: bool = False,
            owned: bool = False) -> None:
        with self.lock:
            self.files[(ns, pod, container, previous)] = LogFile(Path(path), owned=owned)

    def has_pod(self, ns: str, pod: str) -> bool:
        return any(k[0] == ns and k[1] == pod for k in self.files)

    def get(self, ns: str, pod: str, container: str, previous: bool) -> LogFile | None:
        return self.files.get((ns, pod, container, previous))

    def append(self, ns: str, pod: str, container: str, line: str, ts: str | None = None) -> None:
        """Append one line (now, or at `ts`) to a container's current log; creates the log if needed."""
        with self.lock:
            key = (ns, pod, container, False)
            lf = self.files.get(key)
            if lf is None or not lf.owned:
                dest = self.workdir / "logs" / ns / pod / f"{container}.log"
                dest.parent.mkdir(parents=True, exist_ok=True)
                if lf is not None and lf.path.exists():
                    with open(lf.path, "rb") as src, open(dest, "wb") as out:
                        while True:
                            block = src.read(1 << 20)
                            if not block:
                                break
                            out.write(block)
                else:
                    dest.touch()
                lf = LogFile(dest, lf.terminated if lf else False, owned=True)
                self.files[key] = lf
            with open(lf.path, "ab") as f:
                f.write(f"{ts or stamp()} {line.rstrip(chr(10))}\n".encode())

    def terminate(self, ns: str, pod: str, container: str) -> None:
        lf = self.files.get((ns, pod, container, False))
        if lf:
            lf.terminated = True

    def stream(self, lf: LogFile, follow=False, tail=None, since=None, timestamps=False, limit_bytes=None):
        """Yield the log's lines (bytes, with newline) as the API server would send them."""
        sent = 0
        start = _tail_offset(lf.path, tail) if tail is not None else 0
        with open(lf.path, "rb") as f:
            f.seek(start)
            idle_since = time.monotonic()
            pending = b""
            while True:
                chunk = f.readline()
                if chunk and not chunk.endswith(b"\n"):
                    pending += chunk      # a line still being written
                    continue
                if chunk:
                    line, pending = pending + chunk, b""
                    idle_since = time.monotonic()
                    m = _TS.match(line)
                    if since is not None and m:
                        t = parse_ts(m.group(1))
                        if t is not None and t < since:
                            continue
                    out = line if timestamps or not m else line[m.end():]
                    if limit_bytes is not None:
                        if sent >= limit_bytes:
                            return
                        out = out[:limit_bytes - sent]
                    sent += len(out)
                    yield out
                    continue
                if not follow or lf.terminated or time.monotonic() - idle_since > self.follow_idle_close:
                    return
                time.sleep(0.05)
                f.seek(f.tell())


def _tail_offset(path: Path, n: int) -> int:
    """Byte offset where the last n lines of the file start."""
    size = os.path.getsize(path)
    if n <= 0:
        return size
    with open(path, "rb") as f:
        pos, count, block = size, 0, 65536
        if size and _last_byte(f, size) == b"\n":
            count = -1       # the final newline ends the last line, it does not start one
        while pos > 0:
            step = min(block, pos)
            pos -= step
            f.seek(pos)
            data = f.read(step)
            for i in range(len(data) - 1, -1, -1):
                if data[i] == 10:
                    count += 1
                    if count == n:
                        return pos + i + 1
        return 0


def _last_byte(f, size: int) -> bytes:
    f.seek(size - 1)
    return f.read(1)
