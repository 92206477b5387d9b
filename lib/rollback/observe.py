"""Read what a rollback needs from both clusters, into plain dicts: the planner never reads a cluster itself.
Everything is derived from the clusters alone; the journal only adds what an interrupted run already deleted."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import mtc
from .. import objects as o
from ..errors import ApiError, NotCollected
from ..resources import BY_KIND, VIRTUAL_MACHINE
from .leftovers import APP_POD, HOOK_LABEL, MIGMIGRATION, PART_OF, RSYNC_APPS, STAGE_BACKUP, STAGE_POD
from .plan import DC_LABEL, DEPLOYER_LABEL
from .resolve import Context

SOURCE_KINDS = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob",
                "Job", "DaemonSet")
SKIP_KINDS = ("Event", "Namespace")


@dataclass
class Observed:
    target: dict = field(default_factory=dict)      # destination ns -> objects (labelled, and DC leftovers)
    source: dict = field(default_factory=dict)      # source ns -> workloads
    target_pvs: list = field(default_factory=list)
    source_pvs: list = field(default_factory=list)
    pods: dict = field(default_factory=dict)        # role -> MTC-labelled pods in the plan's namespaces
    hooks: dict = field(default_factory=dict)       # role -> hook Jobs and ConfigMaps
    backups: dict = field(default_factory=dict)             # role -> Velero Backups of the plan's migrations
    delete_requests: dict = field(default_factory=dict)     # role -> DeleteBackupRequests
    restores: list = field(default_factory=list)
    dvm_uids: set = field(default_factory=set)
    active_vms: set = field(default_factory=set)    # (source ns, name): VMs with a live pod of their VMI
    unread: list = field(default_factory=list)      # what a must-gather did not hold


def _ignore_missing(fn, unread: list | None = None, what: str = ""):
    """A kind the cluster does not serve (no Velero, no DVM CRD): nothing of it. One a must-gather never
    collected: unknown, said in `unread` (the plan then cannot speak for it)."""
    try:
        return fn()
    except NotCollected as e:
        if unread is not None:
            unread.append(f"{what}: {e}" if what else str(e))
        return []
    except ApiError as e:
        if e.status in (404, 405, 400):
            return []
        raise


def _kinds(src, role: str):
    """The namespaced kinds the cluster serves; without discovery (a test double), the kinds mig-tools knows."""
    try:
        found = src.discover(role)
    except NotImplementedError:
        found = list(BY_KIND.values())
    return [r for r in found if r.namespaced and r.kind not in SKIP_KINDS]


class Pods:
    """Each namespace's pods, listed once a run: the target's are read both for what DeploymentConfigs left and
    for MTC's own pods."""

    def __init__(self, src) -> None:
        self.src = src
        self.listed: dict[tuple[str, str], list[dict]] = {}

    def __call__(self, role: str, ns: str) -> list[dict]:
        if (role, ns) not in self.listed:
            self.listed[role, ns] = self.src.list(role, "Pod", ns)
        return self.listed[role, ns]


def target_objects(src, ctx: Context, ns: str, resources, pods: Pods) -> list[dict]:
    """Everything in `ns` that carries the plan label, plus the RCs and pods DeploymentConfigs leave unlabelled."""
    objs = []
    for res in resources:
        objs += _ignore_missing(lambda res=res: src.list("target", res, ns, labels=ctx.selector))
    objs += src.list("target", "ReplicationController", ns, labels=DC_LABEL)
    objs += [p for p in pods("target", ns)
             if DEPLOYER_LABEL in o.labels(p) or "deployment" in o.labels(p) or "deploymentconfig" in o.labels(p)
             or STAGE_POD in o.labels(p) or STAGE_BACKUP in o.labels(p) or o.labels(p).get("app") in RSYNC_APPS]
    seen, out = set(), []
    for x in objs:
        key = (str(x.get("kind")), o.name(x))
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def _mtc_pods(pods: Pods, role: str, namespaces: list) -> list[dict]:
    out = []
    for ns in namespaces:
        for p in pods(role, ns):
            lb = o.labels(p)
            if STAGE_POD in lb or APP_POD in lb or STAGE_BACKUP in lb or lb.get("app") in RSYNC_APPS:
                out.append(p)
    return out


def _hooks(src, role: str, ctx: Context, namespaces: list) -> list[dict]:
    if not ctx.migration_uids:
        return []
    sel = f"{PART_OF}={mtc.PART_OF_VALUE},{o.in_selector(mtc.HOOK_OWNER, ctx.migration_uids)}"
    out = []
    for ns in namespaces:
        for kind in ("Job", "ConfigMap"):
            out += [x for x in src.list(role, kind, ns, labels=sel) if HOOK_LABEL in o.labels(x)]
    return out


def active_vms(pods: list[dict], ns: str) -> set:
    """mig-controller's isVMActive (MC-1.8 quiesce.go): a pod owned by the VirtualMachineInstance of the VM's name;
    here only one not finished nor being deleted, as such a pod is the VM stopping, not running."""
    out = set()
    for p in pods:
        if o.meta(p).get("deletionTimestamp") or o.status(p).get("phase") in ("Succeeded", "Failed"):
            continue
        out |= {(ns, r.get("name")) for r in o.maps(o.meta(p).get("ownerReferences"))
                if r.get("kind") == mtc.VMI_KIND and isinstance(r.get("name"), str)}
    return out


def _vms(src, ob: Observed, ns: str, pods: Pods) -> list[dict]:
    """The source's KubeVirt VirtualMachines MTC stopped (none where the cluster does not serve kubevirt.io), and
    which of them run."""
    vms = [x for x in _ignore_missing(lambda: src.list("source", VIRTUAL_MACHINE, ns), ob.unread,
                                      f"source VirtualMachines in {ns}") if mtc.stopped_vm(x)]
    if vms:
        ob.active_vms |= active_vms(_ignore_missing(lambda: pods("source", ns), ob.unread, f"source pods in {ns}"), ns)
    return vms


def observe(src, ctx: Context) -> Observed:
    ob, pods = Observed(), Pods(src)
    resources = _kinds(src, "target")
    for s, d in ctx.pairs:
        ob.target[d] = target_objects(src, ctx, d, resources, pods)
        ob.source[s] = [x for kind in SOURCE_KINDS for x in src.list("source", kind, s)] + _vms(src, ob, s, pods)
    ob.target_pvs = _ignore_missing(lambda: src.list("target", "PersistentVolume"), ob.unread, "target PVs")
    ob.source_pvs = _ignore_missing(lambda: src.list("source", "PersistentVolume"), ob.unread, "source PVs")
    hook_ns = sorted({str(h.get("executionNamespace") or "") for h in o.plan_hooks(ctx.plan)} - {""})
    for role, nss in (("source", ctx.src_namespaces), ("target", ctx.dest_namespaces)):
        ob.pods[role] = _ignore_missing(lambda role=role, nss=nss: _mtc_pods(pods, role, nss), ob.unread,
                                        f"{role} stage and rsync pods")
        ob.hooks[role] = _ignore_missing(lambda role=role: _hooks(src, role, ctx, hook_ns), ob.unread,
                                         f"{role} hook Jobs")
    uids = ctx.migration_uids
    if uids:
        sel = o.in_selector(MIGMIGRATION, uids)
        for role in ("source", "target"):
            ob.backups[role] = _ignore_missing(lambda role=role: src.list(role, "Backup", src.namespace, labels=sel))
            ob.delete_requests[role] = _ignore_missing(lambda role=role: src.list(role, "DeleteBackupRequest", src.namespace))
        ob.restores = _ignore_missing(lambda: src.list("target", "Restore", src.namespace, labels=sel))
        dvms = _ignore_missing(lambda: src.list("host", "DirectVolumeMigration", src.namespace, labels=sel))
        ob.dvm_uids = {o.uid(x) for x in dvms}
    return ob
