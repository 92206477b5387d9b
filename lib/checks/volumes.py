"""Check 5: PodVolumeBackups/Restores failed or much slower than their siblings, and the restic
pods on their nodes."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from ..facts import Facts
from .registry import Finding, check, ref

SLOW_FACTOR = 3.0
SLOW_MIN_S = 600


def _duration(f, v) -> float | None:
    st = o.status(v)
    start = o.parse_time(st.get("startTimestamp")) or o.created(v)
    end = o.parse_time(st.get("completionTimestamp"))
    if start is None:
        return None
    return ((end or f.now) - start).total_seconds()


@check("pod-volume-failed", "pod-volume-slow", "restic-pod-unhealthy", kinds={"source": ("Pod",), "target": ("Pod",)},
       data_not_copied=("pod-volume-failed",), current_state=("restic-pod-unhealthy",))
def pod_volumes(f: Facts) -> Iterator[Finding]:
    for role, vols, kind in (("source", f.graph.pvbs, "PodVolumeBackup"), ("target", f.graph.pvrs, "PodVolumeRestore")):
        failed = [v for v in vols if o.phase(v) in mtc.PV_FAILED]
        for v in failed:
            yield Finding(id="pod-volume-failed", severity="error",
                          title=f"{kind} {o.phase(v).lower()}: volume {o.spec(v).get('volume')}", cluster=role,
                          objects=[ref(v)],
                          evidence=[f"{kind} {o.name(v)}: phase {o.phase(v)}: {o.status(v).get('message', '')}"],
                          fix=[f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source restic --level error"])
        done = [d for d in (_duration(f, v) for v in vols if o.phase(v) == "Completed") if d is not None]
        if done and o.phase(f.mig) != "Completed":
            typical = statistics.median(done)
            for v in vols:
                if o.phase(v) in mtc.PV_PENDING:
                    d = _duration(f, v)
                    if d and d > max(SLOW_FACTOR * typical, SLOW_MIN_S):
                        yield Finding(id="pod-volume-slow", severity="warning",
                                      title=f"{kind} {o.phase(v) or 'New'} for {o.human_duration(d)}, its siblings took "
                                      f"{o.human_duration(typical)}", cluster=role, objects=[ref(v)],
                                      evidence=[f"{kind} {o.name(v)}: volume {o.spec(v).get('volume')}, phase "
                                       f"{o.phase(v) or 'New'} since {o.status(v).get('startTimestamp') or '?'}"],
                                      fix=[f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source restic -f"])
        if not vols or not f.reachable(role):
            continue
        for p in podlib.mtc_pods(f.pods(role), "restic"):
            if not f.graph.restic_pod_served(role, p) or podlib.finished_data_path(p):
                continue
            why = podlib.problems(p)
            if why:
                yield Finding(id="restic-pod-unhealthy", severity="error",
                              title=f"{podlib.kind_name(p)} pod {o.name(p)} that moves this migration's "
                              f"volumes is unhealthy", cluster=role, objects=[ref(p)],
                              evidence=[f"Pod {o.name(p)} on node {podlib.node(p)}: {', '.join(why)}"],
                              fix=[f"oc describe pod {o.name(p)} -n {f.src.namespace} --context <{role}>",
                               f"oc logs {o.name(p)} -n {f.src.namespace} --previous --context <{role}>"])
