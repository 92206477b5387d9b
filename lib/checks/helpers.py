"""MTC's helper pods of a migration (lib/graph helpers): registry pods of indirect image migration that
are not healthy (mig-controller's own check, registry.go ensureRegistryHealth, only runs while it waits
for them), and stage pods that cannot run, which block the stage backup."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from .registry import Finding, check, ref


@check("registry-pod-unhealthy", "stage-pod-unhealthy", current_state=("registry-pod-unhealthy",))
def helper_pods(f):
    """Registry and stage pods of the migration not Running or not ready."""
    done = o.phase(f.mig) == "Completed"
    for role in ("source", "target"):
        for kind, fid in (("registry", "registry-pod-unhealthy"), ("stage", "stage-pod-unhealthy")):
            for p in f.graph.helpers_of(role, kind):
                why = podlib.problems(p)
                if not why or o.meta(p).get("deletionTimestamp"):
                    continue
                what = ("image registry pod (indirect image migration)" if kind == "registry"
                        else "stage pod (it mounts the PVCs for the stage backup)")
                yield Finding(id=fid, severity="warning" if done else "error",
                              title=f"{what} {o.namespace(p)}/{o.name(p)} is unhealthy", cluster=role, objects=[ref(p)],
                              evidence=[f"Pod {o.namespace(p)}/{o.name(p)} on node {podlib.node(p) or '?'}: "
                                        f"{', '.join(why)}"]
                              + ([f"MigMigration {o.name(f.mig)}: {c.get('type')}: {c.get('message', '')}"
                                  for c in o.conditions(f.mig) if c.get("type") == mtc.COND_REGISTRIES_UNHEALTHY
                                  and o.is_true(c)] if kind == "registry" else []),
                              fix=[f"oc describe pod {o.name(p)} -n {o.namespace(p)} --context <{role}>",
                                   f"oc mig-logs {o.name(f.mig)} --log-source {kind} --cluster {role}"])
