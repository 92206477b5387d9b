"""mig-crs: the chain of CRs of a migration as rows grouped by cluster, and the migrations list."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import objects as o
from .graph import Graph, migration_type, velero_role
from .render import Column

SEVERE = ("Critical", "Error")


@dataclass
class Row:
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
    extra: dict = field(default_factory=dict)


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
    errs = o.status(mig).get("errors") or []
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
               int(st.get("errors") or 0), int(st.get("warnings") or 0), obj, depth, links,
               _first_problem(obj))


def volume_row(role: str, obj: dict, depth: int) -> Row:
    spec, st = o.spec(obj), o.status(obj)
    pod = spec.get("pod") or {}
    failed = st.get("phase") == "Failed"
    links = f"pod {pod.get('namespace', '')}/{pod.get('name', '')} volume {spec.get('volume', '')}"
    if spec.get("node"):
        links += f" node {spec['node']}"
    if st.get("resticPod"):
        links += f" restic {st['resticPod']}"
    errors = int(st.get("errors") or (1 if failed else 0))
    return Row(role, obj.get("kind", ""), o.name(obj), "volume", st.get("phase") or "New", errors,
               int(st.get("verifyErrors") or 0) if "verifyErrors" in st else "", obj, depth, links,
               str(st.get("message") or ""))


def location_row(role: str, obj: dict) -> Row:
    st = o.status(obj)
    phase = st.get("phase") or ""
    return Row(role, obj.get("kind", ""), o.name(obj),
               "backup location" if obj.get("kind") == "BackupStorageLocation" else "snapshot location",
               phase, "", "", obj, 1, f"{o.spec(obj).get('provider', '')}", str(st.get("message") or ""))


def result(mig: dict) -> str:
    """Succeeded, SucceededWithWarnings, Failed, Canceled or Running, from the conditions."""
    for t in ("Failed", "Canceled", "SucceededWithWarnings", "Succeeded"):
        if o.has_condition(mig, t):
            return t
    if o.has_condition(mig, "Canceling"):
        return "Canceling"
    return "Running" if o.phase(mig) and o.phase(mig) != "Completed" else ""


def chain(g: Graph) -> list[Row]:
    """The tree rows: host (plan, migrations, clusters, storage), then source, then target."""
    rows: list[Row] = [Row("host", "MigPlan", o.name(g.plan), "plan", _ready(g.plan), *_cond_counts(g.plan),
                           obj=g.plan, message=_first_problem(g.plan))] if g.plan else []
    migs = [g.migration] if g.migration else g.migrations
    rows += [migration_row(m) for m in migs]
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
    return rows


def chain_objects(g: Graph) -> list[dict]:
    """The chain's objects for -o json/yaml/name, each annotated with the cluster role it came from."""
    out = []
    for row in chain(g):
        if row.obj is None:
            continue
        ob = dict(row.obj)
        md = dict(ob.get("metadata") or {})
        md["annotations"] = {**(md.get("annotations") or {}), "mig-tools/cluster": row.cluster,
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
