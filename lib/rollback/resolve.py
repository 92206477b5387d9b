"""From `<project>` (the namespace on the target) to the plan, its last migration and the source namespace."""

from __future__ import annotations

from dataclasses import dataclass

from .. import objects as o
from ..errors import MigError
from ..graph import build, list_migrations, resolve_migration

PLAN_LABEL = "migration.openshift.io/migrated-by-migplan"


@dataclass
class Context:
    plan: dict
    migration: dict | None
    src_ns: str
    dest_ns: str

    @property
    def plan_uid(self) -> str:
        return o.uid(self.plan)

    @property
    def selector(self) -> str:
        return f"{PLAN_LABEL}={self.plan_uid}"


def resolve(src, project: str | None, plan_name: str | None = None, migration: str | None = None) -> Context:
    ns = src.namespace
    if migration:
        mig = resolve_migration(list_migrations(src), migration, ns)
        plan_name = (o.spec(mig).get("migPlanRef") or {}).get("name")
        if not plan_name:
            raise MigError(f"migration {o.name(mig)} names no MigPlan")
    if not plan_name:
        if not project:
            raise MigError("name the project (the namespace on the target), or pass --plan or --migration")
        plans = [p for p in src.list("host", "MigPlan", ns) if any(d == project for _, d in o.namespace_pairs(p))]
        if not plans:
            raise MigError(f'no MigPlan in namespace {ns} migrates a namespace to "{project}"')
        if len(plans) > 1:
            raise MigError(f'several MigPlans migrate to "{project}": '
                           f"{', '.join(sorted(o.name(p) for p in plans))}; pass --plan")
        plan_name = o.name(plans[0])
    g = build(src, None, plan_name)          # also binds the plan's source and target clusters
    pairs = o.namespace_pairs(g.plan)
    if project:
        pair = next(((s, d) for s, d in pairs if d == project), None)
        if pair is None:
            raise MigError(f'MigPlan {plan_name} does not migrate to namespace "{project}" '
                           f"(it migrates {', '.join(f'{s}->{d}' for s, d in pairs)})")
    elif len(pairs) == 1:
        pair = pairs[0]
    else:
        raise MigError(f"MigPlan {plan_name} migrates several namespaces; name the project")
    migs = [m for m in g.migrations if not o.spec(m).get("rollback")]      # newest first
    return Context(g.plan, migs[0] if migs else None, pair[0], pair[1])


def running(mig: dict | None) -> bool:
    if not mig:
        return False
    done = any(o.has_condition(mig, t) for t in ("Succeeded", "SucceededWithWarnings", "Failed", "Canceled"))
    return not done and o.phase(mig) != "Completed"
