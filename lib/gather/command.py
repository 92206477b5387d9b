"""mig-gather's flow: which clusters, gather them in parallel into a partial directory, add the
mig-verify reports (read back from what was gathered), index it in gather.json, then rename and
archive. Nothing that looks complete exists until it is complete."""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from .. import objects as o
from ..errors import EXIT_ERROR, EXIT_FORBIDDEN, EXIT_UNREACHABLE, ApiError, MigError
from ..graph import list_migrations, resolve_migration
from ..progress import Progress
from ..redact import Redactor
from . import mapping, report
from .engine import ClusterGather, ClusterJob, miss
from .write import ClusterWriter, archive, safe


@dataclass
class Options:
    migration: str | None = None
    dest_dir: str = "."
    archive: bool = True
    redact: bool = True
    full_namespaces: bool = False
    in_cluster: bool = False
    reports: int = 3           # mig-verify reports for the newest migrations when none is named
    clusters: tuple = ()       # only these (MigCluster names or roles); default every cluster
    redaction_map: str | None = None   # a mapping to reuse and extend (another bundle of the same case)
    since_seconds: int | None = None   # logs: only the last N seconds (--since)
    since_time: str | None = None      # logs: only from this RFC3339 time (--since-time)


def cluster_jobs(src, ref: str | None) -> tuple[list[ClusterJob], list[dict]]:
    """One job per MigCluster (the host's own if none is the host), roles from the plan of the
    migration named (or of the newest one), and the migrated namespaces each cluster holds; plus
    the migrations to report on."""
    ns = src.namespace
    host = src.clusters.host
    mcs = host.list("MigCluster", ns)
    plans = host.list("MigPlan", ns)
    migrations = list_migrations(src)
    if ref:
        migrations = [resolve_migration(migrations, ref, ns)]
    role_plan = o.plan_name(migrations[0]) if migrations else None
    if ref:
        plans = [p for p in plans if o.name(p) == role_plan]
    roles: dict[str, list] = {o.name(m): (["host"] if o.is_host_cluster(m) else []) for m in mcs}
    spaces: dict[str, list] = {o.name(m): [] for m in mcs}
    for p in plans:
        for s, d in o.namespace_pairs(p):
            for key, role, n in (("srcMigClusterRef", "source", s), ("destMigClusterRef", "target", d)):
                mc = o.ref_name(p, key)
                if mc not in roles:
                    continue
                if o.name(p) == role_plan and role not in roles[mc]:
                    roles[mc].append(role)
                if n not in spaces[mc]:
                    spaces[mc].append(n)
    jobs = []
    for m in mcs:
        name = o.name(m)
        job = ClusterJob(name, safe(f"{(roles[name] or ['remote'])[0]}_{name}"), roles[name] or ["remote"],
                         namespaces=spaces[name])
        role = next((r for r in ("source", "target") if r in job.roles), "remote")
        try:
            job.client = host if "host" in job.roles else \
                src.clusters.for_role(role, None if src.clusters.overrides.get(role) else m)
        except (ApiError, MigError) as e:
            job.error = e
        jobs.append(job)
    if not any("host" in j.roles for j in jobs):
        jobs.insert(0, ClusterJob("host", "host_host", ["host"], host))
    return jobs, migrations


def _exit_code(missing: list) -> int:
    """The gravest code among what is missing: 77 refused, then 69 unreachable, then 1; 0 if nothing."""
    codes = {m["code"] for m in missing}
    return next((c for c in (EXIT_FORBIDDEN, EXIT_UNREACHABLE) if c in codes), 1 if codes else 0)


def _reports(root: Path, index: dict, migrations: list[dict], redactor: Redactor, writers: dict,
             reports: list | None = None) -> list:
    """mig-verify on what was gathered (the same reading a support engineer will do), from the
    objects kept in memory and the log files on disk; each Report is added to `reports`."""
    from ..mustgather.layout import scan
    from ..mustgather.source import MustGatherSource
    from ..verify import verify
    from ..verify_text import data, with_timeline

    problems: list = []
    if not migrations:
        return problems
    try:
        clusters = scan(root, index, objects=False)
        for cd in clusters:
            cd.objects = writers[cd.path.name].objects
        gathered = MustGatherSource(root, index, index["namespace"], str(root), clusters)
        out = root / "mig-verify"
        out.mkdir(exist_ok=True)
    except Exception as e:   # the bundle stands without its reports; gather.json says why
        return [_report_miss("mig-verify reports", e)]
    for m in migrations:
        name = o.name(m)
        try:
            rep = verify(gathered, name)
            if reports is not None:
                reports.append(rep)
            (out / f"{safe(name)}.txt").write_text(redactor.string(with_timeline(rep, True)))
            (out / f"{safe(name)}.json").write_text(redactor.string(json.dumps(data(rep, True), indent=2,
                                                                               sort_keys=True)) + "\n")
        except Exception as e:   # one report failing never costs the bundle or the other reports
            problems.append(_report_miss(f"mig-verify report of {name}", e))
    return problems


def _report_miss(what: str, e: Exception) -> dict:
    if isinstance(e, (ApiError, MigError, OSError)):
        return miss(what, e)
    return {"what": what, "why": f"internal error: {type(e).__name__}: {e}", "status": None, "code": EXIT_ERROR}


def run(src, opt: Options, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    jobs, migrations = cluster_jobs(src, opt.migration)
    if opt.clusters:
        unknown = [c for c in opt.clusters if not any(c == j.name or c in j.roles for j in jobs)]
        if unknown:
            raise MigError(f"--cluster {unknown[0]}: no such MigCluster or role "
                           f"(known: {', '.join(j.name for j in jobs)}; roles host, source, target)")
        jobs = [j for j in jobs if j.name in opt.clusters or set(j.roles) & set(opt.clusters)]
    reported = migrations[:opt.reports] if not opt.migration else migrations
    for j in jobs:
        j.full = opt.full_namespaces
        j.migrations = {o.name(m) for m in reported} | {o.uid(m) for m in reported if o.uid(m)}
        j.since = {"sinceSeconds": opt.since_seconds} if opt.since_seconds else \
            ({"sinceTime": opt.since_time} if opt.since_time else {})
    dest = Path(opt.dest_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MigError(f"--dest-dir {dest}: {e.strerror or e}") from None
    gid = f"{_dt.datetime.now().strftime('%Y%m%d%H%M%S')}{random.randint(1000, 9999)}"
    final = dest / f"must-gather.local.{gid}"
    partial = dest / f".must-gather.local.{gid}.partial"
    redactor = Redactor(enabled=opt.redact)
    if opt.redact:
        mapping.load(redactor, opt.redaction_map)
    progress = Progress(0, "mig-gather logs", err)
    started = o.now_stamp()
    writers: dict = {}
    threads: list = []
    listed = None
    try:
        writers = {j.dir: ClusterWriter(partial / j.dir, redactor) for j in jobs}
        listed = threading.Barrier(len(jobs)) if jobs else None
        threads = [threading.Thread(target=ClusterGather(j, writers[j.dir], src.namespace, opt.full_namespaces,
                                                         progress, listed).run, name=j.dir, daemon=True)
                   for j in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        progress.close()
        index = {"apiVersion": "mig-tools/v1", "kind": "Gather", "tool": "mig-gather", "version": __version__,
                 "id": gid, "started": started, "finished": o.now_stamp(), "namespace": src.namespace,
                 "migration": opt.migration or "", "clusters": [j.to_dict() for j in jobs],
                 "logsSince": {"seconds": opt.since_seconds, "time": opt.since_time}
                 if (opt.since_seconds or opt.since_time) else None}
        missing = [dict(m, cluster=j.name) for j in jobs for m in j.missing]
        with_host = any("host" in j.roles for j in jobs)     # reports need the MTC CRs
        reps: list = []
        missing += _reports(partial, index, migrations[:opt.reports] if with_host else [], redactor, writers, reps)
        def scrubbed(ms: list) -> list:     # errors may quote a URL or a header with its credentials
            return [dict(m, what=redactor.string(str(m["what"])), why=redactor.string(str(m["why"]))) for m in ms]

        missing = scrubbed(missing)
        for c in index["clusters"]:          # each cluster's own list too (it was written as read)
            c["missing"] = scrubbed(c["missing"])
        index.update(missing=missing, redaction=redactor.summary(), complete=not missing)
        try:
            report.write(partial, reps, index, index["redaction"], redactor.string)
        except Exception as e:   # the bundle stands without its report; gather.json says why
            missing.append(_report_miss("report.html", e))
            index.update(missing=missing, complete=False)
        (partial / "gather.json").write_text(json.dumps(index, indent=2) + "\n")
        os.replace(partial, final)
    except BaseException:
        for w in writers.values():
            w.stop.set()
        if listed is not None:
            listed.abort()
        deadline = time.monotonic() + 0.8          # Ctrl-C stops within a second (workers are daemons)
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for j in jobs:
        err.write(f"{j.dir}: {sum(j.counts.values())} objects, {j.logs} logs ({j.log_bytes >> 10} KiB)"
                  + (f", {len(j.missing)} not collected" if j.missing else "") + "\n")
    for m in index["missing"]:
        err.write(f"not collected: {m.get('cluster', '')} {m['what']}: {m['why']}\n")
    code = _exit_code(index["missing"])
    if opt.redact and (not opt.in_cluster or opt.redaction_map):
        if not mapping.keep(redactor, opt.redaction_map, final.name, err):
            code = code or 1
    elif not opt.redact:
        err.write("warning: --no-redact: secrets are in the bundle in clear\n")
    tarball = archive(final, dest, "must-gather.tar.gz") if opt.archive else None   # after the mapping is kept
    out.write(f"{final}\n")
    if tarball:
        out.write(f"{tarball}\n")
    return code
