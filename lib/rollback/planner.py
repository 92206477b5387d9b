"""From what was observed on both clusters to one Plan, whatever point the migration failed at: source-only
(unquiesce) when nothing reached the target, target-only when the source was never quiesced, both otherwise,
and MTC's own leftovers first. Pure: plain dicts in, actions out."""

from __future__ import annotations

from .. import objects as o
from ..errors import MigError
from .leftovers import hook_actions, pod_actions, velero_actions
from .observe import Observed
from .plan import DEPLOYER_LABEL, Action, Plan, order, source_actions, still_mounted, swap_back_actions, target_actions
from .resolve import PLAN_LABEL, Context
from .volumes import FATE, target_pvs, volume_actions


def _count(acts: list[Action], **match) -> int:
    return sum(1 for a in acts if all(getattr(a, k) == v for k, v in match.items()))


def _pvc_fates(acts: list[Action], ns: str, objs: list[dict], pvs: list[dict], ctx: Context) -> None:
    """A PVC's deletion says what happens to its PV's data, from the PV's reclaim policy as the cluster has it
    (or as this plan sets it)."""
    by_name = {o.name(pv): pv for pv in target_pvs(ctx, ns, objs, pvs)}
    claims = {o.name(x): v for x in objs if x.get("kind") == "PersistentVolumeClaim"
              and isinstance(v := o.spec(x).get("volumeName"), str)}
    planned = {a.name: a for a in acts if a.kind == "PersistentVolume" and a.verb == "patch" and a.cluster == "target"}
    for a in acts:
        if a.kind != "PersistentVolumeClaim" or a.verb != "delete" or a.namespace != ns:
            continue
        pv = by_name.get(claims.get(a.name) or "")
        if pv is None:
            continue
        pol = (planned[o.name(pv)].patch["spec"]["persistentVolumeReclaimPolicy"] if o.name(pv) in planned
               else o.spec(pv).get("persistentVolumeReclaimPolicy") or "Delete")
        if not isinstance(pol, str):        # a PV whose policy could not be read: left alone, its fate unknown
            continue
        a.change = f"exists -> deleted; PV {o.name(pv)} ({pol}): " + FATE.get(pol, "").split(";")[0]


def _unproven_dc_pods(ctx: Context, ns: str, objs: list[dict], planned: list[Action]) -> list[str]:
    """Pods with the labels of a migrated DeploymentConfig that are not provably its (no owning RC): said, not
    deleted. A deployer pod of an old cluster without owner references would keep a PVC from going."""
    dcs = {o.name(x) for x in objs if x.get("kind") == "DeploymentConfig" and o.labels(x).get(PLAN_LABEL) == ctx.plan_uid}
    done = {a.name for a in planned if a.kind == "Pod"}
    out = []
    for x in objs:
        lb = o.labels(x)
        if x.get("kind") == "Pod" and o.name(x) not in done and lb.get(PLAN_LABEL) != ctx.plan_uid and (
                lb.get("deploymentconfig") in dcs or str(lb.get(DEPLOYER_LABEL, "")).rsplit("-", 1)[0] in dcs):
            out.append(f"pod {ns}/{o.name(x)} carries the labels of migrated DeploymentConfig "
                       f"{lb.get('deploymentconfig') or lb.get(DEPLOYER_LABEL)} but no owning ReplicationController "
                       f"of it (an `oc debug` copy?): not deleted; oc delete pod {o.name(x)} -n {ns} if it is yours to "
                       "delete")
    return out


def build_plan(ctx: Context, ob: Observed, *, stop_daemonsets: bool = False, release: str | None = None,
               replicas: int | None = None, journaled_dcs: dict | None = None, project: str = "") -> Plan:
    manual: list[str] = []
    acts: list[Action] = velero_actions(ctx, ob.backups, ob.delete_requests, ob.restores, manual)
    for role in ("target", "source"):
        acts += hook_actions(ctx, role, ob.hooks.get(role) or [], manual)
    acts += pod_actions(ctx, "target", ob.pods.get("target") or [], ob.dvm_uids, ctx.dest_namespaces, manual)
    acts += pod_actions(ctx, "source", ob.pods.get("source") or [], ob.dvm_uids, ctx.src_namespaces, manual)
    looked: list[str] = []
    volumes: list[str] = []
    warnings: list[str] = []
    blocked: list[str] = []
    held_anywhere = False
    for s, d in ctx.pairs:
        objs = ob.target.get(d) or []
        skip = {(a.kind, a.name) for a in acts if a.cluster == "target" and a.namespace == d}
        tacts = target_actions(ctx, d, objs, stop_daemonsets, journaled_dcs, skip, manual)
        labelled = sum(1 for x in objs if o.labels(x).get(PLAN_LABEL) == ctx.plan_uid)
        vacts, lines, warns = volume_actions(ctx, d, s, objs, ob.target_pvs, ob.source_pvs, release, manual)
        sacts, man, left_alone = source_actions(ctx, s, ob.source.get(s) or [], replicas, ob.active_vms)
        if ctx.storage_conversion:
            swaps, more = _storage_conversion(ctx, s, ob.source.get(s) or [], tacts, looked, manual)
            acts += swaps
            blocked += more
        acts += tacts + vacts + sacts
        _pvc_fates(tacts + vacts, d, objs, ob.target_pvs, ctx)
        manual += man + _unproven_dc_pods(ctx, d, objs, tacts)
        volumes += lines
        warnings += warns
        looked.append(f'target namespace "{d}": ' + (f"{labelled} objects carry {PLAN_LABEL}={ctx.plan_uid}" if labelled
                                                    else f"nothing carries {PLAN_LABEL}={ctx.plan_uid}"))
        held = len({(a.kind, a.name) for a in sacts})       # a VM has two steps: start, then its annotations
        held_anywhere = held_anywhere or bool(sacts or left_alone)
        looked.append(f'source namespace "{s}": ' + (f"{held} quiesced objects to restore" if sacts else
                                                    "nothing quiesced (no preQuiesce annotations, no quiesce "
                                                    "nodeSelector, no VM MTC stopped)" if not left_alone else
                                                    "nothing of this plan's quiesced"))
        if ctx.sharing.get(s):
            looked.append(f'source namespace "{s}" is also migrated by MigPlan {", ".join(ctx.sharing[s])}: only the '
                          f"workloads mounting a PVC this plan copies are restored, as MTC 1.8 does"
                          + (f"; {len(left_alone)} held down and left as they are: {', '.join(left_alone)}"
                             if left_alone else ""))
    left = [a for a in acts if a.group in ("velero", "mtc leftovers")]
    looked.append("MTC leftovers: " + (", ".join(f"{n} {what}" for n, what in (
        (_count(left, kind="Pod", verb="delete"), "stage/rsync pods"), (_count(left, kind="Pod", verb="patch"),
                                                                         "application pods with stage labels"),
        (_count(left, kind="Job"), "hook Jobs"), (_count(left, kind="Backup"), "Velero Backups"),
        (_count(left, kind="Restore"), "Velero Restores")) if n) or "none (stage, rsync and hook pods, Velero "
        "Backups and Restores labelled with the plan's migrations)"))
    looked += [f"not read (not in the must-gather): {x}" for x in ob.unread]
    nback = sum(len(v) for v in ob.backups.values())
    if nback and not _count(left, kind="Backup"):
        looked.append(f"Velero Backups of the plan: {nback}, deletion already requested")
    mig = ctx.migration
    if _count(left, group="velero") and mig:
        warnings.append(f"the Velero Backups and Restores of the plan's migrations go (the evidence mig-verify and "
                        f"mig-logs read): oc mig-gather {o.name(mig)} first if support may need them")
    if mig and deletes_live_application(mig, acts):
        warnings.insert(0, f"migration {o.name(mig)} SUCCEEDED: this deletes the live application on the "
                        "target; executing it needs --force")
    if mig and not o.succeeded(mig) and not held_anywhere and not ob.unread and not ctx.storage_conversion:
        # The chapter (3.5, 3.5.4): a rollback is needed when the application was stopped; one the migration did
        # not stop still runs on the source, and what is left is only what the failed migration left behind.
        warnings.insert(0, f"nothing in {', '.join(s for s, _ in ctx.pairs)} on the source is held down by MTC's "
                        "quiesce: the application there needs no rollback (only one the migration stopped does); "
                        "this plan only removes what the failed migration left")
    if not release and volumes:
        manual.append("PersistentVolumes of the migrated PVCs keep their reclaim policy (see volumes); "
                      "--release-target-pvs would switch copied ones to Delete")
    proj = project or ctx.dest_ns
    every = o.namespace_pairs(ctx.plan)
    controller = (f"MTC 1.3+ can run this rollback itself: oc mig-rollback {proj} --plan {o.name(ctx.plan)} "
                  + ("--all-namespaces-of-plan " if len(every) > len(ctx.pairs) else "")
                  + "--via-controller (a MigMigration with spec.rollback: true"
                  + (f", for all {len(every)} namespaces of the plan" if len(every) > 1 else "")
                  + "); it does not restore moved PVs' reclaim policy nor delete hook Jobs")
    if blocked:
        warnings.insert(0, "storage conversion: PVCs this plan deletes are still mounted by workloads it cannot "
                        f"repoint ({'; '.join(blocked)}): only --via-controller can roll it back")
    return Plan(order(acts, ctx.pairs), manual, ctx, looked, volumes, warnings, controller, blocked)


def _storage_conversion(ctx: Context, ns: str, workloads: list[dict], tacts: list[Action], looked: list,
                        manual: list | None = None) -> tuple[list[Action], list[str]]:
    """A storage conversion plan (one cluster, one namespace): the DVM's new PVCs carry the plan label and the
    Final itinerary's SwapPVCReferences pointed the workloads at them. Each workload is pointed back at its source
    PVC before any PVC goes; what cannot be repointed and still mounts a PVC to delete is returned (refused)."""
    mapping = ctx.converted_pvcs(ns)
    swaps = swap_back_actions(ns, workloads, mapping, manual)
    deletes = {a.name for a in tacts if a.kind == "PersistentVolumeClaim" and a.verb == "delete"}
    looked.append(f'namespace "{ns}" is a storage conversion (one cluster, the same namespace): '
                  f"{len(mapping)} converted PVCs, {len(swaps)} workloads pointed back at the source PVCs first")
    return swaps, still_mounted(ns, workloads, deletes, mapping)


def refuse_if_mounted(plan: Plan) -> None:
    """A storage conversion whose rollback would delete a PVC a workload still mounts after the swap back (a
    StatefulSet's volumeClaimTemplates, a Job's template): refused; MTC's rollback re-creates those itself."""
    if plan.blocked:
        raise MigError(f"plan {o.name(plan.context.plan)} is a storage conversion and its rollback would delete PVCs "
                       f"still mounted by workloads mig-rollback cannot repoint: {'; '.join(plan.blocked)}; run it "
                       "with --via-controller (MTC's rollback swaps the PVC references back first)")


def deletes_live_application(mig: dict, acts: list[Action]) -> bool:
    """Whether rolling back a migration that succeeded deletes on the target more than Velero's records: the live
    application (executing it needs --force)."""
    return o.succeeded(mig) and any(a.cluster == "target" and a.verb == "delete" and a.group != "velero"
                                                  for a in acts)


def refuse_if_empty(plan: Plan, rolled_back: bool) -> None:
    """Nothing to do on either side, and no run of ours (journal) or MTC's (a rollback MigMigration that
    succeeded) to explain it: refuse, saying what was looked at."""
    if plan.actions or rolled_back:
        return
    raise MigError(f"nothing to roll back for plan {o.name(plan.context.plan)}: " + "; ".join(plan.looked))
