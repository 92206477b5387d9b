"""What mig-gather collects from each cluster, by scope. Only what the server offers is listed."""

from __future__ import annotations

from ..resources import MIG, VELERO, Resource

# Every resource of these groups: in the MTC namespace, or all of them when cluster-scoped.
CR_GROUPS = (MIG, VELERO)

# In the MTC namespace, besides the CRs (pods are written one per directory, with their logs).
MTC_KINDS = ("Pod", "Event", "ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim",
             "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job", "Route")

# Cluster facts and what mig-verify's checks compare across clusters.
CLUSTER_KINDS = ("Namespace", "Node", "StorageClass", "PersistentVolume", "ClusterRoleBinding",
                 "SecurityContextConstraints")

# Migrated namespaces: always the workload skeleton mig-verify compares (and a summary of every
# kind); with --namespaces, every namespaced resource the server offers.
SUMMARY_KINDS = ("Pod", "Deployment", "StatefulSet", "DeploymentConfig", "PersistentVolumeClaim", "Service")
NEVER_IN_FULL = {"Event"}     # events of an application namespace are noise next to its objects

LOG_CONCURRENCY = 4           # log streams at once per cluster
LIST_CONCURRENCY = 4          # list calls at once per cluster
LIST_WAIT = 900               # seconds a listed cluster waits for the others before writing


def cr_resources(offered: list[Resource]) -> list[Resource]:
    return [r for r in offered if r.group in CR_GROUPS]


def by_kind(offered: list[Resource], kinds) -> list[Resource]:
    have = {r.kind: r for r in offered}
    return [have[k] for k in kinds if k in have]


def full_namespace(offered: list[Resource]) -> list[Resource]:
    return [r for r in offered if r.namespaced and r.kind not in NEVER_IN_FULL and r.group not in CR_GROUPS]
