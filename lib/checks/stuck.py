"""Check 6: a migration that makes no progress: its phase, for how long, and what it waits on."""

from __future__ import annotations

from collections.abc import Iterator

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from ..facts import Facts
from ..velero_log import grouped_errors
from .progress import running_dvms
from .registry import Finding, check, ref


def last_progress(f):
    """The latest time anything of the migration moved: conditions, pipeline steps, Velero objects."""
    times = [o.parse_time(c.get("lastTransitionTime")) for c in o.conditions(f.mig)]
    for step in o.maps(o.status(f.mig).get("pipeline")):
        times += [o.parse_time(step.get("started")), o.parse_time(step.get("completed"))]
    for v in f.graph.backups + f.graph.restores + f.graph.pvbs + f.graph.pvrs:
        st = o.status(v)
        times += [o.parse_time(st.get("startTimestamp")), o.parse_time(st.get("completionTimestamp"))]
    times += [o.parse_time(o.status(f.mig).get("startTimestamp")), o.created(f.mig)]
    for dvm in f.graph.dvms_of(f.mig) + f.graph.dims_of(f.mig):      # MTC 1.4+: direct migrations
        times += [o.parse_time(c.get("lastTransitionTime")) for c in o.conditions(dvm)]
        times.append(o.parse_time(o.status(dvm).get("startTimestamp")))
    times += [pr.last_seen() for pr in running_dvms(f)]
    times = [t for t in times if t]
    return max(times) if times else None


def queued(f) -> list[dict]:
    """The plan's older migrations without an end that a Postponed migration waits for: mig-controller runs a
    plan's migrations one at a time, postponing one while an older one (by creation) has none of Succeeded,
    Failed or Canceled (migmigration_controller.go postpone), so its own clock does not stand still while they
    run; whether one of them is stuck is that one's verdict."""
    if not o.has_condition(f.mig, "Postponed"):
        return []
    me = (o.namespace(f.mig), o.name(f.mig))        # by name: a bundle's migrations may all lack a UID
    mine = o.created(f.mig)
    return [m for m in f.graph.migrations if m is not f.mig and (o.namespace(m), o.name(m)) != me
            and not o.outcome(m) and (mine is None or (o.created(m) or mine) < mine)]


def is_stuck(f) -> tuple[bool, float]:
    """(stuck, seconds idle). A direct volume migration whose rsync still moves data is never stuck,
    however long it runs (lib/checks/progress.py)."""
    if not f.mig or o.phase(f.mig) == "Completed":
        return False, 0.0
    if any(pr.moving for pr in running_dvms(f)):
        return False, 0.0
    if queued(f):
        return False, 0.0
    t = last_progress(f)
    idle = (f.now - t).total_seconds() if t else 0.0
    return idle > f.stuck_after, idle


def window_errors(f, role: str, since) -> list[str]:
    """What the Velero and restic pods of `role` logged at error level about this migration since `since`."""
    lines = [e for e in f.log([role], ["velero", "restic"], level="error")
             if not since or (o.parse_time(e.line.time or e.stamp) or since) >= since]
    return grouped_errors(lines, limit=5)


def _hook_role(f, hook_phase: str) -> tuple[str, str]:
    """(role, evidence) of the cluster the plan's hook of `hook_phase` runs on: its MigHook's spec.targetCluster
    (MC hooks.go getHookClient), not the phase's name (a PreBackup hook may run on the destination)."""
    ref_ = next((h.get("reference") or {} for h in o.plan_hooks(f.graph.plan) if h.get("phase") == hook_phase), {})
    hook = next((h for h in f.graph.hooks if o.name(h) == ref_.get("name")
                 and o.namespace(h) == ref_.get("namespace", o.namespace(h))), None)
    if hook is None:
        return "", ""
    target = o.spec(hook).get("targetCluster", "")
    role = mtc.hook_role(hook)
    return role, f"the {hook_phase} hook (MigHook {o.name(hook)}) runs on the {role or '?'} cluster (targetCluster {target})"


def _dvm_waits(f, dvm: dict) -> list[str]:
    """What a DVM says it waits on (its Warn/Critical conditions: RsyncTransferPodsPending, RsyncClientPodsPending,
    RsyncRouteNotAdmitted ..., MC directvolumemigration/task.go, rsync.go) and its transfer pods, on either cluster,
    that do not run (rsync-server / blockrsync-server / directvolumemigration-rsync-transfer on the target, the
    clients on the source, lib/mtc): the transfer waits for them before any DVMP exists."""
    out = [f"DirectVolumeMigration {o.name(dvm)} condition {c.get('type')} ({c.get('category')}, "
           f"{c.get('reason', '')}): {c.get('message', '')}" for c in o.conditions(dvm)
           if o.is_true(c) and c.get("category") in ("Warn", "Critical", "Error")]
    for role in ("target", "source"):
        for p in f.graph.helpers_of(role):
            if f.graph.helper_kind(p) not in ("rsync", "stunnel") or o.phase(p) in ("Succeeded", "Failed") \
                    or o.meta(p).get("deletionTimestamp") or not podlib.problems(p):
                continue
            out.append(f"{'blockrsync' if mtc.is_block_transfer(p) else f.graph.helper_kind(p)} pod "
                       f"{o.namespace(p)}/{o.name(p)} ({role}) on node {podlib.node(p) or 'none'}: "
                       f"{', '.join(podlib.problems(p))}"
                       + "".join(f"; {c.get('reason', '')}: {c.get('message', '')}" for c in o.conditions(p)
                                 if c.get("status") == "False" and c.get("message")))
    return out


@check("migration-stuck", logs={"source": ("velero", "restic"), "target": ("velero", "restic")})
def stuck(f: Facts) -> Iterator[Finding]:
    yes, idle = is_stuck(f)
    if not yes:
        return
    phase = o.phase(f.mig)
    ev = [f"MigMigration {o.name(f.mig)}: phase {phase}, no progress for {o.human_duration(idle)} "
          f"(--stuck-after {o.human_duration(f.stuck_after)})"]
    objs = [ref(f.mig)]
    waits = []
    hook_phase = phase[:-len("Hooks")] if phase.endswith("Hooks") else ""     # PreBackupHooks ... PostRestoreHooks
    hook_role, hook_say = _hook_role(f, hook_phase) if hook_phase else ("", "")
    if phase.endswith("BackupReplicated"):
        # EnsureInitialBackupReplicated / EnsureStageBackupReplicated: the Backup is done on the source; MTC waits
        # for the target's Velero to sync it from the storage location (MC-1.7 task.go "Velero Backup has not yet
        # been replicated to target cluster by Velero. Waiting"; backup.go isBackupReplicated reads the
        # destination cluster).
        label = "migration-stage-backup" if "Stage" in phase else "migration-initial-backup"
        for b in f.graph.backups:
            if label in o.labels(b):
                waits.append(b)
                ev.append(f"Backup {o.name(b)} is {o.phase(b) or 'New'} on the source; MTC waits for it to appear on "
                          f"the target, where the target's Velero syncs it from BackupStorageLocation "
                          f"{o.spec(b).get('storageLocation') or '?'}: see the target's Velero log (backup sync) and "
                          "that location's phase there")
    elif "Restore" in phase:
        stage = "Stage" in phase
        for r in f.graph.restores:
            if o.phase(r) == "Completed":
                continue
            if stage != ("migration-stage-restore" in o.labels(r)):
                continue
            waits.append(r)
            waits += [p for p in f.graph.pvrs_of(r) if o.phase(p) != "Completed"]
    elif "Backup" in phase:
        for b in f.graph.backups:
            if o.phase(b) != "Completed":
                waits.append(b)
                waits += [p for p in f.graph.pvbs_of(b) if o.phase(p) != "Completed"]
    if hook_phase:                # the hook Job of that phase, on whichever cluster it was made
        waits += [j for role in ("source", "target") for j in f.graph.jobs.get(role, [])
                  if o.labels(j).get(mtc.HOOK_PHASE) == hook_phase and not o.status(j).get("succeeded")]
        ev += [hook_say] if hook_say else []
    for pr in running_dvms(f) if "DirectVolume" in phase else []:
        waits.append(pr.dvm)
        waits += [v.dvmp for v in pr.volumes if v.phase not in ("Succeeded",) and not v.live][:10]
        ev += _dvm_waits(f, pr.dvm)
    since = last_progress(f)
    if hook_phase:
        role = hook_role
    elif "Restore" in phase or phase.endswith("BackupReplicated"):
        role = "target"
    else:
        role = "source" if "Backup" in phase else ""
    if role and f.reachable(role):
        said = window_errors(f, role, since)
        ev += [f"{role} Velero/restic logged since {o.format_time(since)}: {x}" for x in said] or \
            [f"no error about this migration since {o.format_time(since)} in the {role} Velero/restic logs that "
             "could be read (see NOT CHECKED for the others)"]
    for w in waits:
        objs.append(ref(w))
        st = o.status(w)
        extra = f", restic pod {st['resticPod']}" if st.get("resticPod") else ""
        if w.get("kind") == "Job":
            extra = f", namespace {o.namespace(w)}, active {st.get('active', 0)}, failed {st.get('failed', 0)}"
        if w.get("kind") == "DirectVolumeMigrationProgress":
            pod_ns, pod = f.graph.dvmp_pod(w)
            extra = (f", rsync pod {pod_ns}/{pod or '?'}, "
                     f"{st.get('totalProgressPercentage') or st.get('lastObservedProgressPercent') or '0%'} copied, "
                     f"rate {st.get('lastObservedTransferRate') or 'none'}")
        vol = f", volume {o.spec(w).get('volume')}" if o.spec(w).get("volume") else ""
        ev.append(f"waits on {w['kind']} {o.name(w)}: phase {st.get('phase') or 'New'}{vol}{extra}"
                  f", started {st.get('startTimestamp') or 'not yet'}")
    yield Finding(id="migration-stuck", severity="error",
                  title=f"migration stuck in {phase} for {o.human_duration(idle)}", cluster="host",
                  objects=objs, evidence=ev,
                  fix=[f"oc mig-logs {o.name(f.mig)} --log-source restic --log-source velero -f",
                   "If the restic pod of a waiting volume is not Running, delete it so its DaemonSet recreates it: "
                   f"oc delete pod <restic-pod> -n {f.src.namespace} --context <cluster>",
                   f"To give up: oc patch migmigration {o.name(f.mig)} -n {f.src.namespace} --type merge "
                   "-p '{\"spec\":{\"canceled\":true}}'"])
