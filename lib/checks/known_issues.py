"""Check 8: the known issues of the troubleshooting chapter (BZ#1748440, BZ#1738564, cluster-scoped
resources, BZ#1784899, verify with filesystem copies)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import mtc
from .. import objects as o
from ..errors import NotCollected, NotServed
from ..facts import Facts
from ..graph import migration_type
from ..resources import VIRTUAL_MACHINE as VM
from .registry import Finding, check, ref

SCC_KEYS = ("openshift.io/sa.scc.uid-range", "openshift.io/sa.scc.supplemental-groups", "openshift.io/sa.scc.mcs")
_BUCKET = re.compile(r"NoSuchBucket|bucket .*(does not exist|not found)", re.I)


def _range(v: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)/(\d+)", v or "")
    return (int(m.group(1)), int(m.group(1)) + int(m.group(2))) if m else None


@check("scc-range-overlap", kinds={"target": ("Namespace",)})
def scc_overlap(f: Facts) -> Iterator[Finding]:
    if not f.reachable("target"):
        return
    nss = f.listed("target", "Namespace")
    dests = {d for _, d in f.namespace_pairs()}
    for ns in nss:
        if o.name(ns) not in dests:
            continue
        mine = _range(o.annotations(ns).get("openshift.io/sa.scc.uid-range", ""))
        if not mine:
            continue
        for other in nss:
            if o.name(other) == o.name(ns):
                continue
            theirs = _range(o.annotations(other).get("openshift.io/sa.scc.uid-range", ""))
            if theirs and mine[0] < theirs[1] and theirs[0] < mine[1]:
                yield Finding(id="scc-range-overlap", severity="warning",
                              title=f"namespace {o.name(ns)} kept a UID range that overlaps namespace {o.name(other)} "
                              "on the target (BZ#1748440)", cluster="target", objects=[ref(ns), ref(other)],
                              evidence=[f"{o.name(ns)}: sa.scc.uid-range {o.annotations(ns)['openshift.io/sa.scc.uid-range']}",
                               f"{o.name(other)}: sa.scc.uid-range "
                               f"{o.annotations(other)['openshift.io/sa.scc.uid-range']}"],
                              fix=["Give one namespace a free range (pods then run with other UIDs; fix file ownership "
                               "on its volumes): oc annotate namespace " + o.name(ns) + " " +
                               " ".join(f"{k}-" for k in SCC_KEYS) + " and let OpenShift allocate new ones "
                               "(re-create the namespace's pods)."])


def bucket_gone(bsl: dict) -> bool:
    return o.phase(bsl) not in ("", "Available") and bool(_BUCKET.search(str(o.status(bsl).get("message", ""))))


@check("storage-bucket-gone", current_state=("storage-bucket-gone",))
def storage_bucket(f: Facts) -> Iterator[Finding]:
    st = f.graph.storage
    if not st or not o.has_condition(st, "Ready"):
        return
    for role, bsls in f.graph.bsls.items():
        gone = [b for b in bsls if bucket_gone(b)]
        if gone or (f.reachable(role) and role not in f.graph.unreachable and not bsls and f.graph.backups):
            yield Finding(id="storage-bucket-gone", severity="error",
                          title=f"MigStorage {o.name(st)} says Ready but its bucket/BackupStorageLocation is gone (BZ#1738564)",
                          cluster=role, objects=[ref(st)] + [ref(b) for b in gone],
                          evidence=[f"MigStorage {o.name(st)}: Ready"] +
                          [f"BackupStorageLocation {o.name(b)}: {o.phase(b)}: {o.status(b).get('message', '')}"
                           for b in gone] + ([] if gone else [f"no BackupStorageLocation on the {role} cluster"]),
                          fix=["Re-create the bucket, or point the MigStorage at an existing one: "
                           f"oc edit migstorage {o.name(st)} -n {f.src.namespace}"])


@check("cluster-scoped-missing", kinds={"target": ("StorageClass", "ClusterRoleBinding", "SecurityContextConstraints"),
                                           "source": ("ClusterRoleBinding", "SecurityContextConstraints")})
def cluster_scoped(f: Facts) -> Iterator[Finding]:
    if not (f.reachable("target") and f.reachable("source")) or not f.plan:
        return
    missing = []
    target_sc = {o.name(s) for s in f.listed("target", "StorageClass")}
    for pv in o.maps(o.spec(f.plan).get("persistentVolumes")):
        sc = o.dig(pv, "selection", "storageClass") or pv.get("storageClass")
        if sc and isinstance(sc, str) and sc not in target_sc:
            missing.append((f"StorageClass {sc}", f"PV {pv.get('name')} (PVC {o.dig(pv, 'pvc', 'name')}) needs it",
                            f"create StorageClass {sc} on the target (copy it if the source has it: oc get storageclass "
                            f"{sc} -o yaml --context <source> | oc apply -f - --context <target>)"))
    src_ns = {s for s, _ in f.namespace_pairs()}
    target_crb = {o.name(c) for c in f.listed("target", "ClusterRoleBinding")}
    for crb in f.listed("source", "ClusterRoleBinding"):
        subjects = [s for s in crb.get("subjects") or [] if s.get("kind") == "ServiceAccount"
                    and s.get("namespace") in src_ns]
        if subjects and o.name(crb) not in target_crb:
            who = ", ".join(f"{s['namespace']}/{s['name']}" for s in subjects)
            missing.append((f"ClusterRoleBinding {o.name(crb)}", f"grants {o.dig(crb, 'roleRef', 'name')} to {who}",
                            f"oc get clusterrolebinding {o.name(crb)} -o yaml --context <source> | "
                            "oc apply -f - --context <target>"))
    target_scc = {o.name(s): s for s in f.listed("target", "SecurityContextConstraints")}
    for scc in f.listed("source", "SecurityContextConstraints"):
        users = [u for u in scc.get("users") or [] if any(f":{ns}:" in u for ns in src_ns)]
        tusers = set((target_scc.get(o.name(scc)) or {}).get("users") or [])
        for u in users:
            if u not in tusers:
                missing.append((f"SCC grant {o.name(scc)} to {u}", "the application's service account uses it",
                                f"oc adm policy add-scc-to-user {o.name(scc)} -z {u.split(':')[-1]} "
                                f"-n {u.split(':')[2]} --context <target>"))
    if missing:
        yield Finding(id="cluster-scoped-missing", severity="warning",
                      title="cluster-scoped resources the application needs are missing on the target (MTC does not "
                      "migrate them)", cluster="target", objects=[], evidence=[f"{what}: {why}" for what, why, _ in missing],
                      fix=[cmd for _, _, cmd in missing])


# What mig-controller's quiesce leaves on the source ([MC] pkg/controller/migmigration/quiesce.go,
# pkg/apis/migration/v1alpha1/annotations.go).
REPLICAS = "migration.openshift.io/preQuiesceReplicas"
SUSPEND = "migration.openshift.io/preQuiesceSuspend"
QUIESCE_NODE_SELECTOR = "migration.openshift.io/quiesceDaemonSet"
QUIESCED_KINDS = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "DaemonSet", "CronJob", "Job")


def quiesced(obj: dict) -> str:
    """How `obj` is held down by MTC's quiesce, or "" when it is not."""
    kind, sp, ann = obj.get("kind"), o.spec(obj), o.annotations(obj)
    if kind == VM.kind:             # mig-controller's shouldStartVM: the annotation, "true"
        return f"stopped ({mtc.START_VM}=true)" if mtc.stopped_vm(obj) else ""
    if kind == "CronJob":
        return "suspended" if sp.get("suspend") and SUSPEND in ann else ""
    if kind == "DaemonSet":         # CAM 1.1 used the key without the migration. prefix
        sel = o.dig(sp, "template", "spec", "nodeSelector", default={}) or {}
        key = next((k for k in (QUIESCE_NODE_SELECTOR, "openshift.io/quiesceDaemonSet") if k in sel), "")
        return f"nodeSelector {key}" if key else ""
    count = sp.get("parallelism") if kind == "Job" else sp.get("replicas")
    if REPLICAS in ann and o.number(count) == 0:
        return f"{'parallelism' if kind == 'Job' else 'replicas'} 0 (was {ann[REPLICAS]})"
    return ""


@check("rollback-needed", app_kinds={"source": QUIESCED_KINDS + (VM.kind,)})
def rollback_needed(f: Facts) -> Iterator[Finding]:
    """The source application is still held down by MTC's quiesce after a final migration that did not succeed."""
    mig = f.mig
    cutover = f.is_final() or migration_type(mig) == "state"     # a state migration quiesces as a final does
    if not (cutover and (o.has_condition(mig, "Failed") or o.has_condition(mig, "Canceled"))):
        return
    if f.rolled_back() is not None:
        return
    held = []
    for kind in QUIESCED_KINDS:
        try:
            items = f.app("source", kind)
        except NotCollected as e:       # a bundle without the application: MTC's own record must do
            f.unchecked(f"check rollback-needed: {e}")
            yield from _rollback_from_record(f)
            return
        except NotServed:
            continue                    # e.g. no DeploymentConfig on plain Kubernetes
        held += [(x, quiesced(x)) for x in items if quiesced(x)]
    try:                                # KubeVirt's VMs (MTC 1.8 stops them): most clusters do not serve the kind
        held += [(x, quiesced(x)) for x in f.app("source", VM.kind) if quiesced(x)]
    except NotServed:
        pass
    except NotCollected as e:           # the workloads were read: only the VMs are unknown
        f.unchecked(f"check rollback-needed: VirtualMachines: {e}")
    if not held:
        return                          # failed before the quiesce step, or already unquiesced
    plan = o.name(f.plan or {})
    ns = f.src.namespace
    ev = [f"{x.get('kind')} {o.namespace(x)}/{o.name(x)}: {how}" for x, how in held[:15]]
    if len(held) > 15:
        ev.append(f"... and {len(held) - 15} more")
    custom = [pv for pv in o.maps(o.spec(f.plan or {}).get("persistentVolumes"))
              if o.dig(pv, "selection", "action") in ("move",) or o.dig(pv, "selection", "storageClass")]
    if custom:
        ev.append(f"the plan has custom PV settings for {len(custom)} volumes, which a failed migration does not "
                  "keep for quiesced pods (BZ#1784899)")
    fix = []
    failed_rollbacks = [m for m in f.graph.migrations if o.spec(m).get("rollback") is True and o.has_condition(m, "Failed")]
    if failed_rollbacks:
        ev.append(f"MTC's rollback {o.name(failed_rollbacks[0])} failed")
    if o.status(mig).get("pipeline") is not None and not failed_rollbacks:     # MTC 1.4+: it has its own rollback
        fix.append(f"oc mig-rollback --plan {plan} --via-controller    # MTC's own rollback (a MigMigration with "
                   "spec.rollback: true); review, then add --yes")
        fix.append(f"oc mig-rollback --plan {plan}    # where MTC's rollback is not available or fails; review, "
                   "then add --yes")
    else:
        fix.append(f"oc mig-rollback --plan {plan}    # review the plan, then add --yes")
    if custom:
        # Deleting a MigPlan deletes its MigMigrations (mig-controller makes the plan their owner,
        # migmigration_controller.go setOwnerReference; the chapter's 3.5.1): their record goes with it.
        fix += [f"oc get migplan {plan} -n {ns} -o yaml > {plan}.yaml    # keep its PV settings (BZ#1784899)",
                f"oc mig-gather {o.name(mig)}    # deleting the plan deletes its MigMigrations (it owns them): "
                "keep their record, and this failure's evidence, first",
                f"oc delete migplan {plan} -n {ns}",
                f"then re-create it from {plan}.yaml without status, uid and resourceVersion: oc create -f {plan}.yaml"]
    yield Finding(id="rollback-needed", severity="error",
                  title=f"the application is stopped on the source ({len(held)} workloads quiesced): roll back "
                  "before anything else", cluster="source", objects=[ref(mig)] + [ref(x) for x, _ in held[:15]],
                  evidence=ev, fix=fix)


# Pipeline steps (MTC 1.4+ status.pipeline) that run after the source was quiesced (quiescePods: the
# QuiesceApplications phase precedes the stage backup and the direct volume copy; mtc-facts.md, task.go).
AFTER_QUIESCE = ("StageBackup", "StageRestore", "DirectVolume", "Restore")


def _rollback_from_record(f: Facts) -> Iterator[Finding]:
    """rollback-needed from the MigMigration alone, when the source's workloads were not collected:
    quiescePods was set and (MTC 1.4+) a step after the quiesce had started."""
    mig = f.mig
    if not o.spec(mig).get("quiescePods"):
        return
    steps = o.status(mig).get("pipeline")
    if isinstance(steps, list) and not any(isinstance(s, dict) and s.get("name") in AFTER_QUIESCE and s.get("started")
                                           for s in steps):
        return
    plan = o.name(f.plan or {})
    nss = ", ".join(s for s, _ in f.namespace_pairs())
    yield Finding(id="rollback-needed", severity="error",
                  title="the application is probably stopped on the source: roll back before anything else",
                  cluster="source", objects=[ref(mig)],
                  evidence=[f"MigMigration {o.name(mig)} failed with quiescePods"
                            + (" after the quiesce step" if isinstance(steps, list) else ""),
                            f"the workloads of {nss} on the source are not in this data: check them with "
                            f"oc get deploy,dc,sts,ds,cronjob -n <namespace> --context <source>"],
                  fix=[f"oc mig-rollback --plan {plan}    # review the plan, then add --yes"])


@check("verify-slow")
def verify_slow(f: Facts) -> Iterator[Finding]:
    pvs = [pv for pv in o.maps(o.spec(f.plan or {}).get("persistentVolumes"))
           if o.dig(pv, "selection", "verify")
           and o.dig(pv, "selection", "copyMethod", default="filesystem") == "filesystem"]
    if pvs:
        yield Finding(id="verify-slow", severity="info", title="verify is on for filesystem copies: expect the copy to be slow",
                      cluster="host", objects=[ref(f.plan or {})],
                      evidence=[f"PV {pv.get('name')} (PVC {o.dig(pv, 'pvc', 'name')}): copyMethod filesystem, verify true"
                       for pv in pvs],
                      fix=["Velero computes a checksum of every file when it restores it; turn verify off in the plan "
                       "for large volumes if that time is not affordable."])
