"""Writing one cluster's subtree in `oc adm inspect`'s layout, every object redacted first; and the
tarball of a finished bundle."""

from __future__ import annotations

import os
import re
import tarfile
import threading
from pathlib import Path

import yaml

from ..errors import MigError
from ..redact import Redactor, StreamRedactor
from ..resources import Resource

_Dumper: type
try:
    _Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe(name: str) -> str:
    """A path component from an API name (never '..', never a separator)."""
    out = _SAFE.sub("_", name or "_")
    return out if out not in (".", "..") else out.replace(".", "_")


def archive(root: Path, dest: Path, name: str, kept: bool = True) -> Path:
    """dest/name: a .tar.gz of `root` (under its own name), written to a temporary name and renamed, so
    that a tarball is never half-written. `kept`: `root` stays after the command (said when this fails)."""
    target = dest / name
    tmp = dest / f".{name}.partial-{os.getpid()}"
    try:
        with tarfile.open(tmp, "w:gz", compresslevel=6) as tf:
            tf.add(root, arcname=root.name)
        os.replace(tmp, target)
        return target
    except OSError as e:          # a full disk, a directory of that name: one line, the tree stays
        raise MigError(f"{target}: cannot write the archive: {e.strerror or e}"
                       + (f" ({root} is complete)" if kept else "")) from None
    finally:
        if tmp.exists():
            tmp.unlink()


class Abandoned(Exception):
    """The gather was interrupted: a worker stops where it is."""


def _group(r: Resource) -> str:
    return r.group or "core"


class ClusterWriter:
    """Writes one cluster's subtree and keeps the redacted objects it wrote, so that mig-verify's
    report reads the bundle without parsing it back."""

    def __init__(self, root: Path, redactor: Redactor):
        self.root = root
        self.r = redactor
        self.objects: list = []
        self._lock = threading.Lock()
        self.stop = threading.Event()      # set when the gather is abandoned: write nothing more
        root.mkdir(parents=True, exist_ok=True)

    def _open(self, path: Path, mode: str):
        if self.stop.is_set():
            raise Abandoned()
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode)

    def _dump(self, path: Path, data) -> None:
        with self._open(path, "w") as f:
            yaml.dump(data, f, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)

    def listing(self, r: Resource, items: list[dict], namespace: str | None) -> None:
        """namespaces/<ns>/<group>/<plural>.yaml (a List); cluster-scoped: one file per object."""
        items = [self.r.obj(x) for x in items]
        with self._lock:
            self.objects += items
        if r.kind == "Pod":
            for p in items:
                name = safe(p["metadata"]["name"])
                self._dump(self.root / "namespaces" / safe(namespace or "") / "pods" / name / f"{name}.yaml", p)
            return
        if namespace is None or not r.namespaced:
            for x in items:
                self._dump(self.root / "cluster-scoped-resources" / safe(_group(r)) / safe(r.plural)
                           / f"{safe(x['metadata']['name'])}.yaml", x)
            return
        if items:
            self._dump(self.root / "namespaces" / safe(namespace) / safe(_group(r)) / f"{safe(r.plural)}.yaml",
                       {"apiVersion": "v1", "kind": f"{r.kind}List", "items": items})

    def document(self, relpath: str, data) -> None:
        self._dump(self.root / relpath, self.r.obj(data))

    def text(self, relpath: str, data: bytes) -> None:
        """A text file (Velero's describe output, its logs), through the redactor."""
        parts = [safe(x) for x in relpath.split("/")]
        sr = StreamRedactor(self.r)
        with self._open(self.root.joinpath(*parts), "wb") as f:
            f.write(sr.feed(data))
            f.write(sr.close())

    def log_path(self, namespace: str, pod: str, container: str, previous: bool) -> Path:
        return (self.root / "namespaces" / safe(namespace) / "pods" / safe(pod) / safe(container) / safe(container)
                / "logs" / ("previous.log" if previous else "current.log"))

    def stream_log(self, chunks, path: Path, progress=None) -> int:
        """Write a log stream to `path` through the redactor; returns bytes read."""
        sr = StreamRedactor(self.r)
        n = 0
        with self._open(path, "wb") as f:
            for chunk in chunks:
                if self.stop.is_set():
                    raise Abandoned()
                n += len(chunk)
                f.write(sr.feed(chunk))
                if progress:
                    progress.add_bytes(len(chunk))
            f.write(sr.close())
        return n
