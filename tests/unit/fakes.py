"""A Source over plain dicts, for unit tests of the layers above it (graph, checks, renderers)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from lib.resources import resource
from lib.source import Source


def _match(obj: dict, selector: str | None) -> bool:
    """Enough of label selectors for unit tests: k=v, k!=v, k in (a,b)."""
    if not selector:
        return True
    labels = (obj.get("metadata") or {}).get("labels") or {}
    import re

    for term in re.findall(r"[^,(]+(?:\([^)]*\))?", selector):
        term = term.strip()
        m = re.fullmatch(r"(\S+) in \((.*)\)", term)
        if m:
            if labels.get(m.group(1)) not in m.group(2).split(","):
                return False
        elif "!=" in term:
            k, v = term.split("!=")
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=")
            if labels.get(k) != v:
                return False
    return True


class DictSource(Source):
    def __init__(self, objects: dict, namespace: str = "openshift-migration"):
        self.objects = objects  # role -> list of objects
        self.namespace = namespace
        self.calls: list[tuple] = []

    def roles(self):
        return list(self.objects)

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        self.calls.append((role, kind, labels))
        if role not in self.objects:
            raise __import__("lib.errors", fromlist=["ApiError"]).ApiError(f"{role}: unreachable", 0)
        r = resource(kind) if isinstance(kind, str) else kind
        return [o for o in self.objects[role] if o.get("kind") == r.kind
                and (namespace is None or (o.get("metadata") or {}).get("namespace") == namespace)
                and _match(o, labels)]

    def get(self, role, kind, name, namespace=None):
        return next((o for o in self.list(role, kind, namespace) if o["metadata"]["name"] == name), None)


@contextmanager
def alarm(seconds: int, exc: BaseException) -> Iterator[None]:
    """Raise `exc` in this thread if the block takes more than `seconds`: a test reading a hostile file
    (a FIFO blocks until a writer comes) fails instead of hanging the suite."""
    def boom(*_):
        raise exc
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)

