"""From `<project>` (a source or a destination namespace of a plan), `--plan` or `--migration` to the plan,
its last migration and the namespace pairs to roll back."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from .. import objects as o
from ..errors import MigError
from ..graph import build, list_migrations, resolve_migration
from ..mtc import MIGRATED_BY_PLAN as PLAN_LABEL
from ..source import Cached

PV_FIELDS = (("name",), ("action",), ("pvc", "name"), ("pvc", "namespace"), ("selection", "action"))


def _pv_readable(pv) -> bool:
    """An entry of spec.persistentVolumes as mig-controller writes it: a map whose name, action, pvc.name,
    pvc.namespace and selection.action are text (or absent), pvc and selection maps."""
    if not isinstance(pv, dict):
        return False
    for path in PV_FIELDS:
        v: object = pv
        for step in path:
            if v is None:
                break
            if not isinstance(v, dict):
                return False
            v = v.get(step)
        else:
            if v is not None and not isinstance(v, str):
                return False
    return True


def plan_pvs(plan: dict | None) -> tuple[list[dict], str]:
    """A MigPlan's spec.persistentVolumes entries that could be read, and what could not be ('' when all could):
    a list of another type, or entries that are not maps or carry fields of another type."""
    raw = o.spec(plan or {}).get("persistentVolumes")
    if raw is None:
        return [], ""
    where = f"spec.persistentVolumes of MigPlan {o.name(plan or {})}"
    if not isinstance(raw, list):
        return [], f"{where} is a {type(raw).__name__}, not a list"
    good = [pv for pv in raw if _pv_readable(pv)]
    return good, (f"{len(raw) - len(good)} entries of {where} could not be read" if len(good) < len(raw) else "")


@dataclass
class Context:
    plan: dict
    migration: dict | None
    pairs: list = field(default_factory=list)          # [(source ns, destination ns)], the ones to roll back
    migrations: list = field(default_factory=list)     # every non-rollback MigMigration of the plan, newest first
    rollbacks: list = field(default_factory=list)      # rollback MigMigrations of the plan, newest first
    sharing: dict = field(default_factory=dict)        # source ns -> names of the other MigPlans that list it
    storage_conversion: bool = False                   # one cluster, every namespace unmapped (MTC 1.7+)

    @property
    def plan_uid(self) -> str:
        return o.uid(self.plan)

    @property
    def selector(self) -> str:
        return f"{PLAN_LABEL}={self.plan_uid}"

    @property
    def src_ns(self) -> str:
        return self.pairs[0][0]

    @property
    def dest_ns(self) -> str:
        return self.pairs[0][1]

    @property
    def migration_uids(self) -> list:
        return [o.uid(m) for m in self.migrations]

    @property
    def dest_namespaces(self) -> list:
        return [d for _, d in self.pairs]

    @property
    def src_namespaces(self) -> list:
        return [s for s, _ in self.pairs]

    def copied_pvcs(self, ns: str) -> set:
        """The source names of the PVCs in source namespace `ns` this plan copies (spec.persistentVolumes with
        selection.action copy; a name `src:dest` is mapped), as mig-controller's getSelectedPVCs."""
        out = set()
        for pv in plan_pvs(self.plan)[0]:
            pvc = pv.get("pvc") or {}
            if (pv.get("selection") or {}).get("action") == "copy" \
                    and str(pvc.get("namespace") or "").partition(":")[0] == ns and pvc.get("name"):
                out.add(str(pvc["name"]).partition(":")[0])
        return out

    def converted_pvcs(self, ns: str) -> dict:
        """Storage conversion: the converted (destination) PVC name -> its source PVC name in namespace `ns`, as
        mig-controller's getPVCNameMapping for a rollback (storage.go: "Destination -> Source"; a PVC `src:dest`,
        skipped ones left out). Only names that differ: a PVC converted into itself needs no swap."""
        out = {}
        for pv in plan_pvs(self.plan)[0]:
            pvc = pv.get("pvc") or {}
            src, _, dest = str(pvc.get("name") or "").partition(":")
            if (pv.get("selection") or {}).get("action") != "skip" and dest and dest != src \
                    and str(pvc.get("namespace") or "").partition(":")[0] == ns:
                out[dest] = src
        return out

    def journal_key(self) -> str:
        return "+".join(self.dest_namespaces)


def pairs_text(pairs) -> str:
    """Namespace pairs as the messages name them: `src->dest, ...`."""
    return ", ".join(f"{s}->{d}" for s, d in pairs)


def find_plans(plans: list[dict], project: str) -> list[dict]:
    """The plans that migrate `project`, as a source or a destination namespace."""
    return [p for p in plans if any(project in pair for pair in o.namespace_pairs(p))]


def pick_pairs(plan: dict, project: str | None, all_namespaces: bool) -> list:
    pairs = o.namespace_pairs(plan)
    if not pairs:
        raise MigError(f"MigPlan {o.name(plan)} lists no namespaces")
    if all_namespaces or not project:
        return pairs
    chosen = [(s, d) for s, d in pairs if d == project] or [(s, d) for s, d in pairs if s == project]
    if not chosen:
        raise MigError(f'MigPlan {o.name(plan)} does not migrate namespace "{project}" '
                       f"(it migrates {pairs_text(pairs)})")
    return chosen[:1]


def _host(mc: dict | None) -> str:
    url = str(o.spec(mc).get("url") or "") if mc else ""
    return urlparse(url).netloc if "//" in url else ""


def storage_conversion(plan: dict, clusters: dict) -> bool:
    """mig-controller's storage conversion (MTC 1.7+, GetRefResources / isStorageConversionMigration): source and
    destination are the same cluster (IsIntraCluster: one MigCluster, or the same host in spec.url) and no
    namespace is mapped to another name."""
    src, dest = clusters.get("source"), clusters.get("target")
    if not src or not dest:
        return False
    same = o.name(src) == o.name(dest) or (_host(src) != "" and _host(src) == _host(dest))
    pairs = o.namespace_pairs(plan)
    return same and bool(pairs) and all(s == d for s, d in pairs)


def sharing(plans: list[dict], plan: dict, namespaces: list) -> dict:
    """Source namespace -> the other MigPlans whose spec.namespaces list it too (mig-controller's
    checkMultiplePlans: then MTC 1.8 quiesces and unquiesces only the workloads mounting a plan's PVCs)."""
    out: dict = {}
    for p in plans:
        if o.name(p) == o.name(plan):
            continue
        srcs = {s for s, _ in o.namespace_pairs(p)}
        for ns in namespaces:
            if ns in srcs:
                out.setdefault(ns, []).append(o.name(p))
    return {k: sorted(v) for k, v in out.items()}


def resolve(src, project: str | None, plan_name: str | None = None, migration: str | None = None,
            all_namespaces: bool = False) -> Context:
    src = Cached(src)          # the migrations and plans read once, for the names and for the graph
    ns = src.namespace
    if migration:
        mig = resolve_migration(list_migrations(src), migration, ns)
        plan_name = o.plan_name(mig)
        if not plan_name:
            raise MigError(f"migration {o.name(mig)} names no MigPlan")
    if not plan_name:
        if not project:
            raise MigError("name the project (a namespace of the plan), or pass --plan or --migration")
        plans = find_plans(src.list("host", "MigPlan", ns), project)
        if not plans:
            raise MigError(f'no MigPlan in namespace {ns} migrates a namespace to "{project}" or from it')
        if len(plans) > 1:
            raise MigError(f'several MigPlans migrate "{project}": '
                           f"{', '.join(sorted(o.name(p) for p in plans))}; pass --plan")
        plan_name = o.name(plans[0])
    g = build(src, None, plan_name)          # also binds the plan's source and target clusters
    if g.plan is None:
        raise MigError(f'migplan "{plan_name}" not found in namespace {ns}')
    pairs = pick_pairs(g.plan, project, all_namespaces)
    migs = [m for m in g.migrations if o.spec(m).get("rollback") is not True]      # newest first
    rbs = [m for m in g.migrations if o.spec(m).get("rollback") is True]
    every = src.list("host", "MigPlan", ns)
    return Context(g.plan, migs[0] if migs else None, pairs, migs, rbs,
                   sharing(every, g.plan, [s for s, _ in pairs]), storage_conversion(g.plan, g.migclusters))


def running(mig: dict | None) -> bool:
    if not mig:
        return False
    return not o.outcome(mig) and o.phase(mig) != "Completed"
