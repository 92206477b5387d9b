"""Velero's DownloadRequest controller, emulated: a created DownloadRequest for a target the scenario
has (`downloads:` `<kind>/<name>: file`) is Processed at once with a loopback status.downloadURL that
serves the file gzipped without credentials, as a pre-signed object-storage URL would; an unknown
target is Processed with no URL (velero's "not found"). `velero_down` leaves requests unanswered."""

from __future__ import annotations

import datetime as dt
import gzip
import secrets
import threading
from pathlib import Path


class Downloads:
    def __init__(self):
        self.files: dict[str, Path] = {}      # "<kind>/<name>" -> file
        self.served: dict[str, bytes] = {}    # URL token -> gzipped bytes
        self.velero_down = False
        self.lock = threading.Lock()

    def add(self, key: str, path: Path) -> None:
        self.files[key] = path

    def process(self, obj: dict, base_url: str, render) -> dict | None:
        """The status Velero would write for this new DownloadRequest, or None while Velero is down."""
        if self.velero_down:
            return None
        target = (obj.get("spec") or {}).get("target") or {}
        path = self.files.get(f"{target.get('kind')}/{target.get('name')}")
        expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if path is None:
            return {"phase": "Processed", "expiration": expires}
        token = secrets.token_hex(12)
        text = path.read_text(errors="surrogateescape")
        data = render(text) if "${" in text else text
        with self.lock:
            self.served[token] = gzip.compress(data.encode(errors="surrogateescape"))
        return {"phase": "Processed", "downloadURL": f"{base_url}/_downloads/{token}", "expiration": expires}

    def get(self, token: str) -> bytes | None:
        with self.lock:
            return self.served.get(token)
