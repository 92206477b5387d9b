"""What mig-verify's checks look at, fetched at most once per run through the Source (label-selected
lists, never a get per object) and only when a check asks: a healthy migration costs few requests.

Facts knows which check is reading (run_all says so), so it can hold checks to their declarations
(`strict`) and record under `problems` every input a check wanted and could not read.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, List, Optional

from . import logline
from . import objects as o
from . import pods as podlib
from .errors import EXIT_FORBIDDEN, EXIT_UNREACHABLE, ApiError, MigError, NotCollected, NotServed
from .graph import Graph, migration_type
from .resources import Resource, resource
from .source import Cached, Source
from .velero_log import DOWNLOADED

if TYPE_CHECKING:
    from .checks.registry import Check
    from .logs.stream import Entry


EVIDENCE_LINE = 64 << 10     # bytes of a log line kept for the checks: ten 10 MB lines must not cost 300 MB


class Facts:
    def __init__(self, src: Source, graph: Graph, now: _dt.datetime, stuck_after: float, strict: bool = False):
        self.src, self.graph, self.now, self.stuck_after = src, graph, now, stuck_after
        self.mig = graph.migration or {}
        self.plan = graph.plan
        self.strict = strict
        self.problems: List[str] = []            # what could not be checked, and why (the report's `unchecked`)
        self.unchecked_detail: List[str] = []    # tracebacks, shown with -v
        self.undeclared: List[str] = []          # reads a check did not declare (strict mode: a test fails on them)
        self._cached = src if isinstance(src, Cached) else Cached(src)
        self._current: Optional[Check] = None
        for why in getattr(graph, "missing", {}).values():
            self.unchecked(why)

    # --- the check being run -------------------------------------------------------------------
    def begin(self, check: Check) -> None:
        self._current = check

    def end(self) -> None:
        self._current = None

    def unchecked(self, why: str) -> None:
        """Record an input that could not be read (once)."""
        if why not in self.problems:
            self.problems.append(why)

    def partial(self) -> int:
        """The exit code of a report that lacks what a cluster did not answer (69) or refused (77) to
        a check, 0 when nothing was: a check left unchecked by a 503 must not let a verdict pass."""
        codes = {e.code for e in self._cached.failed}
        return next((c for c in (EXIT_UNREACHABLE, EXIT_FORBIDDEN) if c in codes), 0)

    def _declared(self, role: str, kind: str, scope: str) -> None:
        c = self._current
        if c is None or not self.strict:
            return
        table = c.app_kinds if scope == "app" else c.kinds
        if kind not in (table.get(role) or ()):
            what = f"check {c.id} reads {kind} ({scope}) on {role} without declaring it"
            if what not in self.undeclared:
                self.undeclared.append(what)

    # --- cached reads ------------------------------------------------------------------------
    def reachable(self, role: str) -> bool:
        return role in self.src.roles() and role not in self.graph.unreachable

    def resolve(self, role: str, kind: str) -> Resource:
        """A kind the tool knows, or one the cluster serves (API discovery); else a MigError."""
        try:
            return resource(kind)
        except KeyError:
            pass
        if self.reachable(role):
            try:
                served = self.src.discover(role)
            except ApiError as e:
                self._cached.failed.append(e)
                raise
            for r in served:
                if kind in (r.kind, r.key):
                    return r
        raise NotServed(f"{role}: kind {kind} is not served by the cluster (or not in the must-gather)")

    def _require(self, role: str) -> None:
        if role in self.graph.unreachable:
            raise ApiError(f"{role} cluster not read: {self.graph.unreachable[role]}", 0, "", role)
        if role not in self.src.roles():
            raise NotCollected(f"{role} cluster is not known (not in the must-gather, or no MigCluster)")

    def listed(self, role: str, kind: str, namespace: Optional[str] = None, labels: Optional[str] = None
               ) -> List[dict]:
        """Objects of `kind` on `role`: in MTC's namespace (or `namespace`), or cluster-scoped.
        Raises (so the check is reported unchecked) when they could not be read or were not collected."""
        self._declared(role, kind, "mtc")
        self._require(role)
        r = self.resolve(role, kind)
        ns = (namespace or self.src.namespace) if r.namespaced else None
        return self._cached.list(role, r, ns, labels)

    def app(self, role: str, kind: str) -> List[dict]:
        """Objects of `kind` in the plan's application namespaces on `role` (source or destination names)."""
        self._declared(role, kind, "app")
        self._require(role)
        r = self.resolve(role, kind)
        out: List[dict] = []
        for ns in self.app_namespaces(role):
            out += self._cached.list(role, r, ns if r.namespaced else None)
            if not r.namespaced:
                break
        return out

    def app_namespaces(self, role: str) -> List[str]:
        pairs = self.namespace_pairs()
        return list(dict.fromkeys(d if role == "target" else s for s, d in pairs))

    def pods(self, role: str) -> List[dict]:
        return self.listed(role, "Pod")

    def controller(self, role: str = "host") -> Optional[dict]:
        items = self.listed(role, "MigrationController")
        return next((i for i in items if o.name(i) == "migration-controller"), items[0] if items else None)

    def log(self, roles: Iterable[str], sources: Iterable[str], pod: Optional[str] = None,
            level: Optional[str] = None) -> List[Entry]:
        """Entries about this migration (lib.logs, the code mig-logs uses). What could not be read, and
        what the pods' logs cannot cover any more (a restarted or replaced pod), goes to `unchecked`."""
        from .logs.filter import Needles
        from .logs.select import targets
        from .logs.stream import merged

        roles, sources = list(roles), list(sources)
        c = self._current
        if c is not None and self.strict:
            for r in roles:
                for s in sources:
                    if not c.reads_log(r, s) and f"check {c.id} reads {s} logs on {r} without declaring it" \
                            not in self.undeclared:
                        self.undeclared.append(f"check {c.id} reads {s} logs on {r} without declaring it")
        key = ("log", tuple(roles), tuple(sources), pod, level)
        cache = self._cached._lists
        if key in cache:
            return cache[key]
        readable = []
        for r in roles:
            if r in self.graph.unreachable:
                self.unchecked(f"{'/'.join(sources)} logs on {r}: cluster not read ({self.graph.unreachable[r]})")
            elif r not in self.src.roles():
                self.unchecked(f"{'/'.join(sources)} logs on {r}: the cluster is not known")
            else:
                readable.append(r)
        errors: list = []
        try:
            tgts = targets(self._cached, self.graph, readable, sources, pod, None, None, errors)
        except (ApiError, MigError) as e:
            self.unchecked(f"{'/'.join(sources)} logs: {e}")
            cache[key] = []
            return []
        needles = Needles(self.graph) if self.graph.migration_uids else None

        def on_error(t, e):
            errors.append((t.cluster, t, str(e)))
            if isinstance(e, ApiError):
                self._cached.failed.append(e)

        out = list(merged(self._cached, tgts, needles, level, on_error, max_line=EVIDENCE_LINE))
        restarted = [t for t in tgts if self._restarted(t.cluster, t.pod, t.container)]
        if restarted:
            prev = list(merged(self._cached, restarted, needles, level, on_error, max_line=EVIDENCE_LINE,
                               previous=True))
            out = sorted(prev + out, key=lambda e: e.stamp)
        for role, t, why in errors:
            where = f"{role}/{t.pod}/{t.container}" if t is not None else role
            self.unchecked(f"logs of {where}: {why}")
        for why in self._coverage(tgts):
            self.unchecked(why)
        cache[key] = out
        return out

    def velero_log(self, role: str, obj: dict) -> tuple[List[Entry], str]:
        """The log of one Velero Backup or Restore and where it was read: its lines in the velero pod's
        log, or, when that log does not cover it (no line of it, or the pod was created after it started),
        the copy Velero keeps in object storage (a DownloadRequest, as `velero backup logs`). ([], "")
        when neither could be read; why goes to `unchecked`."""
        from .logs.stream import Entry

        kind = obj.get("kind", "")
        field = "backup" if kind == "Backup" else "restore"
        key = ("velero_log", role, kind, o.name(obj))
        cache = self._cached._lists
        if key in cache:
            return cache[key]
        ref = f"{o.namespace(obj) or self.src.namespace}/{o.name(obj)}"
        mine = [e for e in self.log([role], ["velero"]) if str(e.line.fields.get(field, "")) in (ref, o.name(obj))]
        started = o.parse_time(o.status(obj).get("startTimestamp")) or o.created(obj)
        late = [p for p in self._velero_pods(role) if started and (o.created(p) or started) > started]
        if mine and not late:
            cache[key] = (mine, "pod log")
            return cache[key]
        target = f"{kind}Log" if kind in ("Backup", "Restore") else ""
        why = f"velero pod {o.name(late[0])} was created after it started" if late else \
            "the velero pod's log has no line of it"
        try:
            data = self.download(role, target, o.name(obj))
        except (ApiError, MigError) as e:
            self.unchecked(f"log of {kind} {o.name(obj)} on {role}: {why}, and Velero's copy could not be read: {e}")
            cache[key] = (mine, "pod log" if mine else "")
            return cache[key]
        out = []
        for raw in data.splitlines():
            text = raw.decode("utf-8", "replace")
            if text.strip():
                ln = logline.parse(text)
                out.append(Entry(role, "velero", f"{target} {o.name(obj)}", DOWNLOADED, ln.time, ln, raw))
        if not out:
            self.unchecked(f"log of {kind} {o.name(obj)} on {role}: {why}, and Velero's copy in object storage "
                           "has no line either")
            cache[key] = (mine, "pod log" if mine else "")
            return cache[key]
        cache[key] = (out, f"{target} (Velero's copy in object storage)")
        return cache[key]

    def download(self, role: str, kind: str, name: str) -> bytes:
        """A DownloadRequest target of a Backup/Restore (Source.download); the reading check must declare
        Velero logs on `role` (a Backup's log is Velero's log)."""
        c = self._current
        what = f"check {c.id} reads velero logs on {role} without declaring it" if c is not None else ""
        if c is not None and self.strict and not c.reads_log(role, "velero") and what not in self.undeclared:
            self.undeclared.append(what)
        self._require(role)
        key = ("download", role, kind, name)
        cache = self._cached._lists
        if key not in cache:
            try:
                cache[key] = self.src.download(role, kind, name)
            except MigError as e:
                cache[key] = e
                if isinstance(e, ApiError):
                    self._cached.failed.append(e)
        got = cache[key]
        if isinstance(got, MigError):
            raise got
        return got

    def _velero_pods(self, role: str) -> List[dict]:
        try:
            return [p for p in self._cached.list(role, resource("Pod"), self.src.namespace)
                    if podlib.classify(p) == "velero"]
        except (ApiError, MigError):
            return []

    # --- log coverage ----------------------------------------------------------------------------
    def _pod(self, role: str, name: str) -> Optional[dict]:
        try:
            return next((p for p in self._cached.list(role, resource("Pod"), self.src.namespace) if o.name(p) == name),
                        None)
        except (ApiError, MigError):
            return None

    def _restarted(self, role: str, pod: str, container: str) -> bool:
        p = self._pod(role, pod)
        return bool(p) and any(cs.get("name") == container and o.number(cs.get("restartCount")) > 0
                               for cs in o.maps(o.status(p or {}).get("containerStatuses")))

    def _coverage(self, tgts) -> Iterator[str]:
        """Pods started after the migration did: what their predecessors logged is gone from pod logs."""
        start = o.parse_time(o.status(self.mig).get("startTimestamp")) or o.created(self.mig) if self.mig else None
        if start is None:
            return
        seen = set()
        for t in tgts:
            if (t.cluster, t.pod) in seen:
                continue
            seen.add((t.cluster, t.pod))
            p = self._pod(t.cluster, t.pod)
            began = o.created(p) if p else None
            if began and began > start and t.source in ("velero", "controller"):
                yield (f"{t.source} logs on {t.cluster} before {o.format_time(began)}: pod {t.pod} was created "
                       f"after the migration started ({o.format_time(start)}); its predecessor's log is gone")
                continue
            window_of = getattr(self.src, "log_window", None)       # Source.log_window; a bare fake has none
            window = window_of(t.cluster, t.namespace, t.pod, t.container) if window_of else None
            first = self._first_line_time(t) if window else None
            if first and first > start:
                yield (f"{t.source} logs on {t.cluster} before {o.format_time(first)} (the migration started "
                       f"{o.format_time(start)}): not in the must-gather, {window}")

    def _first_line_time(self, t) -> Optional[_dt.datetime]:
        """When the first line of a target's log was written (as it says), None when it cannot tell."""
        from .logs.stream import split_stamp

        try:
            for chunk in self.src.logs(t.cluster, t.namespace, t.pod, t.container, timestamps=True, tail_lines=None):
                for raw in chunk.splitlines():
                    stamp, rest = split_stamp(raw)
                    when = o.parse_time(logline.parse(rest.decode("utf-8", "replace"), stamp).time)
                    if when:
                        return when
        except (MigError, OSError):           # an ApiError is a MigError
            return None
        return None

    # --- derived -----------------------------------------------------------------------------
    def namespace_pairs(self) -> List[tuple[str, str]]:
        return o.namespace_pairs(self.plan)

    def is_final(self) -> bool:
        """A final (cutover) migration: MTC runs the Final itinerary, which restores every resource of the
        namespaces on the target (not a stage, state or rollback migration: lib/graph.migration_type)."""
        return bool(self.mig) and migration_type(self.mig) == "final"

    def rolled_back(self) -> Optional[dict]:
        """A rollback of the plan (MTC's `spec.rollback: true`) that completed after this migration, else None.
        A canceled or failed one does not count, though it may carry Succeeded too (mig-controller's Completed
        phase sets it when no step failed: migrate.go)."""
        mine = o.created(self.mig)
        for m in self.graph.migrations:
            if migration_type(m) == "rollback" and o.succeeded(m) and m is not self.mig \
                    and (not mine or (o.created(m) or mine) >= mine):
                return m
        return None

    def age(self, ts) -> Optional[float]:
        t = o.parse_time(ts)
        return (self.now - t).total_seconds() if t else None

