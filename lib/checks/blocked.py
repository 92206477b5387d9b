"""A migration that cannot proceed: mig-controller runs a MigMigration only while it has no blocker
condition (category Critical or Error: `HasBlockerCondition`, [MC] pkg/apis/migration/v1alpha1/condition.go,
checked before `migrate()` in pkg/controller/migmigration/migmigration_controller.go). A plan that is
not Ready gives its migrations PlanNotReady (Critical), whatever the plan's own Critical conditions are
(NamespaceNotFoundOnSourceCluster, SourceClusterNotReady, StorageNotReady, ...). Such a migration is
STUCK from its first minute, not RUNNING."""

from __future__ import annotations

from .. import objects as o
from .direct import dvm_failed
from .registry import Finding, check, ref

BLOCKING = ("Critical", "Error")
# Postponed is Critical but is MTC's queue: the migration runs once the earlier ones of its plan end.
NOT_BLOCKING = ("Postponed",)
DIRECT_KINDS = {"DirectVolumeMigration": "dvm", "DirectImageMigration": "dim"}


def _blocking(obj: dict) -> list[dict]:
    return [c for c in o.conditions(obj) if o.is_true(c) and c.get("category") in BLOCKING
            and c.get("type") not in NOT_BLOCKING]


def blockers(f) -> list[tuple[dict, dict]]:
    """(object, condition) pairs that keep an unfinished migration from running: its own blocker
    conditions first, then those of its plan when the plan is not Ready."""
    mig = f.mig
    if not mig or o.phase(mig) == "Completed" or o.has_condition(mig, "Failed") \
            or o.has_condition(mig, "Canceled"):
        return []
    out = [(mig, c) for c in _blocking(mig)]
    plan = f.plan
    if plan and not o.has_condition(plan, "Ready"):
        out += [(plan, c) for c in _blocking(plan)]
    # Its DirectVolume/DirectImage migrations: their controllers run them only without a blocker condition either
    # ([MC-1.4..1.8] directvolumemigration_controller.go, directimagemigration_controller.go: validation sets e.g.
    # PodsNotFoundOnSourceCluster, NsNotFoundOnSourceCluster, Critical), while the MigMigration waits in
    # WaitFor...ToComplete: it mirrors only their Warn conditions (dvm.go getWarningForDVM) and goes on only once
    # the DVM is Completed or failed (hasDirectVolumeMigrationCompleted).
    for d in f.graph.dvms_of(mig) + f.graph.dims_of(mig):
        if o.phase(d) != "Completed" and not dvm_failed(d):
            out += [(d, c) for c in _blocking(d)]
    return out


def _line(obj: dict, c: dict) -> str:
    return (f"{obj.get('kind')} {o.name(obj)}: {c.get('type')} ({c.get('category')}"
            + (f", reason {c['reason']}" if c.get("reason") else "") + f") since {c.get('lastTransitionTime', '?')}: "
            f"{c.get('message', '')}")


@check("migration-blocked")
def blocked(f):
    """The conditions that keep the migration from running, the migration's first."""
    found = blockers(f)
    if not found:
        return
    obj, first = found[0]
    evidence = [_line(x, c) for x, c in found]
    for role, mc in f.graph.migclusters.items():
        if mc and not o.has_condition(mc, "Ready"):
            evidence += [f"MigCluster {o.name(mc)} ({role}): {c.get('type')}: {c.get('message', '')}"
                         for c in _blocking(mc)] or [f"MigCluster {o.name(mc)} ({role}) is not Ready"]
    st = f.graph.storage
    if st and not o.has_condition(st, "Ready"):
        evidence += [f"MigStorage {o.name(st)}: {c.get('type')}: {c.get('message', '')}" for c in _blocking(st)] \
            or [f"MigStorage {o.name(st)} is not Ready"]
    ns = f.src.namespace
    fix = [f"oc describe migplan {o.name(f.plan)} -n {ns}" if f.plan else f"oc describe migmigration {o.name(f.mig)} -n {ns}"]
    direct = {o.name(x): x.get("kind") for x, _ in found if x.get("kind") in DIRECT_KINDS}
    fix += [f"oc describe {DIRECT_KINDS[kind]} {name} -n {ns}" for name, kind in direct.items()]
    if any(c.get("type", "").startswith("NamespaceNotFound") or "NsNotFound" in c.get("type", "") for _, c in found):
        fix.append("Create the missing namespaces, or remove them from the plan's spec.namespaces; the plan "
                   "is validated again and the migration proceeds once the plan is Ready.")
    if o.phase(f.mig) in ("", "Created"):
        fix.append(f"To give up: oc delete migmigration {o.name(f.mig)} -n {ns}   # it has not started: nothing to roll back")
    else:
        fix.append(f"To give up: oc patch migmigration {o.name(f.mig)} -n {ns} --type merge "
                   "-p '{\"spec\":{\"canceled\":true}}'   # it stopped in phase " + o.phase(f.mig))
    yield Finding(id="migration-blocked", severity="error",
                  title=f"migration cannot proceed: {first.get('type')}: {first.get('message', '')}".rstrip(": "),
                  cluster="host", objects=[ref(x) for x, _ in found if x is not None][:1] +
                  ([ref(f.plan)] if f.plan and any(x is f.plan for x, _ in found) else []),
                  evidence=evidence, fix=fix)
