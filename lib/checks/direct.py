"""Direct volume migration (MTC 1.4+): failed rsync transfers with their pod, exit code, error lines and
meaning; a DirectVolumeMigration that failed otherwise. MTC drops the reasons (the DVM's status.errors stays
empty on rsync failure, and from MTC 1.6 the DVMP's logMessage too), so they are read from the DVM's
conditions and failedPods, the DVMP history and the rsync container's log (lib/mtc for the names)."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from .progress import dvm_entries, ref_of, seconds
from .registry import Finding, check, ref

LOG_LINES = 6        # rsync error lines quoted per failed volume


def dvm_failed(dvm: dict) -> bool:
    """The DVM gave up: phase MigrationFailed, or a Failed condition (MC directvolumemigration/task.go)."""
    return o.phase(dvm) == mtc.DVM_FAILED_PHASE or o.has_condition(dvm, "Failed")


def failed_volumes(f, dvm: dict) -> list[dict]:
    """One record per PVC whose transfer failed for good: {pvc, namespace, pod, dvmp, exit, attempts}.
    Sources: DVM status.failedPods[] and rsyncOperations[failed], DVMPs in phase Failed."""
    out: dict = {}
    for p in dvm_entries(f, dvm, "failedPods"):
        pvc = ref_of(p, "pvcRef")
        pod, pod_ns = str(p.get("name") or ""), str(p.get("namespace") or "")
        key = (pvc.get("namespace") or pod_ns, pvc.get("name", ""))
        out[key] = {"pvc": key[1], "namespace": key[0], "pod": pod, "podNamespace": pod_ns}
    for op in dvm_entries(f, dvm, "rsyncOperations"):
        if op.get("failed"):
            pvc = ref_of(op, "pvcReference")
            key = (pvc.get("namespace", ""), pvc.get("name", ""))
            out.setdefault(key, {"pvc": key[1], "namespace": key[0], "pod": "", "podNamespace": key[0]})
            out[key]["attempts"] = op.get("currentAttempt")
    terminal = dvm_failed(dvm) or o.phase(dvm) == "Completed"
    for dvmp in f.graph.dvmps_of(dvm):
        pst = o.status(dvmp)
        pvc = f.graph.dvmp_pvc(dvmp)
        pod_ns, pod = f.graph.dvmp_pod(dvmp)
        key = (pvc.get("namespace") or pod_ns, pvc.get("name", ""))
        if key in out:        # known from rsyncOperations, which names no pod: the DVMP does
            rec = out[key]
            if not rec["pod"]:
                rec.update(pod=pod, podNamespace=pod_ns or rec["podNamespace"])
            rec["dvmp"] = dvmp
        elif pst.get("phase") == mtc.DVMP_FAILED and terminal:
            out[key] = {"pvc": key[1], "namespace": key[0], "pod": pod, "podNamespace": pod_ns, "dvmp": dvmp}
    return list(out.values())


def _exit_code(rec: dict, pod: dict | None) -> str:
    for cs in o.maps(o.status(pod or {}).get("containerStatuses")):
        if cs.get("name") in mtc.RSYNC_CONTAINERS:
            term = podlib.terminated(cs)
            if term.get("exitCode") is not None:
                return str(term["exitCode"])
    st = o.status(rec.get("dvmp") or {})
    if st.get("exitCode") is not None:
        return str(st["exitCode"])
    hist = [h for h in o.maps(st.get("rsyncPodStatuses")) if h.get("exitCode") is not None]
    return str(hist[-1]["exitCode"]) if hist else "?"


def _ran_s(rec: dict, pod: dict | None) -> float | None:
    """How long the rsync container ran: its terminated state's startedAt..finishedAt, else the DVMP's
    containerElapsedTime (of the last attempt)."""
    for cs in o.maps(o.status(pod or {}).get("containerStatuses")):
        if cs.get("name") in mtc.RSYNC_CONTAINERS:
            term = podlib.terminated(cs)
            start, end = o.parse_time(term.get("startedAt")), o.parse_time(term.get("finishedAt"))
            if start and end:
                return (end - start).total_seconds()
    st = o.status(rec.get("dvmp") or {})
    hist = [h for h in o.maps(st.get("rsyncPodStatuses")) if h.get("containerElapsedTime")]
    return seconds(st.get("containerElapsedTime") or (hist[-1]["containerElapsedTime"] if hist else None))


def _history(dvmp: dict) -> list[str]:
    """The DVMP's attempts, oldest first: pod, phase, exit code, elapsed, progress."""
    st = o.status(dvmp)
    out = []
    for h in o.maps(st.get("rsyncPodStatuses")) + ([st] if st.get("podName") else []):
        out.append(f"attempt pod {h.get('podName', '?')}: {h.get('phase', '?')}"
                   + (f", exit code {h['exitCode']}" if h.get("exitCode") is not None else "")
                   + (f", after {h['containerElapsedTime']}" if h.get("containerElapsedTime") else "")
                   + (f", {h['lastObservedProgressPercent']} copied" if h.get("lastObservedProgressPercent") else ""))
    return list(dict.fromkeys(out))


def _message_lines(dvmp: dict) -> list[str]:
    st = o.status(dvmp)
    msgs = [m for m in [st.get("logMessage")] + [h.get("logMessage") for h in o.maps(st.get("rsyncPodStatuses"))]
            if isinstance(m, str)]      # a message of another type is no text
    return [ln.strip() for m in msgs for ln in m.splitlines() if ln.strip()]


def failed_live_migrations(f, dvm: dict) -> list[dict]:
    """MC-1.8: the VM volumes whose live migration failed (DVM status.failedLiveMigration[], lib/mtc)."""
    return dvm_entries(f, dvm, mtc.DVM_FAILED_LIVE_MIGRATIONS)


def _live_migration_finding(f, dvm: dict, lm: dict) -> Finding:
    pvc = ref_of(lm, "pvcRef")
    ns = pvc.get("namespace") or lm.get("vmNamespace", "")
    vm = f"{lm.get('vmNamespace') or ns}/{lm.get('vmName') or '?'}"
    return Finding(id="dvm-live-migration-failed", severity="error",
                   title=f"live migration of VM {vm} could not move PVC {ns}/{pvc.get('name', '?')}"
                   + (f": {lm['message']}" if lm.get("message") else ""),
                   cluster="source", objects=[ref(dvm)],
                   evidence=[f"DirectVolumeMigration {o.name(dvm)}: phase {o.phase(dvm) or '?'}; "
                             f"status.{mtc.DVM_FAILED_LIVE_MIGRATIONS}: VM {vm}, PVC {ns}/{pvc.get('name', '?')}"
                             + (f", after {lm['totalElapsedTime']}" if lm.get("totalElapsedTime") else "")
                             + (f", {lm['lastObservedProgressPercent']} copied" if lm.get("lastObservedProgressPercent")
                                else "")
                             + (f": {lm['message']}" if lm.get("message") else "")],
                   fix=[f"oc get virtualmachineinstancemigrations -n {ns} --context <source> -o yaml "
                        "(status.migrationState.failureReason) and the VMI's conditions",
                        f"oc mig-logs {o.name(f.mig)} --log-source controller --level error"])


@check("dvm-rsync-failed", "dvm-failed", "dvm-live-migration-failed", logs={"source": ("rsync",), "target": ("rsync",)},
       explains=(mtc.COND_DVM_FAILED,), data_not_copied=("dvm-rsync-failed", "dvm-failed", "dvm-live-migration-failed"))
def direct_volume(f):
    """Failed rsync transfers and VM live migrations of the migration's DirectVolumeMigrations, and DVMs failed
    otherwise."""
    for dvm in f.graph.dvms_of(f.mig):
        vols = failed_volumes(f, dvm)
        lives = failed_live_migrations(f, dvm)
        for lm in lives:
            yield _live_migration_finding(f, dvm, lm)
        name = o.name(dvm)
        warned = o.outcome(f.mig) == "SucceededWithWarnings"
        for rec in vols:
            pod = next((p for p in f.graph.helpers_of("source", "rsync")
                        if o.name(p) == rec["pod"] and o.namespace(p) == rec["podNamespace"]), None)
            block = mtc.is_block_transfer(pod, rec["pod"])
            tool = "blockrsync" if block else "rsync"
            lines = _message_lines(rec.get("dvmp") or {})
            # no Pod object but the must-gather's saved log of it (lib/graph logged: MTC image release-1.8)
            saved = None if pod is not None else f.graph.logged_pod("source", rec["podNamespace"], rec["pod"])
            logged = []
            if pod is not None or saved is not None:
                logged = [e.line.raw for e in f.log(["source"], ["rsync"], pod=rec["pod"])
                          if mtc.is_rsync_error_line(e.line.raw, block)]
                lines += logged
            lines = [ln for ln in dict.fromkeys(lines) if mtc.is_rsync_error_line(ln, block)]
            code = _exit_code(rec, pod)
            ran = _ran_s(rec, pod)
            what, fix = mtc.rsync_meaning(code, lines + [str(c.get("message", "")) for c in o.conditions(dvm)
                                                         if c.get("type") == mtc.DVM_NETWORK_ERROR and o.is_true(c)],
                                          ran, block)
            meaning = mtc.exit_meaning(code, ran, lines, block)
            objs = [ref(dvm)] + ([ref(rec["dvmp"])] if rec.get("dvmp") else [])
            objs += [ref(pod)] if pod else []
            ev = [f"DirectVolumeMigration {name}: phase {o.phase(dvm) or '?'}"
                  + (", condition Failed" if o.has_condition(dvm, "Failed") else "")
                  + f"; PVC {rec['namespace']}/{rec['pvc']} failed"
                  + (f" after {rec['attempts']} attempts" if rec.get("attempts") else ""),
                  f"{tool} pod {rec['podNamespace']}/{rec['pod'] or '?'} (source): exit code {code}"
                  + (f" = {meaning}" if meaning else "")]
            if rec.get("dvmp"):
                ev += [f"DirectVolumeMigrationProgress {o.name(rec['dvmp'])}: {h}" for h in _history(rec["dvmp"])]
            ev += [f"{tool}: {ln}" for ln in lines[-LOG_LINES:]]
            if saved is not None:
                ev.append(f"{tool} pod {rec['podNamespace']}/{rec['pod']}: no Pod object in the must-gather, only its "
                          f"saved log {podlib.saved_log(saved).get('file', '?')} (all containers, oc logs --since)"
                          + (f", {len(logged)} error line(s) quoted above" if logged else ", no rsync error line in it"))
            ev += [f"DirectVolumeMigration condition {c.get('type')} ({c.get('category')}, {c.get('reason', '')}): "
                   f"{c.get('message', '')}" for c in o.conditions(dvm)
                   if o.is_true(c) and c.get("category") in ("Critical", "Error", "Warn")]
            if warned:
                ev.append(f"MigMigration {o.name(f.mig)} says SucceededWithWarnings, but this volume was not copied")
            yield Finding(id="dvm-rsync-failed", severity="error",
                          title=f"{tool} could not copy PVC {rec['namespace']}/{rec['pvc']} ({what}, exit code {code})",
                          cluster="source", objects=objs, evidence=ev,
                          fix=[fix[0].upper() + fix[1:] + ".",
                               f"oc mig-logs {o.name(f.mig)} --log-source rsync --cluster source",
                               f"oc get dvmp -n {f.src.namespace} -l {mtc.DVM_UID}={o.uid(dvm)} -o yaml",
                               "Then run a new migration of the plan: the volume's data is not on the target."])
        if vols or lives or not dvm_failed(dvm):
            continue
        st = o.status(dvm)
        conds = [c for c in o.conditions(dvm) if o.is_true(c) and c.get("category") in ("Critical", "Error", "Warn")]
        failed = o.condition(dvm, "Failed") or {}
        yield Finding(id="dvm-failed", severity="error",
                      title=f"direct volume migration {name} failed in {failed.get('reason') or o.phase(dvm)}",
                      cluster="host", objects=[ref(dvm)],
                      evidence=[f"DirectVolumeMigration {name}: phase {o.phase(dvm)}, itinerary {st.get('itinerary', '?')}"]
                      + [f"status.errors: {e}" for e in st.get("errors") or []]
                      + [f"condition {c.get('type')} ({c.get('category')}): {c.get('message', '')}" for c in conds],
                      fix=[f"oc describe dvm {name} -n {f.src.namespace}",
                           f"oc mig-logs {o.name(f.mig)} --log-source controller --level error"])
