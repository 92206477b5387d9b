"""Gathering one cluster: lists and log streams with bounded concurrency, each failure recorded
(what, why) instead of stopping the rest. Clusters run in parallel (see command.py)."""

from __future__ import annotations

import collections
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .. import mtc
from .. import objects as o
from ..errors import EXIT_ERROR, ApiError, MigError
from . import spec
from .write import Abandoned, ClusterWriter


@dataclass
class ClusterJob:
    name: str                     # MigCluster name (or "host" without one)
    dir: str                      # subtree, <role>_<name>
    roles: list
    client: object = None         # lib.client.Client, or None when it could not be built
    error: MigError | None = None  # why there is no client
    namespaces: list = field(default_factory=list)    # migrated namespaces on this cluster
    # results
    missing: list = field(default_factory=list)       # {"what", "why", "status", "code"}: see miss()
    counts: dict = field(default_factory=dict)        # kind -> objects written
    log_bytes: int = 0
    logs: int = 0
    version: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "dir": self.dir, "roles": self.roles,
                "version": self.version.get("gitVersion", ""), "objects": dict(sorted(self.counts.items())),
                "logs": self.logs, "logBytes": self.log_bytes, "missing": self.missing}


def miss(what: str, e: Exception) -> dict:
    """What could not be collected: why, the HTTP status if any, and the exit code it implies
    (the error's own: 77 refused, 69 unreachable or failing, 1 anything else)."""
    return {"what": what, "why": f"{e.filename}: {e.strerror}" if isinstance(e, OSError) else str(e),
            "status": getattr(e, "status", None), "code": getattr(e, "code", EXIT_ERROR)}


class ClusterGather:
    def __init__(self, job: ClusterJob, writer: ClusterWriter, mtc_ns: str, full_namespaces: bool, progress=None):
        self.job, self.w, self.ns, self.full, self.progress = job, writer, mtc_ns, full_namespaces, progress
        self.lock = threading.Lock()

    def _miss(self, what: str, e: Exception) -> None:
        with self.lock:
            self.job.missing.append(miss(what, e))

    def _list(self, r, namespace: str | None, keep=None) -> list[dict]:
        try:
            items = self.job.client.list(r, namespace if r.namespaced else None)
        except ApiError as e:
            if e.status in (404, 405):
                return []
            self._miss(f"{r.kind} in {namespace}" if r.namespaced and namespace else r.kind, e)
            return []
        if keep is not None:
            items = [x for x in items if keep(x)]
        self.w.listing(r, items, namespace if r.namespaced else None)
        if items:
            with self.lock:
                self.job.counts[r.kind] = self.job.counts.get(r.kind, 0) + len(items)
        return items

    def run(self) -> None:
        try:
            self._run()
        except Abandoned:
            pass
        except OSError as e:       # the bundle could not be written (disk full, permissions)
            self._miss("the rest of this cluster: writing the bundle failed", e)

    def _run(self) -> None:
        job = self.job
        if job.error is not None:
            self._miss("everything", job.error)
            return
        try:
            job.version = job.client.version()
            offered = job.client.discover()
        except (ApiError, MigError) as e:
            self._miss("everything", e)
            return
        self.w.document("version.yaml", job.version)
        tasks = [(r, self.ns) for r in spec.cr_resources(offered) + spec.by_kind(offered, spec.MTC_KINDS)]
        tasks += [(r, None) for r in spec.by_kind(offered, spec.CLUSTER_KINDS)]
        for ns in job.namespaces:
            kinds = spec.full_namespace(offered) if self.full else spec.by_kind(offered, spec.SUMMARY_KINDS)
            tasks += [(r, ns) for r in kinds if r.kind != spec.APP_EVENTS_OF_MTC_ONLY]
        tasks = list(dict.fromkeys(tasks))      # a kind both declared and in a CR group is listed once
        results: dict = {}
        with ThreadPoolExecutor(spec.LIST_CONCURRENCY, thread_name_prefix=f"list-{job.dir}") as ex:
            for (r, ns), fut in [((r, ns), ex.submit(self._list, r, ns)) for r, ns in tasks]:
                results[(r.kind, ns)] = fut.result()
        helpers = self._helpers(results, job.namespaces)
        events = spec.by_kind(offered, (spec.APP_EVENTS_OF_MTC_ONLY,))
        for ns in job.namespaces:
            mine = {(x.get("kind"), o.name(x)) for x in helpers.get(ns, [])}
            for r in events:
                results[(r.kind, ns)] = self._list(r, ns, keep=lambda e, mine=mine: (
                    (e.get("involvedObject") or {}).get("kind"), (e.get("involvedObject") or {}).get("name")) in mine)
            self._summary(ns, {k: v for (k, n), v in results.items() if n == ns})
        pods = [(self.ns, p) for p in results.get(("Pod", self.ns), [])]
        pods += [(ns, p) for ns in job.namespaces for p in helpers.get(ns, []) if p.get("kind", "Pod") == "Pod"]
        self._logs(pods)

    @staticmethod
    def _helpers(results: dict, namespaces: list) -> dict:
        """Per application namespace, MTC's own Pods and hook Jobs there (lib/mtc): their logs and events are
        gathered, never those of the application's pods."""
        out: dict = {}
        for ns in namespaces:
            jobs = [dict(j, kind="Job") for j in results.get(("Job", ns), []) if o.labels(j).get(mtc.HOOK_UID)]
            names = {o.name(j) for j in jobs}
            pods = [dict(p, kind="Pod") for p in results.get(("Pod", ns), []) if mtc.helper_kind(p, names)]
            out[ns] = jobs + pods
        return out

    def _summary(self, ns: str, by_kind: dict) -> None:
        """namespaces/<ns>/mig-gather-summary.yaml: counts per kind and pod phases."""
        phases = collections.Counter(o.phase(p) or "Unknown" for p in by_kind.get("Pod", []))
        self.w.document(f"namespaces/{ns}/mig-gather-summary.yaml", {
            "namespace": ns, "full": self.full,
            "counts": {k: len(v) for k, v in sorted(by_kind.items())}, "podPhases": dict(phases)})

    def _logs(self, pods: list[tuple[str, dict]]) -> None:
        jobs = []
        for ns, p in pods:
            statuses = {c.get("name"): c for c in (o.status(p).get("containerStatuses") or [])
                        + (o.status(p).get("initContainerStatuses") or [])}
            for c in (o.spec(p).get("initContainers") or []) + (o.spec(p).get("containers") or []):
                cname = c.get("name")
                jobs.append((ns, o.name(p), cname, False))
                if int((statuses.get(cname) or {}).get("restartCount") or 0) > 0:
                    jobs.append((ns, o.name(p), cname, True))
        with ThreadPoolExecutor(spec.LOG_CONCURRENCY, thread_name_prefix=f"logs-{self.job.dir}") as ex:
            list(ex.map(lambda j: self._log(*j), jobs))

    def _log(self, ns: str, pod: str, container: str, previous: bool) -> None:
        path = self.w.log_path(ns, pod, container, previous)
        what = f"{'previous ' if previous else ''}log of {ns}/{pod} container {container}"
        try:
            stream = self.job.client.log_stream(ns, pod, container, previous=previous, timestamps=True,
                                                chunk=1 << 20)       # large reads: less work per byte
            n = self.w.stream_log(stream, path, self.progress)
        except ApiError as e:
            if path.exists() and path.stat().st_size == 0:
                path.unlink()
            if previous and e.status == 400:
                return              # no previous container after all
            self._miss(what + (" (kept what was read)" if path.exists() else ""), e)
            return
        with self.lock:
            self.job.logs += 1
            self.job.log_bytes += n
        if self.progress:
            self.progress.item_done()
