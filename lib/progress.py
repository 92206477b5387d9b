"""A progress line on stderr (bytes and items done) — only when stderr is a terminal."""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, total_items: int = 0, label: str = "", stream=None):
        self.stream = stream or sys.stderr
        self.on = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.items, self.bytes, self.label = total_items, 0, 0, label
        self.lock = threading.Lock()
        self._last = 0.0

    def add_bytes(self, n: int) -> None:
        with self.lock:
            self.bytes += n
        self._draw()

    def item_done(self) -> None:
        with self.lock:
            self.items += 1
        self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        mb = self.bytes / (1 << 20)
        self.stream.write(f"\r{self.label}: {self.items}/{self.total} done, {mb:.1f} MiB")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
