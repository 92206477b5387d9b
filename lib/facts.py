"""What mig-verify's checks look at, fetched at most once per run through the Source (label-selected
lists, never a get per object) and only when a check asks: a healthy migration costs few requests."""

from __future__ import annotations

import datetime as _dt

from . import objects as o
from .errors import ApiError, MigError
from .graph import Graph


class Facts:
    def __init__(self, src, graph: Graph, now: _dt.datetime, stuck_after: float):
        self.src, self.graph, self.now, self.stuck_after = src, graph, now, stuck_after
        self.mig = graph.migration
        self.plan = graph.plan
        self._cache: dict = {}

    # --- cached reads ------------------------------------------------------------------------
    def reachable(self, role: str) -> bool:
        return role in self.src.roles() and role not in self.graph.unreachable

    def listed(self, role: str, kind: str, namespace: str | None = None, labels: str | None = None) -> list[dict]:
        key = (role, kind, namespace, labels)
        if key not in self._cache:
            self._cache[key] = self.src.list(role, kind, namespace, labels) if self.reachable(role) else []
        return self._cache[key]

    def pods(self, role: str) -> list[dict]:
        return self.listed(role, "Pod", self.src.namespace)

    def controller(self) -> dict | None:
        items = self.listed("host", "MigrationController", self.src.namespace)
        return next((i for i in items if o.name(i) == "migration-controller"), items[0] if items else None)

    def log(self, roles, sources, pod: str | None = None, level: str | None = None) -> list:
        """Entries about this migration (lib.logs, the code mig-logs uses); unreadable pods are skipped."""
        from .logs import lines

        key = ("log", tuple(roles), tuple(sources), pod, level)
        if key not in self._cache:
            errors: list = []
            roles = [r for r in roles if self.reachable(r)]
            try:
                self._cache[key] = list(lines(self.src, self.graph, roles=roles, sources=sources, pod=pod,
                                              level=level, errors=errors))
            except (ApiError, MigError):
                self._cache[key] = []
        return self._cache[key]

    # --- derived -----------------------------------------------------------------------------
    def namespace_pairs(self) -> list[tuple[str, str]]:
        return o.namespace_pairs(self.plan)

    def is_final(self) -> bool:
        return bool(self.mig) and not o.spec(self.mig).get("stage") and not o.spec(self.mig).get("rollback")

    def age(self, ts) -> float | None:
        t = o.parse_time(ts)
        return (self.now - t).total_seconds() if t else None
