"""Fault injection and the request log, per cluster."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    method: str | None = None          # None: any method
    path: str | None = None            # regex searched in the path
    status: int | None = None          # answer with this HTTP status (a Status object)
    retry_after: float | None = None   # Retry-After header (with 429)
    latency: float = 0.0               # seconds added before answering
    drop: bool = False                 # close the connection without an answer
    cut_after_lines: int | None = None  # log streams: end abruptly after N lines
    cut_after_bytes: int | None = None  # log streams: end abruptly after N bytes
    rate: float | None = None          # log streams: at most this many bytes per second (a WAN link)
    times: int | None = None           # how many requests it applies to (None: all)
    query: str | None = None           # regex searched in the query string

    def matches(self, method: str, path: str, query: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.path and not re.search(self.path, path):
            return False
        if self.query and not re.search(self.query, query):
            return False
        return True


@dataclass
class Request:
    method: str
    path: str
    query: str
    status: int = 0
    user: str = ""
    as_user: str = ""                                # Impersonate-User
    as_groups: list = field(default_factory=list)    # every Impersonate-Group header line


@dataclass
class Faults:
    rules: list = field(default_factory=list)
    log: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **kw) -> Fault:
        f = Fault(**kw)
        with self.lock:
            self.rules.append(f)
        return f

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def take(self, method: str, path: str, query: str) -> list[Fault]:
        """The faults for this request: every unlimited one, and the first one with a count left
        (which it uses up by one), so `times=1` faults added in a row hit successive requests."""
        out = []
        counted = False
        with self.lock:
            for f in self.rules:
                if f.matches(method, path, query):
                    if f.times is not None:
                        if counted:
                            continue
                        counted = True
                        f.times -= 1
                    out.append(f)
        return out

    def record(self, req: Request) -> None:
        with self.lock:
            self.log.append(req)

    def requests(self) -> list[Request]:
        with self.lock:
            return list(self.log)

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
