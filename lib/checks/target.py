"""Check 9: after a completed final migration, the target really has what the source had."""

from __future__ import annotations

from collections.abc import Iterator

from .. import objects as o
from ..facts import Facts
from .registry import Finding, check, ref

KINDS = ("Deployment", "StatefulSet", "DeploymentConfig", "PersistentVolumeClaim", "Service")


@check("target-incomplete", kinds={"target": ("Namespace",)},
       app_kinds={"source": KINDS, "target": KINDS + ("Pod",)}, data_not_copied=("target-incomplete",))
def target_has_everything(f: Facts) -> Iterator[Finding]:
    # only what MTC says succeeded: a canceled migration ends Completed with Succeeded too (migrate.go), and what it
    # left on the target is what the cancel left (CAM 1.2's Cancel itinerary even deleted it: DeleteMigrated)
    if not (f.is_final() and o.completed_ok(f.mig)
            and f.reachable("source") and f.reachable("target")):
        return
    if f.rolled_back() is not None:
        return      # MTC's rollback since deleted what it migrated (DeleteMigrated): MTC still says it succeeded
    pairs = f.namespace_pairs()
    ev, objs = [], []
    tns = {o.name(n) for n in f.listed("target", "Namespace")}
    for _s, d in pairs:
        if d not in tns:
            ev.append(f"namespace {d} does not exist on the target")
    for kind in KINDS:
        src = f.app("source", kind)
        tgt = f.app("target", kind)
        names = {o.name(x) for x in tgt}
        lost = [x for x in src if o.name(x) not in names]
        if lost:
            ev.append(f"{kind}: {len(src)} on the source, {len(tgt)} on the target; missing "
                      + ", ".join(f"{o.namespace(x)}/{o.name(x)}" for x in lost[:10]))
            objs += [ref(x) for x in lost[:10]]
        if kind == "PersistentVolumeClaim":
            by_name = {(o.name(x)): x for x in src}
            for pvc in tgt:
                want = by_name.get(o.name(pvc))
                if o.phase(pvc) != "Bound":
                    ev.append(f"PVC {o.namespace(pvc)}/{o.name(pvc)} is {o.phase(pvc) or 'Pending'} on the target")
                    objs.append(ref(pvc))
                expected_sc = _planned_class(f, o.name(pvc)) or (o.spec(want).get("storageClassName") if want else None)
                if expected_sc and o.spec(pvc).get("storageClassName") not in (expected_sc, None):
                    ev.append(f"PVC {o.namespace(pvc)}/{o.name(pvc)}: storage class "
                              f"{o.spec(pvc).get('storageClassName')}, expected {expected_sc}")
                if want and _size(want) and _size(pvc) and _size(pvc) != _size(want):
                    ev.append(f"PVC {o.namespace(pvc)}/{o.name(pvc)}: size {_size(pvc)}, source {_size(want)}")
    for p in f.app("target", "Pod"):
        if o.phase(p) not in ("Running", "Succeeded"):
            ev.append(f"Pod {o.namespace(p)}/{o.name(p)} is {o.phase(p) or 'Pending'} on the target")
            objs.append(ref(p))
    if ev:
        yield Finding(id="target-incomplete", severity="error",
                      title="the target does not have everything the source had", cluster="target",
                      objects=objs, evidence=ev, fix=[f"oc get all,pvc -n {d} --context <target>" for _, d in pairs])


def _planned_class(f, pvc_name: str) -> str | None:
    for pv in o.maps(o.spec(f.plan or {}).get("persistentVolumes")):
        if str(o.dig(pv, "pvc", "name", default="")).split(":")[-1] == pvc_name:
            sc = o.dig(pv, "selection", "storageClass")
            return sc if isinstance(sc, str) else None
    return None


def _size(pvc: dict) -> str:
    return str(o.dig(pvc, "spec", "resources", "requests", "storage", default=""))
