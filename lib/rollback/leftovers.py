"""What MTC itself leaves behind after a failure, each proven to be this plan's by MTC's own labels: stage pods
(both clusters, and on the target the restored copies of application pods MTC used as stage pods; deleted
before anything is scaled up, as MTC's rollback does, since a stage pod still mounting an RWO claim keeps the
application's pods from starting), rsync/stunnel pods of a direct volume migration, hook Jobs, and the Velero
Backups and Restores of the plan's migrations."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .plan import Action, left_alone, unreadable
from .resolve import PLAN_LABEL, Context

# MTC's labels, named once in lib/mtc.py with their upstream files
PART_OF, STAGE_POD, APP_POD = mtc.PART_OF, mtc.STAGE_POD, mtc.APPLICATION_POD
STAGE_BACKUP, MIGMIGRATION, MIGPLAN = mtc.INCLUDED_IN_STAGE_BACKUP, mtc.MIGMIGRATION, mtc.MIGPLAN_UID
RSYNC_APPS, DVM_LABEL, HOOK_LABEL = mtc.RSYNC_APPS, mtc.DVM_UID, mtc.HOOK_UID
EXCLUDE_PVCS = "migration.openshift.io/exclude-pvcs"
BACKUP_NAME = "velero.io/backup-name"
STAGE_LABELS = (PART_OF, MIGMIGRATION, MIGPLAN, STAGE_BACKUP, STAGE_POD, APP_POD)


def stage_pod_proof(ctx: Context, pod: dict, role: str) -> str:
    """Why `pod` is a stage pod of this plan (MC-1.4+: is-stage-pod with the plan's or a migration's UID;
    CAM 1.2/1.3: the migration's correlation label and its stage-backup label), or ''.
    An application pod MTC 1.6+ used as a stage pod (is-application-pod) is one only on the target: there it is
    the stage-image copy Velero restored (without owner), and mig-controller's stage pod cleanup (stage.go)
    deletes every is-stage-pod pod of the destination namespaces; on the source it is the application's own."""
    lb, uids = o.labels(pod), set(ctx.migration_uids)
    if o.meta(pod).get("ownerReferences") or (lb.get(APP_POD) and role != "target"):
        return ""
    if lb.get(STAGE_POD) and (lb.get(MIGPLAN) == ctx.plan_uid or lb.get(MIGMIGRATION) in uids):
        what = "restored copy of an application pod MTC used as a stage pod" if lb.get(APP_POD) else "stage pod"
        return f"{what}: {STAGE_POD}={lb[STAGE_POD]}, " + (f"{MIGPLAN}={ctx.plan_uid}" if lb.get(MIGPLAN) == ctx.plan_uid
                                                          else f"{MIGMIGRATION}={lb[MIGMIGRATION]}")
    if lb.get(MIGMIGRATION) in uids and mtc.is_legacy_stage_pod(pod):
        return f"stage pod (CAM 1.2/1.3 labels): {MIGMIGRATION}={lb[MIGMIGRATION]}, {STAGE_BACKUP}"
    return ""


def rsync_pod_proof(ctx: Context, pod: dict, dvm_uids: set) -> str:
    """Why `pod` is an rsync/stunnel pod of a DVM of this plan, or ''. MC release-1.4.0..1.4.2 put no part-of label
    on them (lib/mtc.py RSYNC_APP): there owner=directvolumemigration (transfer and stunnel pods) or
    directvolumemigration=rsync-client (client pods) stands for it."""
    lb = o.labels(pod)
    mc140 = lb.get("owner") == "directvolumemigration" or lb.get(DVM_LABEL) == mtc.RSYNC_CLIENT_VALUE
    if lb.get("app") not in RSYNC_APPS or (lb.get(PART_OF) != mtc.PART_OF_VALUE and not mc140):
        return ""
    if PLAN_LABEL in lb and lb[PLAN_LABEL] != ctx.plan_uid:
        return ""
    dvm = lb.get(DVM_LABEL)
    if dvm and dvm != mtc.RSYNC_CLIENT_VALUE and dvm not in dvm_uids:
        return ""
    if not dvm and PLAN_LABEL not in lb and lb.get("owner") != "directvolumemigration":
        return ""
    what = f"{DVM_LABEL}={dvm}" if dvm else f"owner={lb.get('owner')}" if lb.get("owner") else f"{PLAN_LABEL}"
    return f"rsync/stunnel pod of a direct volume migration of the plan: app={lb['app']}, {what}"


def hook_proof(ctx: Context, obj: dict) -> str:
    lb = o.labels(obj)
    if lb.get(PART_OF) == mtc.PART_OF_VALUE and lb.get(HOOK_LABEL) and lb.get("owner") in set(ctx.migration_uids):
        return f"{lb.get('phase', '')} hook of migration {lb['owner']}: {HOOK_LABEL}={lb[HOOK_LABEL]}"
    return ""


def _odd(x: dict, role: str, manual: list | None) -> bool:
    """`x` has fields that could not be read: said in `manual`, and left alone."""
    odd = unreadable(x, [])
    if odd and manual is not None:
        manual.append(left_alone(x, o.namespace(x), odd, role))
    return bool(odd)


def pod_actions(ctx: Context, role: str, pods: list[dict], dvm_uids: set, namespaces: list,
                manual: list | None = None) -> list[Action]:
    acts = []
    for p in pods:
        ns, lb = o.namespace(p), o.labels(p)
        if ns not in namespaces:
            continue
        why = stage_pod_proof(ctx, p, role) or rsync_pod_proof(ctx, p, dvm_uids)
        ours = why or (role == "source" and lb.get(APP_POD) and (lb.get(MIGPLAN) == ctx.plan_uid
                                                                 or lb.get(MIGMIGRATION) in set(ctx.migration_uids)))
        if ours and _odd(p, role, manual):
            continue
        if why:
            acts.append(Action(role, "delete", "Pod", o.name(p), ns, f"{o.phase(p) or 'exists'} -> deleted", why,
                               "mtc leftovers", o.uid(p)))
        elif role == "source" and lb.get(APP_POD) and (lb.get(MIGPLAN) == ctx.plan_uid
                                                        or lb.get(MIGMIGRATION) in set(ctx.migration_uids)):
            keys = [k for k in STAGE_LABELS if k in lb]
            patch = {"metadata": {"labels": {k: None for k in keys}}}
            if EXCLUDE_PVCS in o.annotations(p):
                patch["metadata"]["annotations"] = {EXCLUDE_PVCS: None}
            acts.append(Action(role, "patch", "Pod", o.name(p), ns, f"labels {', '.join(keys)} -> removed",
                               f"application pod MTC used as a stage pod ({APP_POD}); kept on the source, as MTC's "
                               "rollback does",
                               "mtc leftovers", o.uid(p), o.meta(p).get("resourceVersion", ""), patch))
    return acts


def hook_actions(ctx: Context, role: str, objs: list[dict], manual: list | None = None) -> list[Action]:
    acts = []
    for x in objs:
        why = hook_proof(ctx, x)
        if why and x.get("kind") in ("Job", "ConfigMap") and not _odd(x, role, manual):
            acts.append(Action(role, "delete", str(x.get("kind")), o.name(x), o.namespace(x), "exists -> deleted",
                               why, "mtc leftovers", o.uid(x)))
    return acts


def velero_actions(ctx: Context, backups: dict, requests: dict, restores: list[dict],
                   manual: list | None = None) -> list[Action]:
    """Backups (the source's, and the copies Velero synced to the target) get a DeleteBackupRequest: Velero then
    removes the CR and its data in the bucket, which a bare delete would not (the Backup would come back from the
    bucket); target Restores are deleted. `backups`, `requests`: role -> objects."""
    uids = set(ctx.migration_uids)
    acts = []
    for role in ("source", "target"):
        reqs = requests.get(role) or []
        asked = {o.labels(r).get(BACKUP_NAME) for r in reqs} | {
            n for r in reqs if isinstance(n := o.spec(r).get("backupName"), str)}
        for b in backups.get(role) or []:
            if o.labels(b).get(MIGMIGRATION) not in uids or o.name(b) in asked or o.phase(b) == "Deleting":
                continue
            if _odd(b, role, manual):
                continue
            acts.append(Action(role, "request-deletion", "Backup", o.name(b), o.namespace(b),
                               f"{o.phase(b) or 'New'} -> DeleteBackupRequest",
                               f"Velero Backup of migration {o.labels(b)[MIGMIGRATION]} ({MIGMIGRATION} label)",
                               "velero", o.uid(b)))
    for r in restores:
        if o.labels(r).get(MIGMIGRATION) not in uids or _odd(r, "target", manual):
            continue
        acts.append(Action("target", "delete", "Restore", o.name(r), o.namespace(r), f"{o.phase(r) or 'New'} -> deleted",
                           f"Velero Restore of migration {o.labels(r)[MIGMIGRATION]} ({MIGMIGRATION} label)",
                           "velero", o.uid(r)))
    return acts


def delete_backup_request(backup: dict) -> dict:
    name = o.name(backup)
    return {"apiVersion": "velero.io/v1", "kind": "DeleteBackupRequest",
            "metadata": {"generateName": f"{name[:58]}-", "namespace": o.namespace(backup),
                         "labels": {BACKUP_NAME: name[:63], "velero.io/backup-uid": o.uid(backup)}},
            "spec": {"backupName": name}}
