"""A progress line on stderr (items done against their real totals, per group when given, and bytes)
— only when stderr is a terminal."""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, total_items: int = 0, label: str = "", stream=None):
        self.stream = stream or sys.stderr
        self.on = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.items, self.bytes, self.label = total_items, 0, 0, label
        self.groups: dict[str, list[int]] = {}     # group (a cluster) -> [done, total], in order of arrival
        self.lock = threading.Lock()
        self._last = 0.0

    def add_total(self, n: int, group: str | None = None) -> None:
        """`n` more items to do (known before they start), in `group`."""
        with self.lock:
            self.total += n
            if group is not None:
                self.groups.setdefault(group, [0, 0])[1] += n
        self._draw(force=True)

    def add_bytes(self, n: int) -> None:
        with self.lock:
            self.bytes += n
        self._draw()

    def item_done(self, group: str | None = None) -> None:
        with self.lock:
            self.items += 1
            if group is not None:
                self.groups.setdefault(group, [0, 0])[0] += 1
        self._draw(force=True)

    def line(self) -> str:
        with self.lock:
            mb = self.bytes / (1 << 20)
            if self.groups:
                parts = ", ".join(f"{g} {d}/{t}" for g, (d, t) in self.groups.items())
                return f"{self.label}: {parts}, {mb:.1f} MiB"
            return f"{self.label}: {self.items}/{self.total} done, {mb:.1f} MiB"

    def _draw(self, force: bool = False) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self.stream.write(f"\r{self.line()}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
