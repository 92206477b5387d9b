"""Gathering one cluster: lists and log streams with bounded concurrency, each failure recorded
(what, why) instead of stopping the rest. Clusters run in parallel (see command.py)."""

from __future__ import annotations

import collections
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from .. import mtc
from .. import objects as o
from ..errors import EXIT_ERROR, ApiError, MigError
from ..resources import Resource
from . import spec, velero
from .write import Abandoned, ClusterWriter

if TYPE_CHECKING:
    from ..client import Client


@dataclass
class ClusterJob:
    name: str                     # MigCluster name (or "host" without one)
    dir: str                      # subtree, <role>_<name>
    roles: list
    client: Optional[Client] = None   # None when it could not be built
    error: MigError | None = None  # why there is no client
    namespaces: list = field(default_factory=list)    # migrated namespaces on this cluster
    # results
    missing: list = field(default_factory=list)       # {"what", "why", "status", "code"}: see miss()
    counts: dict = field(default_factory=dict)        # kind -> objects written
    log_bytes: int = 0
    logs: int = 0
    version: dict = field(default_factory=dict)
    full: bool = False            # --namespaces: every namespaced kind of the migrated namespaces
    since: dict = field(default_factory=dict)         # {"sinceSeconds": n} or {"sinceTime": t}: the log window
    migrations: set = field(default_factory=set)      # names and UIDs of the migrations reported on

    def to_dict(self) -> dict:
        """gather.json's entry; `namespaces` and `full` say what was collected (read back by lib.mustgather)."""
        return {"name": self.name, "dir": self.dir, "roles": self.roles, "namespaces": self.namespaces,
                "full": self.full,
                "version": self.version.get("gitVersion", ""), "objects": dict(sorted(self.counts.items())),
                "logs": self.logs, "logBytes": self.log_bytes, "missing": self.missing}


def involves(event: dict, mine: set) -> bool:
    """The Event is about one of `mine` ((kind, name)): an involvedObject that is no map, or whose kind or name
    is no text, is about none."""
    io = event.get("involvedObject") if isinstance(event, dict) else None
    if not isinstance(io, dict) or not isinstance(io.get("kind"), str) or not isinstance(io.get("name"), str):
        return False
    return (io["kind"], io["name"]) in mine


def log_jobs(pods: list[tuple[str, dict]]) -> list[tuple[str, str, str, bool]]:
    """(namespace, pod, container, previous) for each log to read: every container (init ones first), and its
    previous one when it restarted. A container entry that is no map or has no text name is none, a restart
    count that is no number none (a pod of the wrong shape gives the logs that can be named)."""
    jobs = []
    for ns, p in pods:
        if not o.name(p) or not isinstance(o.meta(p).get("name"), str):
            continue
        statuses = {c["name"]: c for c in o.maps(o.status(p).get("containerStatuses"))
                    + o.maps(o.status(p).get("initContainerStatuses")) if isinstance(c.get("name"), str)}
        for c in o.maps(o.spec(p).get("initContainers")) + o.maps(o.spec(p).get("containers")):
            cname = c.get("name")
            if not isinstance(cname, str) or not cname:
                continue
            jobs.append((ns, o.name(p), cname, False))
            if o.number(statuses.get(cname, {}).get("restartCount")) > 0:
                jobs.append((ns, o.name(p), cname, True))
    return jobs


def miss(what: str, e: Exception) -> dict:
    """What could not be collected: why, the HTTP status if any, and the exit code it implies
    (the error's own: 77 refused, 69 unreachable or failing, 1 anything else)."""
    return {"what": what, "why": f"{e.filename}: {e.strerror}" if isinstance(e, OSError) else str(e),
            "status": getattr(e, "status", None), "code": getattr(e, "code", EXIT_ERROR)}


class ClusterGather:
    def __init__(self, job: ClusterJob, writer: ClusterWriter, mtc_ns: str, full_namespaces: bool, progress=None,
                 listed: threading.Barrier | None = None):
        """`listed`: every cluster's gather waits there once its objects are listed and their
        secrets learnt, so that no object or log is written before every secret is known."""
        self.job, self.w, self.ns, self.full, self.progress = job, writer, mtc_ns, full_namespaces, progress
        self.lock = threading.Lock()
        self.listed = listed
        self.lists: list = []            # (resource, items, namespace) listed, written after the barrier
        self.helper_pods: list = []      # MTC's pods in other namespaces (their logs are gathered too)

    @property
    def client(self) -> Client:
        if self.job.client is None:        # _run reports the job's error before any read
            raise MigError(f"{self.job.name}: no client")
        return self.job.client

    def _miss(self, what: str, e: Exception) -> None:
        with self.lock:
            self.job.missing.append(miss(what, e))

    def _list(self, r, namespace: str | None, keep=None) -> list[dict]:
        try:
            items = self.client.list(r, namespace if r.namespaced else None)
        except ApiError as e:
            if e.status in (404, 405):
                return []
            self._miss(f"{r.kind} in {namespace}" if r.namespaced and namespace else r.kind, e)
            return []
        if keep is not None:
            items = [x for x in items if keep(x)]
        for x in items:
            self.w.r.learn(x)
        with self.lock:
            self.lists.append((r, items, namespace if r.namespaced else None))
        if items:
            with self.lock:
                self.job.counts[r.kind] = self.job.counts.get(r.kind, 0) + len(items)
        return items

    def run(self) -> None:
        try:
            try:
                results = self._list_all()
            finally:
                self._wait()
            self.w.r.prepare()            # every secret known: one compiled chase for the writing
            if results is not None:
                self._write(results)
        except Abandoned:
            pass
        except OSError as e:       # the bundle could not be written (disk full, permissions)
            self._miss("the rest of this cluster: writing the bundle failed", e)

    def _wait(self) -> None:
        if self.listed is None:
            return
        try:
            self.listed.wait(timeout=spec.LIST_WAIT)
        except threading.BrokenBarrierError:
            pass

    def _list_all(self) -> dict | None:
        """Every list of this cluster, secrets learnt, nothing written; None when the cluster gave nothing."""
        job = self.job
        if job.error is not None:
            self._miss("everything", job.error)
            return None
        try:
            job.version = self.client.version()
            offered = self.client.discover()
        except (ApiError, MigError) as e:
            self._miss("everything", e)
            return None
        tasks: list[tuple[Resource, Optional[str]]] = [
            (r, self.ns) for r in spec.cr_resources(offered) + spec.by_kind(offered, spec.MTC_KINDS)]
        tasks += [(r, None) for r in spec.by_kind(offered, spec.CLUSTER_KINDS)]
        for ns in job.namespaces:
            kinds = spec.full_namespace(offered) if self.full else spec.by_kind(offered, spec.SUMMARY_KINDS)
            tasks += [(r, ns) for r in kinds if r.kind != spec.APP_EVENTS_OF_MTC_ONLY]
        tasks = list(dict.fromkeys(tasks))      # a kind both declared and in a CR group is listed once
        results: dict = {}
        with ThreadPoolExecutor(spec.LIST_CONCURRENCY, thread_name_prefix=f"list-{job.dir}") as ex:
            for (r, ns), fut in [((r, ns), ex.submit(self._list, r, ns)) for r, ns in tasks]:
                results[(r.kind, ns)] = fut.result()
        offered_kinds = {r.kind: r for r in offered}
        self.helper_pods = self._helpers(offered_kinds) if "Pod" in offered_kinds else []
        self._app_events(offered, job.namespaces, results, self.helper_pods)
        return results

    def _write(self, results: dict) -> None:
        job = self.job
        self.w.document("version.yaml", job.version)
        for r, items, namespace in self.lists:
            self.w.listing(r, items, namespace)
        for ns in job.namespaces:
            self._summary(ns, {k: v for (k, n), v in results.items() if n == ns})
        self._velero(results)
        pods = [(self.ns, p) for p in results.get(("Pod", self.ns), [])]
        pods += [(o.namespace(p) or "", p) for p in self.helper_pods]
        self._logs(pods)

    def _app_events(self, offered, namespaces: list, results: dict, helpers: list) -> None:
        """Events of an application namespace about MTC's own objects there only (its rsync, stunnel, stage and
        hook Job pods, and the hook Jobs): never the application's."""
        for r in spec.by_kind(offered, (spec.APP_EVENTS_OF_MTC_ONLY,)):
            for ns in namespaces:
                mine = {("Pod", o.name(p)) for p in helpers if o.namespace(p) == ns}
                mine |= {("Job", o.name(j)) for j in results.get(("Job", ns), []) if o.labels(j).get(mtc.HOOK_UID)}
                if not mine:
                    continue

                def keep(e: dict, mine: set = mine) -> bool:
                    return involves(e, mine)

                results[(r.kind, ns)] = self._list(r, ns, keep=keep)

    def _summary(self, ns: str, by_kind: dict) -> None:
        """namespaces/<ns>/mig-gather-summary.yaml: counts per kind and pod phases."""
        phases = collections.Counter(o.phase(p) or "Unknown" for p in by_kind.get("Pod", []))
        self.w.document(f"namespaces/{ns}/mig-gather-summary.yaml", {
            "namespace": ns, "full": self.full,
            "counts": {k: len(v) for k, v in sorted(by_kind.items())}, "podPhases": dict(phases)})

    def _velero(self, results: dict) -> None:
        """Velero's records of the Backups (where they were made: not on a target only) and Restores of
        the migrations reported on."""
        roles, mine = set(self.job.roles), self.job.migrations
        backups = velero.of_migrations(results.get(("Backup", self.ns), []), mine) \
            if not ("target" in roles and "source" not in roles) else []
        restores = velero.of_migrations(results.get(("Restore", self.ns), []), mine)
        if not backups and not restores:
            return
        dl = velero.Downloader(self.job.client, self.ns, results.get(("BackupStorageLocation", self.ns), []))
        tasks = [("Backup", b, [v for v in results.get(("PodVolumeBackup", self.ns), [])
                                if (o.labels(v) or {}).get("velero.io/backup-name") == o.name(b)]) for b in backups]
        tasks += [("Restore", r, [v for v in results.get(("PodVolumeRestore", self.ns), [])
                                  if (o.labels(v) or {}).get("velero.io/restore-name") == o.name(r)]) for r in restores]

        def one(task) -> None:
            kind, obj, vols = task
            try:
                files = velero.records(dl, kind, obj, vols)
            except velero.Partial as p:
                files = p.files
                self._miss(f"Velero records of {kind} {o.name(obj)}", p.error)
            base = velero.record_dir(kind, o.name(obj))
            for fn, data in files.items():
                self.w.text(f"{base}/{fn}", data)

        with ThreadPoolExecutor(spec.LIST_CONCURRENCY, thread_name_prefix=f"velero-{self.job.dir}") as ex:
            list(ex.map(one, tasks))

    def _helpers(self, offered: dict) -> list[dict]:
        """MTC's pods outside its namespace (upstream must-gather's gather_logs_helper_pods): rsync
        transfer and client pods, stunnel pods, stage pods, all labelled part-of openshift-migration in
        the application namespaces; and the pods of hook Jobs (their template carries no labels: found
        by `job-name`). Each namespace's pods are written beside the others (listing), then logged."""
        out: list = []
        try:
            found = self.client.list(offered["Pod"], None, spec.HELPER_LABEL)
            if "Job" in offered:
                hooks = [j for j in self.client.list(offered["Job"], None, spec.HELPER_LABEL)
                         if (o.labels(j) or {}).get("mighook")]
                for ns in sorted({o.namespace(j) or "" for j in hooks}):
                    names = ",".join(o.name(j) for j in hooks if o.namespace(j) == ns)
                    found += self.client.list(offered["Pod"], ns, f"job-name in ({names})")
        except ApiError as e:
            self._miss("MTC helper pods (rsync, stunnel, stage, hook) in other namespaces", e)
            return out
        by_ns: dict = {}
        for p in found:
            ns = o.namespace(p) or ""
            if ns and ns != self.ns and all(o.name(p) != o.name(q) for q in by_ns.get(ns, [])):
                by_ns.setdefault(ns, []).append(p)
        for ns, items in sorted(by_ns.items()):
            for x in items:
                self.w.r.learn(x)
            with self.lock:
                self.lists.append((offered["Pod"], items, ns))      # written with the rest, once all is learnt
            out += items
            with self.lock:
                self.job.counts["Pod"] = self.job.counts.get("Pod", 0) + len(items)
        return out

    def _logs(self, pods: list[tuple[str, dict]]) -> None:
        jobs = log_jobs(pods)
        if self.progress:
            self.progress.add_total(len(jobs), self.job.dir)
        with ThreadPoolExecutor(spec.LOG_CONCURRENCY, thread_name_prefix=f"logs-{self.job.dir}") as ex:
            list(ex.map(lambda j: self._log(*j), jobs))

    def _log(self, ns: str, pod: str, container: str, previous: bool) -> None:
        try:
            self._log_one(ns, pod, container, previous)
        finally:
            if self.progress:
                self.progress.item_done(self.job.dir)

    def _log_one(self, ns: str, pod: str, container: str, previous: bool) -> None:
        path = self.w.log_path(ns, pod, container, previous)
        what = f"{'previous ' if previous else ''}log of {ns}/{pod} container {container}"
        try:
            stream = self.client.log_stream(ns, pod, container, previous=previous, timestamps=True,
                                                since_seconds=self.job.since.get("sinceSeconds"),
                                                since_time=self.job.since.get("sinceTime"),
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
