"""Check 8: the known issues of the troubleshooting chapter (BZ#1748440, BZ#1738564, cluster-scoped
resources, BZ#1784899, verify with filesystem copies)."""

from __future__ import annotations

import re

from .. import objects as o
from .registry import Finding, check, ref

SCC_KEYS = ("openshift.io/sa.scc.uid-range", "openshift.io/sa.scc.supplemental-groups", "openshift.io/sa.scc.mcs")
_BUCKET = re.compile(r"NoSuchBucket|bucket .*(does not exist|not found)", re.I)


def _range(v: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)/(\d+)", v or "")
    return (int(m.group(1)), int(m.group(1)) + int(m.group(2))) if m else None


@check("scc-range-overlap", kinds={"target": ("Namespace",)})
def scc_overlap(f):
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


@check("storage-bucket-gone")
def storage_bucket(f):
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
def cluster_scoped(f):
    if not (f.reachable("target") and f.reachable("source")) or not f.plan:
        return
    missing = []
    target_sc = {o.name(s) for s in f.listed("target", "StorageClass")}
    for pv in o.spec(f.plan).get("persistentVolumes") or []:
        sc = (pv.get("selection") or {}).get("storageClass") or pv.get("storageClass")
        if sc and sc not in target_sc:
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


QUIESCED_KINDS = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "DaemonSet", "CronJob", "Job")


def _still_quiesced(x: dict) -> bool:
    """What mig-controller's quiesce leaves on a source workload (MTC 1.3+ annotations, CAM 1.1 DaemonSet key)."""
    sel = o.dig(x, "spec", "template", "spec", "nodeSelector") or {}
    return any(k.startswith("migration.openshift.io/preQuiesce") for k in o.annotations(x)) or \
        "migration.openshift.io/quiesceDaemonSet" in sel or "openshift.io/quiesceDaemonSet" in sel


@check("rollback-needed", app_kinds={"source": QUIESCED_KINDS})
def rollback_needed(f):
    mig = f.mig
    if not (f.is_final() and o.has_condition(mig, "Failed") and o.spec(mig).get("quiescePods")):
        return
    if f.reachable("source") and not any(_still_quiesced(x) for k in QUIESCED_KINDS for x in f.app("source", k)):
        return          # unquiesced since (a rollback, or by hand): nothing is stopped any more
    custom = [pv for pv in o.spec(f.plan or {}).get("persistentVolumes") or []
              if (pv.get("selection") or {}).get("action") in ("move",) or (pv.get("selection") or {}).get("storageClass")]
    ev = [f"MigMigration {o.name(mig)} failed with quiescePods: the application is scaled down on the source"]
    if custom:
        ev.append(f"the plan has custom PV settings for {len(custom)} volumes, which a failed migration does not "
                  "keep for quiesced pods (BZ#1784899)")
    project = (f.namespace_pairs() or [("", "")])[0][1]
    yield Finding(id="rollback-needed", severity="error", title="the application is stopped: roll back before anything else",
                  cluster="source", objects=[ref(mig)], evidence=ev,
                  fix=[f"oc mig-rollback {project} --plan {o.name(f.plan or {})}    # review the plan, then add --yes",
                   f"oc delete migplan {o.name(f.plan or {})} -n {f.src.namespace}   # then re-create it with "
                   "its PV settings (BZ#1784899)"])


@check("verify-slow")
def verify_slow(f):
    pvs = [pv for pv in o.spec(f.plan or {}).get("persistentVolumes") or []
           if (pv.get("selection") or {}).get("verify")
           and (pv.get("selection") or {}).get("copyMethod", "filesystem") == "filesystem"]
    if pvs:
        yield Finding(id="verify-slow", severity="info", title="verify is on for filesystem copies: expect the copy to be slow",
                      cluster="host", objects=[ref(f.plan)],
                      evidence=[f"PV {pv.get('name')} (PVC {o.dig(pv, 'pvc', 'name')}): copyMethod filesystem, verify true"
                       for pv in pvs],
                      fix=["Velero computes a checksum of every file when it restores it; turn verify off in the plan "
                       "for large volumes if that time is not affordable."])
