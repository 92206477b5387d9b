"""Checks 2 and 3: Restic timeouts in the Velero logs, and ResticVerifyErrors/ResticErrors walked down
to the PodVolumeRestore and the error lines of its restic pod."""

from __future__ import annotations

import math
import re

from .. import objects as o
from .. import pods as podlib
from ..errors import ApiError, MigError
from ..flags import duration
from .registry import Finding, check, ref

TIMEOUT = re.compile(r"timed out waiting for all PodVolume(Backup|Restore)s to complete")


def _cite(e) -> str:
    """A log line as evidence: cluster/pod/container, the API server's timestamp if any, the line."""
    return f"{e.cluster}/{e.pod}/{e.container}" + (f" {e.stamp}" if e.stamp else "") + f": {e.line.raw}"


def _timeout_setting(f) -> str:
    mc = f.controller()
    return str(o.spec(mc).get("restic_timeout") or "1h") if mc else "1h"


def suggest_timeout(current: str, observed_s: float | None) -> str:
    """At least double the current value, and twice what the slowest volume needed, in whole hours."""
    try:
        cur = duration(current)
    except Exception:
        cur = 3600.0
    want = max(cur * 2, (observed_s or 0) * 2)
    return f"{max(1, math.ceil(want / 3600))}h"


@check("restic-timeout", kinds={"host": ("MigrationController",)}, logs={"source": ("velero",), "target": ("velero",)})
def restic_timeout(f):
    relevant = [b for b in f.graph.backups + f.graph.restores if o.phase(b) not in ("Completed", "New", "")] \
        or (f.mig and o.has_condition(f.mig, "Failed"))
    if not relevant:
        return
    hits = [e for e in f.log(["source", "target"], ["velero"], level="error")
            if TIMEOUT.search(e.line.raw)]
    if not hits:
        return
    first = hits[0]
    kind = "PodVolumeBackup" if "Backup" in TIMEOUT.search(first.line.raw).group(1) else "PodVolumeRestore"
    vols = f.graph.pvbs if kind == "PodVolumeBackup" else f.graph.pvrs
    pending = [v for v in vols if o.phase(v) in ("New", "InProgress", "")]
    evidence = [_cite(e) for e in hits[:3]]
    longest = 0.0
    for v in vols:
        start = o.parse_time(o.status(v).get("startTimestamp"))
        end = o.parse_time(o.status(v).get("completionTimestamp")) or o.parse_time(first.line.time or first.stamp)
        if start and end:
            longest = max(longest, (end - start).total_seconds())
    for v in pending:
        pr = o.status(v).get("progress") or {}
        done = f", {int(pr.get('bytesDone', 0)) * 100 // max(int(pr.get('totalBytes', 0)) or 1, 1)}% of " \
               f"{int(pr.get('totalBytes', 0)) / (1 << 30):.0f} GiB" if pr.get("totalBytes") else ""
        evidence.append(f"{kind} {o.name(v)} still {o.phase(v) or 'New'}: volume {o.spec(v).get('volume')} of pod "
                        f"{o.dig(v, 'spec', 'pod', 'namespace')}/{o.dig(v, 'spec', 'pod', 'name')}"
                        f" on node {o.spec(v).get('node') or '?'}{done}")
    current = _timeout_setting(f)
    value = suggest_timeout(current, longest / max(min(1.0, _fraction_done(pending)), 0.01) if pending else longest)
    yield Finding(id="restic-timeout", severity="error",
                  title=f"Restic timed out after restic_timeout={current} waiting for {kind}s", cluster=first.cluster,
                  objects=[ref(v) for v in pending] or [], evidence=evidence,
                  fix=[f"oc patch migrationcontroller migration-controller -n {f.src.namespace} --type merge "
                   f"-p '{{\"spec\":{{\"restic_timeout\":\"{value}\"}}}}'",
                   "Then run the migration again. restic_timeout takes h, m and s units (e.g. 3h30m15s); "
                   "a high value also delays the report of real errors."])


def _fraction_done(pending) -> float:
    fr = []
    for v in pending:
        pr = o.status(v).get("progress") or {}
        if pr.get("totalBytes"):
            fr.append(int(pr.get("bytesDone", 0)) / int(pr["totalBytes"]))
    return min(fr) if fr else 1.0


_RESTORE_NAME = re.compile(r"`([^`]+)`")


def restic_pod_of(f, pvr: dict) -> str:
    """The restic/node-agent pod that ran a PodVolumeRestore: status.resticPod (old Velero forks), else the
    restic/node-agent pod on the volume's node: status.node (Velero 1.17), or the node of the pod the volume
    was restored into (spec.pod -> Pod spec.nodeName): Velero 1.10+ PVRs name no restic pod."""
    ps = o.status(pvr)
    if ps.get("resticPod"):
        return str(ps["resticPod"])
    node = ps.get("node")
    if not node:
        want = o.spec(pvr).get("pod") or {}
        try:
            pods = f.app("target", "Pod")
        except (ApiError, MigError) as e:
            f.unchecked(f"the node of PodVolumeRestore {o.name(pvr)}: {e}")
            pods = []
        app = next((p for p in pods if o.name(p) == want.get("name") and o.namespace(p) == want.get("namespace")), None)
        node = o.spec(app or {}).get("nodeName")
    if not node:
        return ""
    agents = [p for p in podlib.mtc_pods(f.pods("target"), "restic") if podlib.node(p) == node]
    return o.name(agents[0]) if agents else ""


@check("restic-verify-errors", "restic-errors", kinds={"target": ("Pod",)}, app_kinds={"target": ("Pod",)},
       logs={"target": ("restic",)}, explains=("ResticVerifyErrors", "ResticErrors"))
def restic_restore_errors(f):
    for ctype, fid, sev, _field in (("ResticVerifyErrors", "restic-verify-errors", "warning",
                                    "podVolumeRestoreErrors"),
                                   ("ResticErrors", "restic-errors", "error", "podVolumeRestoreResticErrors")):
        c = o.condition(f.mig, ctype)
        if not o.is_true(c):
            continue
        m = _RESTORE_NAME.search(c.get("message", ""))
        rname = m.group(1).strip("<>") if m else ""
        restore = f.graph.restore_named(rname) or next(
            (r for r in f.graph.restores if o.annotations(r).get("velero.io/restore-pvr-verify-error-count")), None)
        evidence = [f"MigMigration {o.name(f.mig)}: {ctype}: {c.get('message', '')}"]
        objs = [ref(f.mig)]
        fix = []
        if restore is not None:
            objs.append(ref(restore))
            st = o.status(restore)
            names = {x.get("name") for x in (st.get("podVolumeRestoreErrors") or []) +
                     (st.get("podVolumeRestoreResticErrors") or [])}
            ann = o.annotations(restore)
            evidence.append(f"Restore {o.name(restore)} (target): phase {st.get('phase')}, "
                            f"verify errors {ann.get('velero.io/restore-pvr-verify-error-count', '?')}, "
                            f"restic errors {ann.get('velero.io/restore-pvr-error-count', '?')}, "
                            f"PodVolumeRestores with errors: {', '.join(sorted(names)) or 'none listed'}")
            for pvr in f.graph.pvrs_of(restore):
                ps = o.status(pvr)
                if o.name(pvr) not in names and not (ps.get("errors") or ps.get("resticErrors") or ps.get("verifyErrors")):
                    continue
                objs.append(ref(pvr))
                pod = o.spec(pvr).get("pod") or {}
                rp = restic_pod_of(f, pvr)
                evidence.append(f"PodVolumeRestore {o.name(pvr)}: volume {o.spec(pvr).get('volume')} of pod "
                                f"{pod.get('namespace')}/{pod.get('name')}, errors {ps.get('errors', 0)}, "
                                f"resticErrors {ps.get('resticErrors', 0)}, verifyErrors {ps.get('verifyErrors', 0)}"
                                f", {'node-agent' if rp.startswith('node-agent') else 'restic'} pod {rp or '?'}")
                if rp:
                    for e in f.log(["target"], ["restic"], pod=rp, level="error")[:5]:
                        evidence.append(_cite(e))
                    fix.append(f"oc logs {rp} -n {f.src.namespace} --context <target>")
                fix.append(f"Check the data of volume {o.spec(pvr).get('volume')} (PVC of pod "
                           f"{pod.get('namespace')}/{pod.get('name')}) on the target before using it.")
        title = ("Restic verify errors: the restored data of some volumes did not match; the migration "
                 "is not failed by them, but those volumes' data must be checked") if fid == "restic-verify-errors" \
            else "Restic errors restoring volumes: their data may be missing on the target"
        yield Finding(id=fid, severity=sev, title=title, cluster="target", objects=objs, evidence=evidence,
                      fix=fix + [f"oc describe restore {rname} -n {f.src.namespace} --context <target>"])
