"""Check 7: the infrastructure: MTC pods, BackupStorageLocations, MigCluster/MigStorage/MigPlan readiness."""

from __future__ import annotations

from collections.abc import Iterator

from .. import objects as o
from .. import pods as podlib
from ..facts import Facts
from .known_issues import bucket_gone
from .registry import Finding, Severity, check, ref

ROLE_SOURCES = {"host": ("controller",), "source": ("velero", "restic"), "target": ("velero", "restic")}


@check("mtc-pod-unhealthy", kinds={"host": ("Pod",), "source": ("Pod",), "target": ("Pod",)},
       current_state=("mtc-pod-unhealthy",))
def mtc_pods(f: Facts) -> Iterator[Finding]:
    for role, sources in ROLE_SOURCES.items():
        if not f.reachable(role):
            continue
        for p in podlib.mtc_pods(f.pods(role)):
            if podlib.classify(p) not in sources:
                continue
            # restic pods of this migration's volumes are reported by the volumes check
            if podlib.classify(p) == "restic" and f.graph.restic_pod_served(role, p):
                continue
            why = podlib.problems(p) if not podlib.finished_data_path(p) else []
            if why:
                sev: Severity = "error" if podlib.classify(p) != "restic" and not o.completed_ok(f.mig) else "warning"
                yield Finding(id="mtc-pod-unhealthy", severity=sev,
                              title=f"{podlib.kind_name(p)} pod {o.name(p)} is unhealthy", cluster=role,
                              objects=[ref(p)], evidence=[f"Pod {o.name(p)}: {', '.join(why)}"]
                              + ([f"Pod {o.name(p)} moves the data of {podlib.data_path_of(p)}"]
                                 if podlib.data_path_of(p) else []),
                              fix=[f"oc describe pod {o.name(p)} -n {f.src.namespace} --context <{role}>",
                               f"oc logs {o.name(p)} -n {f.src.namespace} --all-containers --previous --context <{role}>"])



@check("bsl-unavailable", current_state=("bsl-unavailable",))
def locations(f: Facts) -> Iterator[Finding]:
    for role, bsls in f.graph.bsls.items():
        for b in bsls:
            phase = o.phase(b)
            if phase and phase != "Available" and not bucket_gone(b):
                yield Finding(id="bsl-unavailable", severity="warning" if o.completed_ok(f.mig) else "error",
                              title=f"BackupStorageLocation {o.name(b)} is {phase}", cluster=role,
                              objects=[ref(b)], evidence=[f"BackupStorageLocation {o.name(b)}: phase {phase}: "
                                         f"{o.status(b).get('message', '')}".rstrip(": ")],
                              fix=["Check the MigStorage bucket and credentials, then: "
                               f"oc describe migstorage {o.name(f.graph.storage or {}) or '<storage>'} -n {f.src.namespace}"])


@check("cluster-not-ready", "storage-not-ready", "plan-not-ready",
       current_state=("cluster-not-ready", "storage-not-ready", "plan-not-ready"))
def config_ready(f: Facts) -> Iterator[Finding]:
    items = [("cluster-not-ready", "MigCluster", mc) for mc in f.graph.migclusters.values() if mc] + \
        [("storage-not-ready", "MigStorage", f.graph.storage), ("plan-not-ready", "MigPlan", f.plan)]
    for fid, kind, obj in items:
        if not obj or o.has_condition(obj, "Ready"):
            continue
        if kind == "MigPlan" and o.plan_closed(obj):
            continue        # never Ready again by design; a migration it stops says PlanClosed (migration-blocked)
        bad = [c for c in o.conditions(obj) if c.get("category") in ("Critical", "Error")
               and o.is_true(c)]
        yield Finding(id=fid, severity="warning" if o.completed_ok(f.mig) else "error",
                      title=f"{kind} {o.name(obj)} is not Ready", cluster="host",
                      objects=[ref(obj)],
                      evidence=[f"{kind} {o.name(obj)}: {c.get('type')} ({c.get('category')}): {c.get('message', '')}"
                       for c in bad] or [f"{kind} {o.name(obj)} has no Ready condition"],
                      fix=[f"oc describe {kind.lower()} {o.name(obj)} -n {f.src.namespace}"])
