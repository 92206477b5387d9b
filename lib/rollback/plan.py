"""The rollback as a list of actions computed from plain dicts: what changes, before -> after, why.
Nothing here writes; the same function re-run on a half-done rollback yields only what remains."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .. import objects as o
from .resolve import PLAN_LABEL, Context

REPLICAS = "migration.openshift.io/preQuiesceReplicas"
PAUSED = "migration.openshift.io/preQuiescePaused"
SUSPEND = "migration.openshift.io/preQuiesceSuspend"
NODE_SELECTOR = "migration.openshift.io/preQuiesceNodeSelector"
QUIESCE_KEY = "migration.openshift.io/quiesceDaemonSet"

# Deletion order on the target: workloads first, PVCs last.
GROUPS = (
    ("workloads", {"DeploymentConfig", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                   "Job", "CronJob", "Pod", "HorizontalPodAutoscaler", "BuildConfig", "Build"}),
    ("services and routes", {"Service", "Route", "Ingress", "Endpoints", "EndpointSlice", "NetworkPolicy"}),
    ("config", None),   # everything else
    ("secrets", {"Secret"}),
    ("persistent volume claims", {"PersistentVolumeClaim"}),
)
NEVER_DELETE = {"Event", "Namespace", "LocalSubjectAccessReview", "Binding", "ControllerRevision", "EndpointSlice",
                "Endpoints", "PodMetrics"}
SCALABLE = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController")


@dataclass
class Action:
    cluster: str            # source | target
    verb: str               # delete | patch
    kind: str
    name: str
    namespace: str
    change: str             # before -> after, for people
    reason: str
    group: str = ""
    uid: str = ""
    resource_version: str = ""
    patch: dict = field(default_factory=dict)

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

    def by_cluster(self, cluster: str) -> list:
        return [a for a in self.actions if a.cluster == cluster]


def _group_of(kind: str) -> str:
    for name, kinds in GROUPS:
        if kinds and kind in kinds:
            return name
    return "config"


def target_actions(ctx: Context, objs: list[dict], pvs: list[dict], stop_daemonsets: bool,
                   release: str | None, journaled_dcs: set | None = None) -> list[Action]:
    """Delete what carries the plan's label (and DeploymentConfigs' leftovers); optionally stop DaemonSets
    instead and release the PVs of labelled PVCs. `journaled_dcs`: labelled DeploymentConfigs an
    interrupted run already deleted, whose leftovers are still ours."""
    acts: list[Action] = []
    labelled = [x for x in objs if o.labels(x).get(PLAN_LABEL) == ctx.plan_uid]
    dcs = {o.name(x) for x in labelled if x.get("kind") == "DeploymentConfig"} | set(journaled_dcs or ())
    names = {(x.get("kind"), o.name(x)) for x in labelled}
    rcs = {o.name(x) for x in objs if x.get("kind") == "ReplicationController"
           and o.labels(x).get("openshift.io/deployment-config.name") in dcs}
    for x in objs:
        kind, lb = x.get("kind"), o.labels(x)
        proven = (kind, o.name(x)) in names
        why = f"carries {PLAN_LABEL}={ctx.plan_uid}"
        if not proven and kind == "ReplicationController" and o.name(x) in rcs:
            proven, why = True, f"deployment of migrated DeploymentConfig {lb['openshift.io/deployment-config.name']}"
        elif not proven and kind == "Pod" and (lb.get("openshift.io/deployer-pod-for.name") in rcs
                                              or lb.get("deploymentconfig") in dcs):
            proven, why = True, "pod of a migrated DeploymentConfig"
        if not proven or kind in NEVER_DELETE:
            continue
        if kind == "DaemonSet" and stop_daemonsets:
            sel = o.dig(x, "spec", "template", "spec", "nodeSelector") or {}
            if sel.get(QUIESCE_KEY) == "true":
                continue
            acts.append(Action("target", "patch", kind, o.name(x), ctx.dest_ns,
                               f"nodeSelector {json.dumps(sel)} -> {{{QUIESCE_KEY}: \"true\"}}",
                               "stop the DaemonSet without deleting it (a nodeSelector no node matches)", "workloads",
                               o.uid(x), o.meta(x).get("resourceVersion", ""),
                               {"metadata": {"annotations": {NODE_SELECTOR: json.dumps(sel)}},
                                "spec": {"template": {"spec": {"nodeSelector": {
                                    **{k: None for k in sel}, QUIESCE_KEY: "true"}}}}}))
            continue
        acts.append(Action("target", "delete", kind, o.name(x), ctx.dest_ns, "exists -> deleted", why,
                           _group_of(kind), o.uid(x)))
    if release:
        claims = {o.name(x) for x in labelled if x.get("kind") == "PersistentVolumeClaim"}
        for pv in pvs:
            ref = o.spec(pv).get("claimRef") or {}
            if ref.get("namespace") == ctx.dest_ns and ref.get("name") in claims:
                cur = o.spec(pv).get("persistentVolumeReclaimPolicy")
                if cur != release:
                    acts.append(Action("target", "patch", "PersistentVolume", o.name(pv), "",
                                       f"reclaimPolicy {cur} -> {release}",
                                       f"bound to migrated PVC {ref['name']}; --release-target-pvs", "release volumes",
                                       o.uid(pv), o.meta(pv).get("resourceVersion", ""),
                                       {"spec": {"persistentVolumeReclaimPolicy": release}}))
    order = [g for g, _ in GROUPS[:-1]] + ["release volumes", GROUPS[-1][0]]
    # A DeploymentConfig goes after its ReplicationControllers and pods: while it exists, they are provably ours.
    return sorted(acts, key=lambda a: (order.index(a.group), a.kind == "DeploymentConfig", a.kind, a.name))


def source_actions(ctx: Context, objs: list[dict], replicas: int | None) -> tuple[list[Action], list[str]]:
    """Undo the quiesce on the source from the annotations mig-controller wrote; never delete anything."""
    acts, manual = [], []
    for x in objs:
        kind, ann, spec = x.get("kind"), o.annotations(x), o.spec(x)
        rv = o.meta(x).get("resourceVersion", "")
        base = dict(cluster="source", verb="patch", kind=kind, name=o.name(x), namespace=ctx.src_ns, uid=o.uid(x),
                    resource_version=rv, group="restore")
        if kind in SCALABLE:
            if kind == "ReplicaSet" and o.meta(x).get("ownerReferences"):
                continue
            cur = int(spec.get("replicas") or 0)
            if REPLICAS in ann:
                want = int(ann[REPLICAS])
                patch = {"metadata": {"annotations": {REPLICAS: None, PAUSED: None}}}
                change = f"replicas {cur} -> {want if cur == 0 else cur}"
                if cur == 0:
                    patch["spec"] = {"replicas": want}
                if PAUSED in ann and kind in ("Deployment", "DeploymentConfig"):
                    was = ann[PAUSED] == "true"
                    patch.setdefault("spec", {})["paused"] = was
                    change += f", paused {spec.get('paused', False)} -> {was}"
                acts.append(Action(change=change, reason=f"{REPLICAS}={want}", patch=patch, **base))
            elif cur == 0 and replicas is not None:
                acts.append(Action(change=f"replicas 0 -> {replicas}", reason="--replicas (no annotation kept "
                                   "the original count)", patch={"spec": {"replicas": replicas}}, **base))
            elif cur == 0:
                manual.append(f"{kind} {ctx.src_ns}/{o.name(x)} has 0 replicas and no {REPLICAS} annotation: "
                              f"oc scale --replicas=1 {kind.lower()}/{o.name(x)} -n {ctx.src_ns} (or --replicas N)")
        elif kind == "CronJob" and SUSPEND in ann:
            acts.append(Action(change=f"suspend {spec.get('suspend')} -> false", reason=f"{SUSPEND}",
                               patch={"metadata": {"annotations": {SUSPEND: None}}, "spec": {"suspend": False}},
                               **base))
        elif kind == "Job" and REPLICAS in ann:
            want = int(ann[REPLICAS])
            acts.append(Action(change=f"parallelism {spec.get('parallelism')} -> {want}", reason=f"{REPLICAS}={want}",
                               patch={"metadata": {"annotations": {REPLICAS: None}}, "spec": {"parallelism": want}},
                               **base))
        elif kind == "DaemonSet" and (NODE_SELECTOR in ann or QUIESCE_KEY in (o.dig(x, "spec", "template", "spec",
                                                                                      "nodeSelector") or {})):
            cur = o.dig(x, "spec", "template", "spec", "nodeSelector") or {}
            try:
                orig = json.loads(ann.get(NODE_SELECTOR) or "{}") or {}
            except ValueError:
                manual.append(f"DaemonSet {ctx.src_ns}/{o.name(x)}: {NODE_SELECTOR} is not JSON; "
                              "set its nodeSelector by hand")
                continue
            sel = {k: None for k in cur if k not in orig}
            sel.update(orig)
            acts.append(Action(change=f"nodeSelector {json.dumps(cur)} -> {json.dumps(orig)}", reason=NODE_SELECTOR,
                               patch={"metadata": {"annotations": {NODE_SELECTOR: None}},
                                      "spec": {"template": {"spec": {"nodeSelector": sel or None}}}}, **base))
    return sorted(acts, key=lambda a: (a.kind, a.name)), manual
