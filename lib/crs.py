"""mig-crs: the chain of CRs of a migration as rows grouped by cluster, and the migrations list."""

from __future__ import annotations

from typing import NamedTuple

from . import mtc
from . import objects as o
from . import pods as podlib
from .graph import Graph, migration_type, velero_role
from .render import Column

SEVERE = ("Critical", "Error")


class Row(NamedTuple):
    """One line of the chain (a NamedTuple: `dataclasses` would import `inspect` at every start)."""
    cluster: str          # role: host/source/target
    kind: str
    name: str
    role: str = ""
    phase: str = ""
    errors: int | str = ""
    warnings: int | str = ""
    obj: dict | None = None
    depth: int = 0
    links: str = ""
    message: str = ""


def _cond_counts(obj: dict) -> tuple[int, int]:
    conds = [c for c in o.conditions(obj) if o.is_true(c)]
    return (sum(1 for c in conds if c.get("category") in SEVERE),
            sum(1 for c in conds if c.get("category") == "Warn"))


def _ready(obj: dict) -> str:
    if o.has_condition(obj, "Ready"):
        return "Ready"
    return "NotReady" if o.conditions(obj) else ""


def _first_problem(obj: dict) -> str:
    errs = o.status(obj).get("errors")
    if isinstance(errs, list) and errs:
        return str(errs[0])
    for c in o.conditions(obj):
        if c.get("category") in SEVERE + ("Warn",) and o.is_true(c):
            return f"{c.get('type')}: {c.get('message', '')}".strip()
    st = o.status(obj)
    return str(st.get("failureReason") or st.get("message") or "")


def config_row(role: str, obj: dict | None, kind: str, desc: str, depth: int = 1) -> Row | None:
    if obj is None:
        return None
    e, w = _cond_counts(obj)
    return Row(role, kind, o.name(obj), desc, _ready(obj), e, w, obj, depth, message=_first_problem(obj))


def migration_row(mig: dict, depth: int = 1) -> Row:
    e, w = _cond_counts(mig)
    errs = o.items(o.status(mig).get("errors"))
    return Row("host", "MigMigration", o.name(mig), migration_type(mig), o.phase(mig) or "Pending",
               len(errs) + e, w, mig, depth, message=_first_problem(mig), links=result(mig))


def velero_row(role: str, obj: dict, depth: int) -> Row:
    st = o.status(obj)
    links = ""
    if obj.get("kind") == "Restore":
        links = f"backup {o.spec(obj).get('backupName', '')}"
    elif obj.get("kind") == "Backup":
        links = f"bsl {o.spec(obj).get('storageLocation', '')}"
    return Row(role, obj.get("kind", ""), o.name(obj), velero_role(obj), st.get("phase") or "New",
               o.number(st.get("errors")), o.number(st.get("warnings")), obj, depth, links,
               _first_problem(obj))


def volume_row(role: str, obj: dict, depth: int) -> Row:
    spec, st = o.spec(obj), o.status(obj)
    pod = spec["pod"] if isinstance(spec.get("pod"), dict) else {}
    failed = st.get("phase") in mtc.PV_FAILED     # Velero 1.17: Canceled too
    links = f"pod {pod.get('namespace', '')}/{pod.get('name', '')} volume {spec.get('volume', '')}"
    if spec.get("node"):
        links += f" node {spec['node']}"
    if st.get("resticPod"):
        links += f" restic {st['resticPod']}"
    errors = o.number(st.get("errors")) or (1 if failed else 0)
    return Row(role, obj.get("kind", ""), o.name(obj), "volume", st.get("phase") or "New", errors,
               o.number(st.get("verifyErrors")) if "verifyErrors" in st else "", obj, depth, links,
               str(st.get("message") or ""))


def location_row(role: str, obj: dict) -> Row:
    st = o.status(obj)
    phase = st.get("phase") or ""
    return Row(role, obj.get("kind", ""), o.name(obj),
               "backup location" if obj.get("kind") == "BackupStorageLocation" else "snapshot location",
               phase, "", "", obj, 1, f"{o.spec(obj).get('provider', '')}", str(st.get("message") or ""))


def _direct_row(obj: dict, depth: int) -> Row:
    """A DirectVolumeMigration or DirectImageMigration (host, under its MigMigration)."""
    st = o.status(obj)
    e, w = _cond_counts(obj)
    failed = o.has_condition(obj, "Failed")
    kind = obj.get("kind", "")
    if kind == "DirectVolumeMigration":
        pvcs = len(o.items(o.spec(obj).get("persistentVolumeClaims")))
        counts = {k: len(o.items(st.get(k))) for k in ("successfulPods", "runningPods", "pendingPods", "failedPods")}
        msg = (f"{pvcs} volumes: {counts['successfulPods']} done, {counts['runningPods']} running, "
               f"{counts['pendingPods']} pending, {counts['failedPods']} failed")
        role = "direct volume migration (rsync)"
    else:
        msg = (f"{len(o.items(st.get('successfulISs')))} ImageStreams done, {len(o.items(st.get('failedISs')))} failed")
        role = "direct image migration"
    problem = _first_problem(obj)
    return Row("host", kind, o.name(obj), role, ("Failed" if failed else o.phase(obj)) or "Pending",
               len(o.items(st.get("errors"))) + e + (1 if failed and not o.items(st.get("errors")) else 0), w, obj, depth,
               f"itinerary {st.get('itinerary', '')}".strip(), f"{msg}; {problem}" if problem else msg)


def _dvmp_row(g: Graph, dvmp: dict, depth: int) -> Row:
    """One PVC's rsync progress: pod phase, percent, rate, elapsed, exit code (-o wide)."""
    st = o.status(dvmp)
    pvc = g.dvmp_pvc(dvmp)
    pct = st.get("totalProgressPercentage") or st.get("lastObservedProgressPercent") or ""
    attempts = len(o.maps(st.get("rsyncPodStatuses"))) + (1 if st.get("podName") else 0)
    pod_ns, pod = g.dvmp_pod(dvmp)
    links = (f"pvc {pvc.get('namespace', '?')}/{pvc.get('name', '?')} " if pvc else "") + f"pod {pod_ns}/{pod}"
    msg = ", ".join(x for x in (
        pct and f"{pct} copied", st.get("lastObservedTransferRate") and f"at {st['lastObservedTransferRate']}",
        (st.get("rsyncElapsedTime") or st.get("containerElapsedTime")) and
        f"elapsed {st.get('rsyncElapsedTime') or st.get('containerElapsedTime')}",
        st.get("exitCode") is not None and f"exit code {st['exitCode']}", attempts > 1 and f"attempt {attempts}") if x)
    failed = st.get("phase") == mtc.DVMP_FAILED
    return Row("host", "DirectVolumeMigrationProgress", o.name(dvmp),
               f"volume {pvc.get('name')}" if pvc else "volume", st.get("phase") or "Pending",
               1 if failed else 0, "", dvmp, depth, links, msg)


def _dism_row(obj: dict, depth: int) -> Row:
    ref = o.spec(obj).get("imageStreamRef")
    ref = ref if isinstance(ref, dict) else {}
    errs = o.items(o.status(obj).get("errors"))
    failed = o.has_condition(obj, "Failed")
    return Row("host", obj.get("kind", ""), o.name(obj), "imagestream", ("Failed" if failed else o.phase(obj)) or "Pending",
               len(errs), "", obj, depth, f"imagestream {ref.get('namespace', '')}/{ref.get('name', '')}",
               str(errs[0]) if errs else "")


def _hook_row(g: Graph, hook: dict) -> Row:
    phases = [str(h.get("phase", "")) for h in o.plan_hooks(g.plan) if (h.get("reference") or {}).get("name") == o.name(hook)]
    sp = o.spec(hook)
    e, w = _cond_counts(hook)
    return Row("host", "MigHook", o.name(hook), f"hook {'/'.join(phases) or '?'}", _ready(hook), e, w, hook, 1,
               f"runs on {sp.get('targetCluster', '?')}, image {sp.get('image', '')}", _first_problem(hook))


def _analytic_row(a: dict) -> Row:
    an = o.status(a).get("analytics") or {}
    e, w = _cond_counts(a)
    msg = ", ".join(f"{k} {an[k]}" for k in ("pvCount", "pvCapacity", "imageCount", "imageSizeTotal", "k8sResourceTotal",
                                               "percentComplete") if an.get(k) not in (None, ""))
    return Row("host", "MigAnalytic", o.name(a), "plan analytics", _ready(a), e, w, a, 1, "", msg)


HELPER_ROLES = {"rsync": "rsync", "stunnel": "stunnel", "stage": "stage pod", "registry": "image registry",
                "hook": "hook job pod"}


def _pod_row(g: Graph, role: str, p: dict, depth: int) -> Row:
    kind = g.helper_kind(p)
    label = HELPER_ROLES.get(kind, kind)
    lb = o.labels(p)
    if kind == "rsync":
        label = ("blockrsync" if mtc.is_block_transfer(p) else "rsync") + \
            (" client" if mtc.is_rsync_client(p) else " server")
        if lb.get(mtc.RSYNC_ATTEMPT):
            label += f" (attempt {lb[mtc.RSYNC_ATTEMPT]})"
    why = podlib.problems(p)
    exits = [f"{cs.get('name')} exit {t['exitCode']}" for cs in o.maps(o.status(p).get("containerStatuses"))
             for t in [podlib.terminated(cs, last=False)] if t.get("exitCode")]
    return Row(role, "Pod", o.name(p), label, o.phase(p) or "Pending", len(exits) or "", podlib.restarts(p) or "",
               p, depth, f"ns {o.namespace(p)} node {podlib.node(p) or '?'}", ", ".join(exits + why))


def _job_row(g: Graph, role: str, job: dict) -> Row:
    st = o.status(job)
    hook = g.hook_of_job(job)
    cond: dict = next((c for c in o.conditions(job) if o.is_true(c)), {})
    phase = cond.get("type") or ("Complete" if st.get("succeeded") else "Running")
    return Row(role, "Job", o.name(job), f"hook {o.labels(job).get(mtc.HOOK_PHASE, '?')}", phase,
               o.number(st.get("failed")), "", job, 1,
               f"ns {o.namespace(job)}" + (f" mighook {o.name(hook)}" if hook else ""),
               f"{cond.get('reason', '')}: {cond.get('message', '')}" if cond.get("reason") else "")


def result(mig: dict) -> str:
    """Succeeded, SucceededWithWarnings, Failed, Canceled or Running, from the conditions."""
    if o.outcome(mig):
        return o.outcome(mig)
    if o.has_condition(mig, "Canceling"):
        return "Canceling"
    return "Running" if o.phase(mig) and o.phase(mig) != "Completed" else ""


def chain(g: Graph) -> list[Row]:
    """The tree rows: host (plan, migrations, clusters, storage), then source, then target."""
    rows: list[Row] = [Row("host", "MigPlan", o.name(g.plan), "plan",
                           "Closed" if o.plan_closed(g.plan) else _ready(g.plan), *_cond_counts(g.plan),
                           obj=g.plan, message=_first_problem(g.plan))] if g.plan else []
    migs = [g.migration] if g.migration else g.migrations
    for m in migs:
        rows.append(migration_row(m))
        for dvm in g.dvms_of(m):
            rows.append(_direct_row(dvm, 2))
            rows += [_dvmp_row(g, p, 3) for p in g.dvmps_of(dvm)]
        for dim in g.dims_of(m):
            rows.append(_direct_row(dim, 2))
            rows += [_dism_row(d, 3) for d in g.disms_of(dim)]
    rows += [_hook_row(g, h) for h in g.hooks]
    rows += [_analytic_row(a) for a in g.analytics]
    for role in ("source", "target"):
        r = config_row("host", g.migclusters.get(role), "MigCluster", f"{role} cluster")
        if r:
            rows.append(r)
    r = config_row("host", g.storage, "MigStorage", "storage")
    if r:
        rows.append(r)
    for role in ("source", "target"):
        if role in g.unreachable:
            rows.append(Row(role, "-", "-", "unreachable", "Unknown", message=g.unreachable[role]))
            continue
        rows += [location_row(role, x) for x in g.bsls.get(role, []) + g.vsls.get(role, [])]
        for v in (g.backups if role == "source" else g.restores):
            rows.append(velero_row(role, v, 1))
            kids = g.pvbs_of(v) if role == "source" else g.pvrs_of(v)
            rows += [volume_row(role, k, 2) for k in kids]
        for job in g.jobs.get(role, []):
            rows.append(_job_row(g, role, job))
            rows += [_pod_row(g, role, p, 2) for p in g.job_pods(role, job)]
        rows += [_pod_row(g, role, p, 1) for p in g.helpers.get(role, []) if g.helper_kind(p) != "hook"]
        rows += [_logged_row(g, role, p) for p in g.logged.get(role, [])]
    return rows


def _logged_row(g: Graph, role: str, p: dict) -> Row:
    """A pod the must-gather holds only the saved log of (lib/graph logged): no phase or exit code is known, and
    there is no object to print with -o json/yaml."""
    info = podlib.saved_log(p)
    return Row(role, "Pod", o.name(p), f"{info.get('kind') or 'helper'} (log only)", "", links=f"ns {o.namespace(p)}",
               depth=1, message=f"no Pod object in the must-gather, only its saved log {info.get('file', '?')} "
                                f"({info.get('why', '')})")


def chain_objects(g: Graph) -> list[dict]:
    """The chain's objects for -o json/yaml/name, each annotated with the cluster role it came from."""
    out = []
    for row in chain(g):
        if row.obj is None:
            continue
        ob = dict(row.obj)
        md = dict(o.meta(ob))
        md["annotations"] = {**o.annotations(ob), "mig-tools/cluster": row.cluster,
                             "mig-tools/cluster-name": g.labels.get(row.cluster, row.cluster)}
        ob["metadata"] = md
        out.append(ob)
    return out


def _tree_name(r: Row) -> str:
    return ("  " * max(r.depth - 1, 0) + ("└─ " if r.depth else "")) + r.name


def _cluster_cell(labels: dict):
    return lambda r: labels.get(r.cluster, r.cluster)


def chain_columns(g: Graph, decorate: bool = True) -> list[Column]:
    """The chain's columns; the tree glyphs of NAME only for a terminal (decorate), plain names for pipes."""
    return [
        Column("CLUSTER", _cluster_cell(g.labels)),
        Column("KIND", lambda r: r.kind),
        Column("NAME", _tree_name if decorate else (lambda r: r.name)),
        Column("ROLE", lambda r: r.role),
        Column("PHASE", lambda r: r.phase),
        Column("ERRORS", lambda r: r.errors),
        Column("WARNINGS", lambda r: r.warnings),
        Column("AGE", lambda r: o.age(r.obj) if r.obj else ""),
        Column("LINKS", lambda r: r.links, wide=True),
        Column("MESSAGE", lambda r: r.message, wide=True),
    ]


def migration_columns() -> list[Column]:
    return [
        Column("NAME", o.name),
        Column("PLAN", o.plan_name),
        Column("TYPE", migration_type),
        Column("PHASE", lambda m: o.phase(m) or "Pending"),
        Column("RESULT", result),
        Column("STARTED", lambda m: o.status(m).get("startTimestamp", ""), wide=True),
        Column("UID", o.uid, wide=True),
        Column("MESSAGE", _first_problem, wide=True),
        Column("AGE", o.age),
    ]
