"""PersistentVolumes, stricter than MTC. A volume migrated with `move` is the very same storage on both sides
(an NFS export): nothing ever gives its target PV Recycle or Delete; it is kept at Retain and only the target's
PV object is removed, as MTC's rollback does, and the source PV gets back the reclaim policy the Velero plugin
recorded in migration.openshift.io/orig-reclaim-policy (which MTC never reads back). For copied volumes the plan
states each target PV's reclaim policy as read from the cluster and what it means for the data."""

from __future__ import annotations

from .. import objects as o
from .plan import Action, left_alone, unreadable
from .resolve import PLAN_LABEL, Context, plan_pvs

MIGRATE_TYPE = "openshift.io/migrate-type"
ORIG_RECLAIM = "migration.openshift.io/orig-reclaim-policy"

FATE = {
    "Retain": "kept with its data once the PVC is deleted (Released); delete the PV and its storage by hand when sure",
    "Delete": "deleted with its data as soon as the PVC is deleted",
    "Recycle": "scrubbed (rm -rf of the volume) as soon as the PVC is deleted",
}


def plan_actions(plan: dict) -> dict:
    """PV name -> the plan's selected action (copy|move|skip), of the entries that could be read."""
    return {pv.get("name"): (pv.get("selection") or {}).get("action") or pv.get("action", "")
            for pv in plan_pvs(plan)[0]}


def _policy(pv: dict) -> str:
    pol = o.spec(pv).get("persistentVolumeReclaimPolicy")
    return pol if isinstance(pol, str) and pol else "Delete"


def _claim_ref(pv: dict) -> dict:
    """spec.claimRef, its namespace and name text ({} when it is no map; a field of another type left out)."""
    ref = o.spec(pv).get("claimRef")
    return {k: v for k, v in ref.items() if isinstance(v, str)} if isinstance(ref, dict) else {}


def moved(pv: dict, actions: dict) -> bool:
    return actions.get(o.name(pv)) == "move" or o.annotations(pv).get(MIGRATE_TYPE) == "move"


def target_pvs(ctx: Context, ns: str, objs: list[dict], pvs: list[dict]) -> list[dict]:
    """The target PVs of this namespace's migrated claims, and PVs the plan labelled (moved ones) bound here."""
    claims = {o.name(x): x for x in objs if x.get("kind") == "PersistentVolumeClaim"
              and o.labels(x).get(PLAN_LABEL) == ctx.plan_uid and o.namespace(x) in ("", ns)}
    vols = {v for c in claims.values() if isinstance(v := o.spec(c).get("volumeName"), str)} - {""}
    out = []
    for pv in pvs:
        ref = _claim_ref(pv)
        if o.name(pv) in vols or (ref.get("namespace") == ns and ref.get("name") in claims) or \
                (o.labels(pv).get(PLAN_LABEL) == ctx.plan_uid and ref.get("namespace") in (ns, None)):
            out.append(pv)
    return out


def volume_actions(ctx: Context, ns: str, src_ns: str, objs: list[dict], tpvs: list[dict], spvs: list[dict],
                   release: str | None, manual: list | None = None) -> tuple[list[Action], list[str], list[str]]:
    """(actions, lines describing each volume, warnings) for the pair (src_ns -> ns). A PV whose fields could not
    be read, or whose fate hangs on entries of the plan's spec.persistentVolumes that could not be, is left as
    it is and said in `manual`."""
    actions = plan_actions(ctx.plan)
    pvs_odd = plan_pvs(ctx.plan)[1]
    manual = [] if manual is None else manual
    acts, lines, warns = [], [], []
    for pv in target_pvs(ctx, ns, objs, tpvs):
        odd = unreadable(pv)
        if pvs_odd and not moved(pv, actions):      # copied or moved: not known
            odd.append(f"whether it was moved or copied is not known ({pvs_odd})")
        if odd:
            manual.append(left_alone(pv, "", odd, "target"))
            continue
        name, pol, ref = o.name(pv), _policy(pv), _claim_ref(pv)
        claim = f"{ref.get('namespace', ns)}/{ref.get('name', '?')}"
        rv = o.meta(pv).get("resourceVersion", "")
        if moved(pv, actions):
            lines.append(f"target PV {name} (claim {claim}) was moved: the same storage as the source PV "
                         f"{name}; reclaimPolicy {pol}" + ("" if pol == "Retain" else " -> Retain first")
                         + "; only the PV object is deleted, the data stays" + (
                             f"; --release-target-pvs ({release}) never applies to it" if release else ""))
            if pol != "Retain":
                acts.append(Action("target", "patch", "PersistentVolume", name, "", f"reclaimPolicy {pol} -> Retain",
                                   "moved volume: the source's data; nothing may recycle or delete it",
                                   "protect volumes", o.uid(pv), rv, {"spec": {"persistentVolumeReclaimPolicy": "Retain"}}, ns))
            acts.append(Action("target", "delete", "PersistentVolume", name, "", "PV object deleted (data kept)",
                               f"moved volume ({MIGRATE_TYPE}=move): the target's copy of the source PV object, "
                               "as MTC's rollback deletes it", "moved volumes", o.uid(pv), pair_ns=ns))
            continue
        if release and pol != release:
            lines.append(f"target PV {name} (claim {claim}): reclaimPolicy {pol} -> {release} (--release-target-pvs): "
                         f"{FATE[release]}")
            warns.append(f"PV {name} ({claim}) will be {FATE[release].split(' as soon')[0]}")
            acts.append(Action("target", "patch", "PersistentVolume", name, "", f"reclaimPolicy {pol} -> {release}",
                               f"bound to migrated PVC {ref.get('name')}; --release-target-pvs", "release volumes",
                               o.uid(pv), rv, {"spec": {"persistentVolumeReclaimPolicy": release}}, ns))
        else:
            lines.append(f"target PV {name} (claim {claim}): reclaimPolicy {pol} (read from the cluster): "
                         f"{FATE.get(pol, 'handled by its provisioner')}")
            if pol in ("Delete", "Recycle"):
                warns.append(f"PV {name} ({claim}) has reclaimPolicy {pol}: its data goes with the PVC")
    for pv in spvs:
        ann, ref = o.annotations(pv), _claim_ref(pv)
        if ref.get("namespace") != src_ns or ORIG_RECLAIM not in ann or not moved(pv, actions):
            continue
        odd = unreadable(pv)
        if odd:
            manual.append(left_alone(pv, "", odd, "source"))
            continue
        pol, want = _policy(pv), ann[ORIG_RECLAIM]
        lines.append(f"source PV {o.name(pv)} (claim {src_ns}/{ref.get('name')}): reclaimPolicy {pol} -> {want}, "
                     f"the value {ORIG_RECLAIM} recorded before the move")
        acts.append(Action("source", "patch", "PersistentVolume", o.name(pv), "", f"reclaimPolicy {pol} -> {want}",
                           f"{ORIG_RECLAIM}={want} (set to Retain by the Velero plugin for the move)",
                           "restore volumes", o.uid(pv), o.meta(pv).get("resourceVersion", ""),
                           {"metadata": {"annotations": {ORIG_RECLAIM: None}},
                            "spec": {"persistentVolumeReclaimPolicy": want}}, src_ns))
    return acts, lines, warns
