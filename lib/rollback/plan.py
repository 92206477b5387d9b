"""The rollback as a list of actions computed from plain dicts: what changes, before -> after, why.
Nothing here writes; the same function re-run on a half-done rollback yields only what remains."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .. import objects as o
from ..mtc import RUN_STRATEGY, START_VM, VM_SUBRESOURCE, stopped_vm
from .resolve import PLAN_LABEL, Context

REPLICAS = "migration.openshift.io/preQuiesceReplicas"
PAUSED = "migration.openshift.io/preQuiescePaused"
SUSPEND = "migration.openshift.io/preQuiesceSuspend"
NODE_SELECTOR = "migration.openshift.io/preQuiesceNodeSelector"
QUIESCE_KEY = "migration.openshift.io/quiesceDaemonSet"
OLD_QUIESCE_KEY = "openshift.io/quiesceDaemonSet"        # CAM 1.0-1.1: value "quiesce", the old selector untouched
DC_LABEL = "openshift.io/deployment-config.name"
DEPLOYER_LABEL = "openshift.io/deployer-pod-for.name"

# Deletion order on the target: workloads first, PVCs last.
GROUPS = (
    ("workloads", {"DeploymentConfig", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                   "Job", "CronJob", "Pod", "HorizontalPodAutoscaler", "BuildConfig", "Build"}),
    ("services and routes", {"Service", "Route", "Ingress", "Endpoints", "EndpointSlice", "NetworkPolicy"}),
    ("config", None),   # everything else
    ("secrets", {"Secret"}),
    ("persistent volume claims", {"PersistentVolumeClaim"}),
)
# The whole run, in order: MTC's leftovers (stage pods before anything is scaled up, as MTC's own rollback does),
# then per namespace the target's migrated objects and the source's volumes and workloads.
ORDER = ("velero", "mtc leftovers", "protect volumes", "swap back", "workloads", "services and routes", "config", "secrets",
         "release volumes", "persistent volume claims", "moved volumes", "restore volumes", "restore")
NEVER_DELETE = {"Event", "Namespace", "LocalSubjectAccessReview", "Binding", "ControllerRevision", "EndpointSlice",
                "Endpoints", "PodMetrics", "PersistentVolume"}
SCALABLE = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController")
# Storage conversion: the kinds whose pod template a merge patch repoints (as mig-controller's swap*PVCRefs). A
# StatefulSet's volumeClaimTemplates are immutable (MTC re-creates it) and a Job's template too: not swapped here.
SWAPPABLE = ("Deployment", "DeploymentConfig", "ReplicaSet", "DaemonSet", "CronJob")


@dataclass
class Action:
    cluster: str            # source | target
    verb: str               # delete | patch | request-deletion (a Velero DeleteBackupRequest) | start (a KubeVirt VM)
    kind: str
    name: str
    namespace: str
    change: str             # before -> after, for people
    reason: str
    group: str = ""
    uid: str = ""
    resource_version: str = ""
    patch: dict = field(default_factory=dict)
    pair_ns: str = ""       # for cluster-scoped objects: the namespace whose rollback they belong to

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.verb}/{self.kind}/{self.namespace}/{self.name}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    actions: list
    manual: list            # steps left to the user, with why
    context: Context
    looked: list = field(default_factory=list)      # what was read on each side, and what it held
    volumes: list = field(default_factory=list)     # each migrated volume: reclaim policy and what happens to its data
    warnings: list = field(default_factory=list)    # what the user must know before saying yes
    controller: str = ""                            # how MTC's own rollback would do it
    blocked: list = field(default_factory=list)     # storage conversion: `kind ns/name -> PVC` still mounted

    def by_cluster(self, cluster: str) -> list:
        return [a for a in self.actions if a.cluster == cluster]


def group_of(kind: str) -> str:
    for name, kinds in GROUPS:
        if kinds and kind in kinds:
            return name
    return "config"


def owner_uids(x: dict, kind: str) -> set:
    return {r.get("uid") for r in o.maps(o.meta(x).get("ownerReferences"))
            if r.get("kind") == kind and isinstance(r.get("uid"), str)}


def _type(v) -> str:
    return "a number" if isinstance(v, (int, float)) and not isinstance(v, bool) else f"a {type(v).__name__}"


# The fields of a kind the rollback reads before it changes an object of it, with their types (an int is no bool).
FIELDS: dict = {
    **{k: [(("spec", "replicas"), int)] for k in SCALABLE},
    "Deployment": [(("spec", "replicas"), int), (("spec", "paused"), bool)],
    "DeploymentConfig": [(("spec", "replicas"), int), (("spec", "paused"), bool)],
    "Job": [(("spec", "parallelism"), int)],
    "CronJob": [(("spec", "suspend"), bool)],
    "DaemonSet": [(("spec", "template", "spec", "nodeSelector"), dict)],
    "VirtualMachine": [(("spec", "running"), bool), (("spec", "runStrategy"), str),
                       (("status", "stateChangeRequests"), list)],
    "PersistentVolume": [(("spec", "claimRef"), dict), (("spec", "persistentVolumeReclaimPolicy"), str)],
}


def unreadable(x: dict, fields: list | None = None) -> list[str]:
    """The fields of object `x` the rollback reads before it changes it, of a type the API server never sends
    (its name, uid, resourceVersion, annotations, ownerReferences, and those FIELDS lists for its kind, or
    `fields`): an object with any is left alone, never changed from a guess."""
    out = []
    md = x.get("metadata")
    if not isinstance(md, dict):
        return [f"metadata is {_type(md)}"]
    if not isinstance(md.get("name"), str) or not md.get("name"):
        out.append("metadata.name is " + ("empty" if md.get("name") in (None, "") else _type(md.get("name"))))
    for k in ("uid", "resourceVersion"):
        if md.get(k) is not None and not isinstance(md.get(k), str):
            out.append(f"metadata.{k} is {_type(md.get(k))}")
    ann = md.get("annotations")
    if ann is not None and not isinstance(ann, dict):
        out.append(f"metadata.annotations is {_type(ann)}")
    elif ann:
        out += [f"annotation {k} is {_type(v)}" for k, v in ann.items() if not isinstance(v, str)]
    refs = md.get("ownerReferences")
    if refs is not None and (not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs)):
        out.append(f"metadata.ownerReferences is {_type(refs)}" if not isinstance(refs, list) else
                   "metadata.ownerReferences holds entries that are not maps")
    kind = x.get("kind")
    for path, want in (FIELDS.get(kind, []) if isinstance(kind, str) else []) if fields is None else fields:
        v: object = x
        for i, step in enumerate(path):
            if v is None:
                break
            if not isinstance(v, dict):
                out.append(f"{'.'.join(path[:i])} is {_type(v)}")
                break
            v = v.get(step)
        else:
            if v is not None and (not isinstance(v, want) or (want is int and isinstance(v, bool))):
                out.append(f"{'.'.join(path)} is {_type(v)}")
    return out


def left_alone(x: dict, ns: str, odd: list[str], cluster: str = "") -> str:
    """The manual line for an object whose fields could not be read: what was odd, and that it was not changed."""
    where = f"{ns}/" if ns else ""
    return (f"{x.get('kind')} {where}{o.name(x) or '?'}" + (f" ({cluster})" if cluster else "")
            + f": {'; '.join(odd)}, not the type the API server sends: not read, so left as it is; check it "
            "and roll it back by hand")


def _older_than_its_deletion(rc: dict, dcname: str | None, gone: dict) -> bool:
    """An RC without owner references (older clusters) of a DeploymentConfig an interrupted run deleted: ours
    only if it existed before that deletion began. One created since belongs to a DeploymentConfig re-created
    under the same name."""
    born = o.created(rc)
    for name, when in gone.values():
        started = o.parse_time(when)
        if name == dcname and born and started and born < started:
            return True
    return False


def proven_dc_leftovers(ctx: Context, ns: str, objs: list[dict], journaled_dcs: dict | None = None) -> dict:
    """(kind, name) -> why, for ReplicationControllers and pods of migrated DeploymentConfigs.

    An RC is ours when it is owned by a labelled DeploymentConfig (or one an interrupted run deleted, by UID),
    or, without owner references, carries the name of a labelled DeploymentConfig still present. A pod is ours
    only when its owner is such an RC and it carries that RC's deployer or deployment labels: an `oc debug`
    copy has the DeploymentConfig's labels but no owner, and is left alone."""
    dcs = {o.uid(x): o.name(x) for x in objs if x.get("kind") == "DeploymentConfig"
           and o.labels(x).get(PLAN_LABEL) == ctx.plan_uid and o.namespace(x) in ("", ns)}
    gone = dict(journaled_dcs or {})        # uid -> (name, time its deletion started)
    out, rcs = {}, {}
    for x in objs:
        if x.get("kind") != "ReplicationController" or o.namespace(x) not in ("", ns):
            continue
        dcname = o.labels(x).get(DC_LABEL)
        owners = owner_uids(x, "DeploymentConfig")
        mine = owners & (set(dcs) | set(gone))
        if not owners and (dcname in dcs.values() or _older_than_its_deletion(x, dcname, gone)):
            mine = {dcname}
        if mine:
            rcs[o.uid(x)] = o.name(x)
            out[("ReplicationController", o.name(x))] = f"deployment of migrated DeploymentConfig {dcname}"
    for x in objs:
        if x.get("kind") != "Pod" or o.namespace(x) not in ("", ns):
            continue
        owned = owner_uids(x, "ReplicationController") & set(rcs)
        lb = o.labels(x)
        names = {rcs[u] for u in owned}
        if owned and (lb.get(DEPLOYER_LABEL) in names or lb.get("deployment") in names):
            out[("Pod", o.name(x))] = f"pod of {min(names)}, a deployment of a migrated DeploymentConfig"
    return out


def target_actions(ctx: Context, ns: str, objs: list[dict], stop_daemonsets: bool,
                   journaled_dcs: dict | None = None, skip: set | None = None,
                   manual: list | None = None) -> list[Action]:
    """Delete what carries the plan's label in destination namespace `ns` (and DeploymentConfigs' leftovers);
    optionally stop DaemonSets instead. `skip`: (kind, name) planned elsewhere (MTC leftovers). An object whose
    fields could not be read is left alone, said in `manual`."""
    acts: list[Action] = []
    leftovers = proven_dc_leftovers(ctx, ns, objs, journaled_dcs)
    seen = set(skip or ())
    for x in objs:
        kind = str(x.get("kind") or "")
        if (kind, o.name(x)) in seen or (o.namespace(x) and o.namespace(x) != ns):
            continue
        seen.add((kind, o.name(x)))
        if o.labels(x).get(PLAN_LABEL) == ctx.plan_uid:
            why = f"carries {PLAN_LABEL}={ctx.plan_uid}"
        elif (kind, o.name(x)) in leftovers:
            why = leftovers[(kind, o.name(x))]
        else:
            continue
        if kind in NEVER_DELETE:
            continue
        odd = unreadable(x, FIELDS["DaemonSet"] if kind == "DaemonSet" and stop_daemonsets else [])
        if odd:
            if manual is not None:
                manual.append(left_alone(x, ns, odd, "target"))
            continue
        if kind == "DaemonSet" and stop_daemonsets:
            sel = o.dig(x, "spec", "template", "spec", "nodeSelector") or {}
            if sel.get(QUIESCE_KEY) == "true":
                continue
            acts.append(Action("target", "patch", kind, o.name(x), ns,
                               f"nodeSelector {json.dumps(sel)} -> {{{QUIESCE_KEY}: \"true\"}}",
                               "stop the DaemonSet without deleting it (a nodeSelector no node matches)", "workloads",
                               o.uid(x), o.meta(x).get("resourceVersion", ""),
                               {"metadata": {"annotations": {NODE_SELECTOR: json.dumps(sel)}},
                                "spec": {"template": {"spec": {"nodeSelector": {
                                    **{k: None for k in sel}, QUIESCE_KEY: "true"}}}}}))
            continue
        acts.append(Action("target", "delete", kind, o.name(x), ns, "exists -> deleted", why, group_of(kind), o.uid(x)))
    return acts


def _scale_action(x: dict, ann: dict, spec: dict, base: dict, replicas: int | None, ns: str, manual: list):
    kind = str(x.get("kind") or "")
    cur = int(spec.get("replicas") or 0)
    if REPLICAS in ann:
        try:
            want = int(ann[REPLICAS])
        except ValueError:
            manual.append(f"{kind} {ns}/{o.name(x)}: {REPLICAS}={ann[REPLICAS]!r} is not a number; scale it by hand")
            return None
        patch: dict = {"metadata": {"annotations": {REPLICAS: None, PAUSED: None}}}
        change = f"replicas {cur} -> {want if cur == 0 else cur}"
        if cur == 0:
            patch["spec"] = {"replicas": want}
        if PAUSED in ann and kind in ("Deployment", "DeploymentConfig"):
            was = ann[PAUSED] == "true"
            patch.setdefault("spec", {})["paused"] = was
            change += f", paused {spec.get('paused', False)} -> {was}"
        return Action(change=change, reason=f"{REPLICAS}={want}", patch=patch, **base)
    if cur == 0 and replicas is not None:
        return Action(change=f"replicas 0 -> {replicas}", reason="--replicas (no annotation kept the original count)",
                      patch={"spec": {"replicas": replicas}}, **base)
    if cur == 0:
        manual.append(f"{kind} {ns}/{o.name(x)} has 0 replicas and no {REPLICAS} annotation: "
                      f"oc scale --replicas=1 {kind.lower()}/{o.name(x)} -n {ns} (or --replicas N)")
    return None


def _daemonset_action(x: dict, ann: dict, base: dict, ns: str, manual: list):
    cur = o.dig(x, "spec", "template", "spec", "nodeSelector") or {}
    if OLD_QUIESCE_KEY in cur and NODE_SELECTOR not in ann:
        orig = {k: v for k, v in cur.items() if k != OLD_QUIESCE_KEY}
        return Action(change=f"nodeSelector {json.dumps(cur)} -> {json.dumps(orig)}",
                      reason=f"{OLD_QUIESCE_KEY} (CAM 1.1 and earlier quiesced DaemonSets with it)",
                      patch={"spec": {"template": {"spec": {"nodeSelector": {OLD_QUIESCE_KEY: None}}}}}, **base)
    if QUIESCE_KEY not in cur:      # not held down: mig-controller's unquiesce skips it, annotation or not
        return None
    if NODE_SELECTOR not in ann:    # held down, the original unknown: only MTC's key goes, as nothing else is known
        manual.append(f"DaemonSet {ns}/{o.name(x)} has the {QUIESCE_KEY} nodeSelector but no {NODE_SELECTOR} "
                      "annotation: only that key is removed; check its nodeSelector")
        rest = {k: v for k, v in cur.items() if k != QUIESCE_KEY}
        return Action(change=f"nodeSelector {json.dumps(cur)} -> {json.dumps(rest)}",
                      reason=f"{QUIESCE_KEY} without {NODE_SELECTOR}",
                      patch={"spec": {"template": {"spec": {"nodeSelector": {QUIESCE_KEY: None}}}}}, **base)
    try:
        orig = json.loads(ann.get(NODE_SELECTOR) or "{}") or {}
    except ValueError:
        manual.append(f"DaemonSet {ns}/{o.name(x)}: {NODE_SELECTOR} is not JSON; set its nodeSelector by hand")
        return None
    if not isinstance(orig, dict):      # JSON of another shape (a list, a number, text)
        manual.append(f"DaemonSet {ns}/{o.name(x)}: {NODE_SELECTOR} is not a JSON map; set its nodeSelector by hand")
        return None
    sel = {k: None for k in cur if k not in orig}
    sel.update(orig)
    return Action(change=f"nodeSelector {json.dumps(cur)} -> {json.dumps(orig)}", reason=NODE_SELECTOR,
                  patch={"metadata": {"annotations": {NODE_SELECTOR: None}},
                         "spec": {"template": {"spec": {"nodeSelector": sel or None}}}}, **base)


def _template(x: dict) -> dict:
    return o.dig(x, "spec", "jobTemplate", "spec", "template") if x.get("kind") == "CronJob" else o.dig(x, "spec", "template")


def swappable(x: dict) -> bool:
    return x.get("kind") in SWAPPABLE and not (x.get("kind") == "ReplicaSet" and o.meta(x).get("ownerReferences"))


def _volumes_odd(x: dict) -> str:
    """What is wrong with the pod template volumes of workload `x` ('' when they read as a list of maps)."""
    tpl = ["spec", "jobTemplate", "spec", "template"] if x.get("kind") == "CronJob" else ["spec", "template"]
    return "; ".join(unreadable(x, [((*tpl, "spec", "volumes"), list)])) or (
        "its pod template's volumes hold entries that are not maps"
        if any(not isinstance(v, dict) for v in o.items(o.dig(_template(x), "spec", "volumes"))) else "")


def swap_back_actions(ns: str, objs: list[dict], mapping: dict, manual: list | None = None) -> list[Action]:
    """Storage conversion: each workload of `ns` whose pod template mounts a converted PVC (`mapping`: converted
    name -> source name) is pointed back at the source PVC before the converted one is deleted, as MTC's rollback
    runs SwapPVCReferences before DeleteMigrated. The whole volumes list goes in the patch (a merge patch replaces
    lists), every other volume as it is."""
    acts = []
    for x in objs:
        if (o.namespace(x) and o.namespace(x) != ns) or not swappable(x):
            continue
        odd = _volumes_odd(x) or "; ".join(unreadable(x))
        if odd:
            if manual is not None and mapping:
                manual.append(left_alone(x, ns, [odd], "target"))
            continue
        vols = o.maps(o.dig(_template(x), "spec", "volumes"))
        swaps = [(o.dig(v, "persistentVolumeClaim", "claimName"), v) for v in vols]
        swaps = [(c, v) for c, v in swaps if isinstance(c, str) and c in mapping]
        if not swaps:
            continue
        new = [{**v, "persistentVolumeClaim": {**v["persistentVolumeClaim"], "claimName": mapping[c]}}
               if isinstance(c := o.dig(v, "persistentVolumeClaim", "claimName"), str) and c in mapping else v
               for v in vols]
        patch: dict = {"spec": {"template": {"spec": {"volumes": new}}}}
        if x.get("kind") == "CronJob":
            patch = {"spec": {"jobTemplate": patch}}
        acts.append(Action("target", "patch", str(x.get("kind")), o.name(x), ns,
                           ", ".join(f"claimName {c} -> {mapping[c]}" for c, _ in swaps),
                           "storage conversion: its pods mount the converted PVC; pointed back at the source PVC "
                           "before the converted one is deleted (MTC's rollback: SwapPVCReferences)", "swap back",
                           o.uid(x), o.meta(x).get("resourceVersion", ""), patch))
    return sorted(acts, key=lambda a: (a.kind, a.name))


def still_mounted(ns: str, objs: list[dict], claims: set, mapping: dict) -> list[str]:
    """`kind ns/name -> claim` for each workload of `ns` whose pods would still mount one of `claims` (PVCs the plan
    deletes) once the swap back is done: what the swap cannot repoint (a StatefulSet, a Job, a VM). An object whose
    owner is among `objs` (a Deployment's ReplicaSet, a CronJob's finished Job) is its owner's to answer for."""
    out = []
    here = {(x.get("kind"), o.name(x)) for x in objs if not o.namespace(x) or o.namespace(x) == ns}
    for x in objs:
        if o.namespace(x) and o.namespace(x) != ns:
            continue
        if any((r.get("kind"), r.get("name")) in here for r in o.maps(o.meta(x).get("ownerReferences"))) \
                and (x.get("kind") != "Job" or o.has_condition(x, "Complete") or o.has_condition(x, "Failed")):
            continue
        odd = _volumes_odd(x) if claims else ""
        if odd:                 # what it mounts is not known: as if it mounted a PVC to delete
            out.append(f"{x.get('kind')} {ns}/{o.name(x)} -> ? ({odd})")
            continue
        c = mounted_claim(x, claims - set(mapping) if swappable(x) and not unreadable(x) else claims)
        if c:
            out.append(f"{x.get('kind')} {ns}/{o.name(x)} -> {c}")
    return sorted(out)


def mounted_claim(x: dict, claims: set) -> str:
    """The first of `claims` the pod template of workload `x` mounts (a StatefulSet's also through its
    volumeClaimTemplates, `<template>-<name>-<ordinal>`), or ''."""
    tpl = _template(x)
    for v in o.maps(o.dig(tpl, "spec", "volumes")):
        name = o.dig(v, "persistentVolumeClaim", "claimName")
        if x.get("kind") == "VirtualMachine" and not name:     # MC-1.8 quiesce.go: a VM's DataVolume too
            name = o.dig(v, "dataVolume", "name")
        if isinstance(name, str) and name in claims:
            return name
    if x.get("kind") == "StatefulSet":
        for t in o.maps(o.spec(x).get("volumeClaimTemplates")):
            prefix = f"{o.name(t)}-{o.name(x)}-"
            found = sorted(c for c in claims if c.startswith(prefix) and c[len(prefix):].isdigit())
            if found:
                return found[0]
    return ""


def run_strategy(vm: dict) -> str:
    """KubeVirt's VirtualMachine.RunStrategy() (api core/v1 types.go): spec.running true Always, false Halted; else
    spec.runStrategy; else Halted."""
    spec = o.spec(vm)
    if spec.get("running") is not None:
        return "Always" if spec["running"] else "Halted"
    return str(spec.get("runStrategy") or "Halted")


def _start_pending(vm: dict) -> bool:
    return any(r.get("action") == "Start" for r in o.maps(o.status(vm).get("stateChangeRequests")))


def vm_actions(x: dict, ns: str, active: bool) -> list[Action]:
    """A KubeVirt VirtualMachine MTC 1.8 stopped (MC-1.8 quiesce.go startVM): only one carrying START_VM=true.
    Started through its `start` subresource first, then spec.runStrategy back from RUN_STRATEGY and both
    annotations removed. mig-controller does the update first: a runStrategy Always restored before the start makes
    KubeVirt refuse it (409, "Always does not support manual start requests", virt-api rest/lifecycle.go), and an
    interrupted run would leave a stopped VM without the annotations that prove it ours. KubeVirt accepts the start
    of a VM MTC's stop left Halted (it sets runStrategy Always, or spec.running true) or Manual/RerunOnFailure (a
    start request in status.stateChangeRequests).
    Not started again, only the annotations removed (and its runStrategy restored): a VM still running (a live pod of
    its VirtualMachineInstance, as mig-controller's isVMActive: MTC's stop did not happen), one whose runStrategy
    Always or Once runs it (KubeVirt refuses their manual start: an earlier run started it), one with a start
    request pending (an earlier run asked)."""
    ann = o.annotations(x)
    if not stopped_vm(x):
        return []
    base = {"cluster": "source", "kind": "VirtualMachine", "name": o.name(x), "namespace": ns, "uid": o.uid(x),
            "resource_version": o.meta(x).get("resourceVersion", ""), "group": "restore"}
    rs = run_strategy(x)
    started = ("running already (a pod of its VirtualMachineInstance)" if active else
               f"runStrategy {rs} runs it" if rs in ("Always", "Once") else
               "a start request is pending" if _start_pending(x) else "")
    acts = []
    if not started:
        acts.append(Action(verb="start", change=f"stopped (runStrategy {rs}) -> started: PUT "
                           + VM_SUBRESOURCE.format(namespace=ns, name=o.name(x), action="start"),
                           reason=f"{START_VM}=true (MTC stopped it)", **base))
    patch: dict = {"metadata": {"annotations": {START_VM: None, RUN_STRATEGY: None}}}
    change = "annotations removed"
    if RUN_STRATEGY in ann:
        patch["spec"] = {"runStrategy": ann[RUN_STRATEGY]}
        change = f"runStrategy {o.spec(x).get('runStrategy')} -> {ann[RUN_STRATEGY]}, " + change
    why = f"{START_VM}=true" + (f", {RUN_STRATEGY}={ann[RUN_STRATEGY]}" if RUN_STRATEGY in ann else "")
    if started:
        why += f"; {started}: not started again"
    acts.append(Action(verb="patch", change=change, reason=why, patch=patch, **base))
    return acts


def _undo(x: dict, ns: str, replicas: int | None, manual: list, active_vms: set) -> list[Action]:
    if x.get("kind") == "VirtualMachine":
        return vm_actions(x, ns, (ns, o.name(x)) in active_vms)
    a = _source_action(x, ns, replicas, manual)
    return [a] if a else []


def source_actions(ctx: Context, ns: str, objs: list[dict], replicas: int | None, active_vms: set) \
        -> tuple[list[Action], list[str], list[str]]:
    """Undo the quiesce in source namespace `ns` from what mig-controller wrote; never delete anything. When other
    MigPlans list `ns` too, only the workloads mounting one of this plan's copied PVCs (as MTC 1.8's unquiesce):
    the others may be another plan's to restore, so they are said, not changed. Returns the actions, what is left
    for a person, and the workloads left for another plan (kind/name)."""
    acts: list[Action] = []
    manual: list[str] = []
    left: list[str] = []
    others = ctx.sharing.get(ns) or []
    claims = ctx.copied_pvcs(ns) if others else set()
    for x in objs:
        if o.namespace(x) and o.namespace(x) != ns:
            continue
        odd = unreadable(x)
        if odd:
            manual.append(left_alone(x, ns, odd, "source"))
            continue
        if others and not mounted_claim(x, claims):
            for a in _undo(x, ns, replicas, [], active_vms)[:1]:
                left.append(f"{a.kind}/{a.name}")
                manual.append(f"{a.kind} {ns}/{a.name} is held down but left as it is (it would be {a.change}): "
                              f"MigPlan {', '.join(others)} also migrates namespace {ns} and its pods mount none of "
                              f"the PVCs plan {o.name(ctx.plan)} copies, so it may be another plan's (MTC 1.8 "
                              "unquiesces only the workloads mounting the plan's PVCs); restore it by hand if it is "
                              "this plan's")
            continue
        acts += _undo(x, ns, replicas, manual, active_vms)
    return sorted(acts, key=lambda a: (a.kind, a.name)), manual, sorted(left)


def _source_action(x: dict, ns: str, replicas: int | None, manual: list) -> Action | None:
    """The source action undoing the quiesce of `x`, or None (what needs a person goes to `manual`)."""
    kind, ann, spec = x.get("kind"), o.annotations(x), o.spec(x)
    rv = o.meta(x).get("resourceVersion", "")
    base = {"cluster": "source", "verb": "patch", "kind": kind, "name": o.name(x), "namespace": ns,
            "uid": o.uid(x), "resource_version": rv, "group": "restore"}
    a = None
    if kind in SCALABLE:
        if kind in ("ReplicaSet", "ReplicationController") and o.meta(x).get("ownerReferences"):
            return None
        a = _scale_action(x, ann, spec, base, replicas, ns, manual)
    elif kind == "CronJob" and SUSPEND in ann:
        a = Action(change=f"suspend {spec.get('suspend')} -> false", reason=f"{SUSPEND}",
                   patch={"metadata": {"annotations": {SUSPEND: None}}, "spec": {"suspend": False}}, **base)
    elif kind == "CronJob" and spec.get("suspend"):
        manual.append(f"CronJob {ns}/{o.name(x)} is suspended without {SUSPEND} (CAM 1.1 and earlier suspended "
                      "every CronJob without recording it): if it ran before the migration, "
                      f"oc patch cronjob/{o.name(x)} -n {ns} -p '{{\"spec\":{{\"suspend\":false}}}}'")
    elif kind == "Job" and REPLICAS in ann:
        if not (ann[REPLICAS].isascii() and ann[REPLICAS].isdigit()):     # "²" is a digit int() refuses
            manual.append(f"Job {ns}/{o.name(x)}: {REPLICAS}={ann[REPLICAS]!r} is not a number; set its "
                          "parallelism by hand")
            return None
        want = int(ann[REPLICAS])
        patch: dict = {"metadata": {"annotations": {REPLICAS: None}}}
        cur = spec.get("parallelism")
        if cur == 0:            # as mig-controller's unquiesce: only a parallelism still 0 is set back
            patch["spec"] = {"parallelism": want}
            change = f"parallelism 0 -> {want}"
        else:                   # changed since the quiesce (or defaulted to 1): left as it is
            change = f"parallelism {cur if cur is not None else 1} (not 0: kept), annotation removed"
        a = Action(change=change, reason=f"{REPLICAS}={want}", patch=patch, **base)
    elif kind == "DaemonSet":
        a = _daemonset_action(x, ann, base, ns, manual)
    return a


def order(acts: list[Action], pairs: list) -> list[Action]:
    """Cluster-wide leftovers first, then namespace pair by pair: each group in ORDER, target before source."""
    index: dict = {}
    for i, (s, d) in enumerate(pairs):
        index.setdefault(d, i)
        index.setdefault(s, i)

    def key(a: Action):
        ns = index.get(a.pair_ns or a.namespace, -1)
        return (ns, ORDER.index(a.group), a.cluster != "target", a.kind == "DeploymentConfig", a.kind, a.name)
    return sorted(acts, key=key)
