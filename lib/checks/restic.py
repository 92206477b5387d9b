"""Checks 2 and 3: Restic timeouts in the Velero logs, and ResticVerifyErrors/ResticErrors walked down
to the PodVolumeRestore and the error lines of its restic pod."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from ..errors import ApiError, MigError
from ..facts import Facts
from ..flags import duration
from ..velero_log import cite, timeout_kind
from .registry import Finding, Severity, check, ref


def _timeout_setting(f, role: str) -> tuple[str, str]:
    """(restic_timeout, where it was read) from the MigrationController of the cluster whose Velero ran."""
    try:
        mc = f.controller(role)
    except MigError as e:
        return "1h", f"its MigrationController could not be read ({e}); MTC's default"
    if mc and o.spec(mc).get("restic_timeout"):
        return str(o.spec(mc)["restic_timeout"]), f"MigrationController {o.name(mc)} on the {role} cluster"
    return "1h", "MTC's default (restic_timeout is not set)"


def suggest_timeout(current: str, observed_s: float | None) -> str:
    """At least double the current value, and twice what the slowest volume needed, in whole hours."""
    try:
        cur = duration(current)
    except Exception:
        cur = 3600.0
    want = max(cur * 2, (observed_s or 0) * 2)
    return f"{max(1, math.ceil(want / 3600))}h"


def context_of(f, role: str) -> str:
    """The --context to reach the cluster playing `role`: the one given on the command line, else a
    placeholder naming its MigCluster."""
    given = (getattr(getattr(f.src, "clusters", None), "overrides", None) or {}).get(role)
    if given:
        return str(given)
    mc = f.graph.migclusters.get(role) or {}
    if o.is_host_cluster(mc):
        return "<host context>"
    return f"<context of MigCluster {o.name(mc)}>" if mc else f"<{role} context>"


@check("restic-timeout", kinds={"host": ("MigrationController",), "source": ("MigrationController",),
                                "target": ("MigrationController",)},
       logs={"source": ("velero",), "target": ("velero",)}, data_not_copied=("restic-timeout",))
def restic_timeout(f: Facts) -> Iterator[Finding]:
    """Pod volume backups/restores that Velero gave up on, in every form Velero logged it."""
    for role, items, vols_of in (("source", f.graph.backups, f.graph.pvbs_of),
                                 ("target", f.graph.restores, f.graph.pvrs_of)):
        if not f.reachable(role):
            f.log([role], ["velero"])        # records why that Velero's log could not be read
            continue
        suspects = [v for v in items if o.phase(v) not in ("Completed", "New", "")
                    or o.number(o.status(v).get("errors")) > 0]
        hits, where, objs = [], "", []
        for v in suspects:
            entries, src = f.velero_log(role, v)
            mine = [e for e in entries if timeout_kind(e.line)]
            if mine:
                hits += mine
                where = where or src
                objs.append(v)
        if not hits:
            continue
        yield _timeout_finding(f, role, hits, where, objs, vols_of)


def _timeout_finding(f, role, hits, where, objs, vols_of) -> Finding:
    first = hits[0]
    vol_kind = "PodVolumeBackup" if role == "source" else "PodVolumeRestore"
    kind = timeout_kind(first.line) or vol_kind      # may be DataUpload/DataDownload, or "X or Y" (velero_log)
    at = o.parse_time(first.line.time or first.stamp) or f.now
    vols = [v for obj in objs for v in vols_of(obj)]
    pending = [v for v in vols if o.phase(v) in mtc.PV_PENDING]
    evidence = [cite(e) for e in hits[:3]] + ([f"read from {where}"] if where and where != "pod log" else [])
    longest = 0.0
    for v in vols:
        start = o.parse_time(o.status(v).get("startTimestamp"))
        end = o.parse_time(o.status(v).get("completionTimestamp")) or at
        if start and end:
            longest = max(longest, (end - start).total_seconds())
    for v in pending:
        pr = o.status(v).get("progress")
        pr = pr if isinstance(pr, dict) else {}
        total = o.number(pr.get("totalBytes"))
        done = f", {o.number(pr.get('bytesDone')) * 100 // max(total, 1)}% of " \
               f"{total / (1 << 30):.0f} GiB" if total else ""
        start = o.parse_time(o.status(v).get("startTimestamp"))
        since = f", in progress {o.human_duration((at - start).total_seconds())} when Velero gave up" if start else \
            ", never started"
        where = f"node {o.spec(v)['node']}" if o.spec(v).get("node") else \
            f"restic pod {o.status(v)['resticPod']}" if o.status(v).get("resticPod") else "no node assigned yet"
        evidence.append(f"{v.get('kind', vol_kind)} {o.name(v)} still {o.phase(v) or 'New'}: "
                        f"volume {o.spec(v).get('volume')} of pod "
                        f"{o.dig(v, 'spec', 'pod', 'namespace')}/{o.dig(v, 'spec', 'pod', 'name')}"
                        f" on {where}{done}{since}")
    current, read_from = _timeout_setting(f, role)
    evidence.append(f"restic_timeout {current}: {read_from}")
    value = suggest_timeout(current, longest / max(min(1.0, _fraction_done(pending)), 0.01) if pending else longest)
    ctx = context_of(f, role)
    velero_of = "backups run on the source" if role == "source" else "restores run on the target"
    kinds = " or ".join(k + "s" for k in kind.split(" or "))
    uploaders = sorted({str(o.spec(v).get("uploaderType") or "restic") for v in vols}) or ["restic"]
    who = "Restic" if uploaders == ["restic"] else f"Pod volume {'/'.join(uploaders)}"
    return Finding(id="restic-timeout", severity="error",
                   title=f"{who} timed out after restic_timeout={current} waiting for {kinds}", cluster=role,
                   objects=[ref(v) for v in objs + pending], evidence=evidence,
                   fix=[f"oc patch migrationcontroller migration-controller -n {f.src.namespace} --context {ctx} "
                        f"--type merge -p '{{\"spec\":{{\"restic_timeout\":\"{value}\"}}}}'",
                        "Then run the migration again. restic_timeout takes h, m and s units (e.g. 3h30m15s); "
                        "a high value also delays the report of real errors.",
                        f"It is the {role} cluster's Velero that timed out ({velero_of}): patch the "
                        "MigrationController there" + ("; on an OCP 3 source, the one its own mig-operator reads."
                                                       if role == "source" else "."),
                        "MTC 1.7+: mig-operator carries restic_timeout into the DataProtectionApplication `velero` "
                        "(spec.configuration.restic.timeout; nodeAgent.timeout with OADP 1.5+), from which OADP sets "
                        f"Velero's --fs-backup-timeout: oc get dataprotectionapplication -n {f.src.namespace} "
                        f"--context {ctx} -o yaml"])


def _fraction_done(pending) -> float:
    fr = []
    for v in pending:
        pr = o.status(v).get("progress")
        total = o.number(pr.get("totalBytes")) if isinstance(pr, dict) else 0
        if total > 0 and isinstance(pr, dict):
            fr.append(o.number(pr.get("bytesDone")) / total)
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
        want = o.spec(pvr).get("pod")
        want = want if isinstance(want, dict) else {}
        try:
            pods = f.app("target", "Pod")
        except (ApiError, MigError) as e:
            f.unchecked(f"the node of PodVolumeRestore {o.name(pvr)}: {e}")
            pods = []
        app = next((p for p in pods if o.name(p) == want.get("name") and o.namespace(p) == want.get("namespace")), None)
        node = podlib.node(app or {})
    if not node:
        return ""
    agents = [p for p in podlib.mtc_pods(f.pods("target"), "restic") if podlib.node(p) == node
              and not podlib.data_path_of(p)]      # the node-agent itself, not a data path pod on its node
    return o.name(agents[0]) if agents else ""


@check("restic-verify-errors", "restic-errors", kinds={"target": ("Pod",)}, app_kinds={"target": ("Pod",)},
       logs={"target": ("restic",)}, explains=("ResticVerifyErrors", "ResticErrors"), data_not_copied=("restic-errors",))
def restic_restore_errors(f: Facts) -> Iterator[Finding]:
    # MC-1.7 restore.go setResticConditions: ResticErrors from the Restore's velero.io/restore-pvr-error-count,
    # ResticVerifyErrors from velero.io/restore-pvr-verify-error-count
    cases: tuple[tuple[str, str, Severity, str], ...] = (
        ("ResticVerifyErrors", "restic-verify-errors", "warning", "velero.io/restore-pvr-verify-error-count"),
        ("ResticErrors", "restic-errors", "error", "velero.io/restore-pvr-error-count"))
    for ctype, fid, sev, count_ann in cases:
        c = o.condition(f.mig, ctype)
        if c is None or not o.is_true(c):
            continue
        m = _RESTORE_NAME.search(c.get("message", ""))
        rname = m.group(1).strip("<>") if m else ""
        restore = f.graph.restore_named(rname) or next(
            (r for r in f.graph.restores if o.annotations(r).get(count_ann)), None)
        evidence = [f"MigMigration {o.name(f.mig)}: {ctype}: {c.get('message', '')}"]
        objs = [ref(f.mig)]
        fix = []
        if restore is not None:
            objs.append(ref(restore))
            st = o.status(restore)
            names = {n for x in o.maps(st.get("podVolumeRestoreErrors")) + o.maps(st.get("podVolumeRestoreResticErrors"))
                     for n in [x.get("name")] if isinstance(n, str)}
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
                pod = o.spec(pvr).get("pod")
                pod = pod if isinstance(pod, dict) else {}
                rp = restic_pod_of(f, pvr)
                # the chapter's walk (3.5.3.2): Restore -> PodVolumeRestore (names the restic pod) -> its log
                fix.append(f"oc describe podvolumerestore {o.name(pvr)} -n {f.src.namespace} --context <target>")
                evidence.append(f"PodVolumeRestore {o.name(pvr)}: volume {o.spec(pvr).get('volume')} of pod "
                                f"{pod.get('namespace')}/{pod.get('name')}, errors {ps.get('errors', 0)}, "
                                f"resticErrors {ps.get('resticErrors', 0)}, verifyErrors {ps.get('verifyErrors', 0)}"
                                f", {'node-agent' if rp.startswith('node-agent') else 'restic'} pod {rp or '?'}")
                if rp:
                    for e in f.log(["target"], ["restic"], pod=rp, level="error")[:5]:
                        evidence.append(cite(e))
                    fix.append(f"oc logs {rp} -n {f.src.namespace} --context <target>")
                fix.append(f"Check the data of volume {o.spec(pvr).get('volume')} (PVC of pod "
                           f"{pod.get('namespace')}/{pod.get('name')}) on the target before using it.")
        title = ("Restic verify errors: the restored data of some volumes did not match; the migration "
                 "is not failed by them, but those volumes' data must be checked") if fid == "restic-verify-errors" \
            else "Restic errors restoring volumes: their data may be missing on the target"
        yield Finding(id=fid, severity=sev, title=title, cluster="target", objects=objs, evidence=evidence,
                      fix=fix + [f"oc describe restore {o.name(restore) if restore is not None else rname or '<restore>'} "
                                 f"-n {f.src.namespace} --context <target>"])


# Go's time.ParseDuration, which Velero's --restic-timeout (--fs-backup-timeout with OADP) flag runs: numbers each
# with a unit, or a lone 0. The chapter (3.5.3.1) names the units h, m and s, e.g. 3h30m15s; a bare number
# ("3600", YAML gives an int) or a day ("1d") is refused, and Velero does not start (mig-operator passes
# restic_timeout as that flag, MTC 1.7+ through the DataProtectionApplication's restic/nodeAgent timeout).
_GO_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")


@check("restic-timeout-invalid", current_state=("restic-timeout-invalid",),
       kinds={"source": ("Pod", "MigrationController"), "target": ("Pod", "MigrationController")})
def restic_timeout_invalid(f: Facts) -> Iterator[Finding]:
    """A MigrationController whose restic_timeout Velero cannot parse, on a cluster whose Velero (the migration's:
    source or target) does not run. Its MigrationController is read only then: the pods are listed anyway
    (mtc-pod-unhealthy), and a running Velero took the value it was given."""
    seen: set[str] = set()
    for role in ("source", "target"):
        if not f.reachable(role):
            continue
        try:
            velero = podlib.mtc_pods(f.pods(role), "velero")
            if velero and not any(podlib.problems(p) for p in velero):
                continue
            mc = f.controller(role)
        except MigError as e:
            f.unchecked(f"restic_timeout of the MigrationController on {role}: {e}")
            continue
        key = o.uid(mc or {}) or role      # the host is the source or target cluster too, often
        if not mc or key in seen or "restic_timeout" not in o.spec(mc):
            continue
        seen.add(key)
        value = o.spec(mc)["restic_timeout"]
        text = "" if value is None else str(value).strip()
        if _GO_DURATION.fullmatch(text):      # ansible templates it into the flag as text
            continue
        ctx = context_of(f, role)
        yield Finding(id="restic-timeout-invalid", severity="error",
                      title=f"restic_timeout {value!r} of MigrationController {o.name(mc)} is not a duration Velero "
                      "takes: its Velero does not start", cluster=role, objects=[ref(mc)],
                      evidence=[f"MigrationController {o.name(mc)} on the {role} cluster: spec.restic_timeout "
                                f"{value!r} ({type(value).__name__})",
                                "valid: numbers with the units h, m and s, e.g. 1h, 90m, 3h30m15s "
                                "(Velero's --restic-timeout / --fs-backup-timeout, Go's time.ParseDuration)"],
                      fix=[f"oc patch migrationcontroller {o.name(mc)} -n {f.src.namespace} --context {ctx} "
                           "--type merge -p '{\"spec\":{\"restic_timeout\":\"" + _suggest_valid(text) + "\"}}'",
                           f"oc get pods -n {f.src.namespace} --context {ctx} -l component=velero    # then Velero "
                           "restarts with it"])


_UNIT_SECONDS = {"d": 86400, "day": 86400, "days": 86400, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600,
                 "hours": 3600, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "s": 1, "sec": 1,
                 "secs": 1, "second": 1, "seconds": 1, "": 1}


def _suggest_valid(text: str) -> str:
    """The value meant, as Velero takes it: blanks and capitals away when that is all that is wrong ('4 H',
    '3h 30m'); else its parts (a bare number is seconds; days, hours, minutes by any of their names) rounded up
    to whole hours; MTC's default 1h when nothing in it is a number."""
    squeezed = re.sub(r"\s+", "", text).lower()
    if _GO_DURATION.fullmatch(squeezed):
        return squeezed
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text.lower())
    if not parts or any(unit not in _UNIT_SECONDS for _, unit in parts):
        return "1h"
    n = sum(float(num) * _UNIT_SECONDS[unit] for num, unit in parts)
    return f"{max(1, math.ceil(n / 3600))}h"
