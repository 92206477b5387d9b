"""Check 1: the MigMigration's own state: phase, status.errors, conditions by category."""

from __future__ import annotations

from collections.abc import Iterator

from .. import objects as o
from ..facts import Facts
from .blocked import NOT_BLOCKING, blockers
from .registry import Finding, Severity, check, explained, ref
from .stuck import queued

# Conditions that other checks explain in depth (so they are not reported twice).
# The migration's own state, reported by migration_state below; other checks declare what they explain.
OWN = set(o.TERMINAL) | {"Running", "Canceling"}


@check("migration-failed", "migration-canceled", "migration-rolled-back", "migration-condition")
def migration_state(f: Facts) -> Iterator[Finding]:
    mig = f.mig
    name = o.name(mig)
    errors = o.items(o.status(mig).get("errors"))
    failed = o.condition(mig, "Failed")
    if failed is not None and o.is_true(failed):
        yield Finding(id="migration-failed", severity="error",
                      title=f"migration failed in phase {failed.get('reason') or o.phase(mig)}",
                      cluster="host", objects=[ref(mig)],
                      evidence=[f"MigMigration {name}: condition Failed (reason {failed.get('reason', '')}): "
                       f"{failed.get('message', '')}"] + [f"status.errors: {e}" for e in errors],
                      fix=[f"oc describe migmigration {name} -n {f.src.namespace}",
                       f"oc mig-logs {name} --level error"])
    # spec.canceled set once the migration Completed changes nothing: mig-controller no longer reconciles a
    # Completed MigMigration (migmigration_controller.go Reconcile returns first), so it gets no Canceled.
    if o.has_condition(mig, "Canceled") or o.has_condition(mig, "Canceling") \
            or (o.spec(mig).get("canceled") is True and o.phase(mig) != "Completed"):
        yield Finding(id="migration-canceled", severity="warning",
                      title="migration was canceled", cluster="host", objects=[ref(mig)],
                      evidence=[f"MigMigration {name}: spec.canceled={o.spec(mig).get('canceled')}, phase {o.phase(mig)}"],
                      fix=["Run a new migration of the plan when ready: create a MigMigration referencing it."])
    rb = f.rolled_back() if o.succeeded(mig) and o.spec(mig).get("rollback") is not True else None
    if rb is not None:
        # A successful rollback resets the plan: mig-controller lets a new final migration run after it
        # (validation.go validateFinalMigration) and mig-ui counts only the migrations after it (mig-ui#1090).
        yield Finding(id="migration-rolled-back", severity="warning",
                      title=f"migration succeeded, but MTC's rollback {o.name(rb)} has undone it since",
                      cluster="host", objects=[ref(mig), ref(rb)],
                      evidence=[f"MigMigration {o.name(rb)}: spec.rollback true, created "
                                f"{o.meta(rb).get('creationTimestamp', '?')}, {o.outcome(rb)}: the migrated objects were "
                                "deleted from the target and the source application scaled back up"],
                      fix=[f"Run a new migration of plan {o.name(f.plan or {}) or o.plan_name(mig)} to migrate again."])
    blocking = [c for _, c in blockers(f)]            # explained by migration-blocked
    for c in o.conditions(mig):
        if not o.is_true(c) or c.get("type") in OWN or c.get("type") in explained() or c in blocking:
            continue
        cat = c.get("category")
        if cat in ("Critical", "Error", "Warn"):
            sev: Severity = "error" if cat in ("Critical", "Error") else "warning"
            ev = [f"MigMigration {name}: condition {c.get('type')} category {cat} since {c.get('lastTransitionTime', '?')}"]
            if c.get("type") in NOT_BLOCKING:
                # MTC's queue (migmigration_controller.go postpone): Critical by category, but the migration runs
                # once the plan's other unfinished migrations have ended; it is RUNNING, this is a note
                sev = "info"
                ev += [f"MigMigration {o.name(m)} of the plan is not Completed (phase {o.phase(m) or 'none'})"
                       for m in queued(f)]
            yield Finding(id="migration-condition", severity=sev,
                          title=f"{c.get('type')}: {c.get('message', '')}".strip(), cluster="host",
                          objects=[ref(mig)], evidence=ev,
                          fix=[f"oc describe migmigration {name} -n {f.src.namespace}"])
