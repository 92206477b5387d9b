"""What mig-gather collects from each cluster, by scope. Only what the server offers is listed."""

from __future__ import annotations

from .. import mtc
from ..resources import MIG, VELERO, Resource, resource

# Every resource of these groups: in the MTC namespace, or all of them when cluster-scoped.
CR_GROUPS = (MIG, VELERO)

# What mig-gather collects follows from what mig-verify reads (lib/graph.GRAPH_KINDS and every check's
# declaration, lib/checks), so a bundle read offline answers the same questions as the live clusters;
# these are the extras a support engineer wants besides (pods are written one per directory, with logs).
EXTRA_MTC_KINDS = ("Pod", "Event", "ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim",
                   "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job", "Route")
EXTRA_CLUSTER_KINDS = ("Namespace", "Node", "StorageClass", "PersistentVolume")
# Migrated namespaces: the workload skeleton (and a summary of every kind); with --namespaces, every
# namespaced resource the server offers.
EXTRA_SUMMARY_KINDS = ("Pod", "Deployment", "StatefulSet", "DeploymentConfig", "PersistentVolumeClaim", "Service")


def _declared() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(kinds in MTC's namespace, cluster-scoped kinds, kinds in the application namespaces)."""
    from ..checks import needed
    from ..graph import GRAPH_APP_KINDS, GRAPH_KINDS

    needs, _logs = needed()
    mtc = [k for ks in GRAPH_KINDS.values() for k in ks] + [n.kind for n in needs if n.scope == "mtc"]
    app = [n.kind for n in needs if n.scope == "app"] + [k for ks in GRAPH_APP_KINDS.values() for k in ks]
    ns_kinds, cluster_kinds = list(EXTRA_MTC_KINDS), list(EXTRA_CLUSTER_KINDS)
    for k in mtc:
        try:
            namespaced = resource(k).namespaced
        except KeyError:
            namespaced = True     # resolved by discovery when gathering
        (ns_kinds if namespaced else cluster_kinds).append(k)
    return (tuple(dict.fromkeys(ns_kinds)), tuple(dict.fromkeys(cluster_kinds)),
            tuple(dict.fromkeys(list(EXTRA_SUMMARY_KINDS) + app)))


_LAZY = ("MTC_KINDS", "CLUSTER_KINDS", "SUMMARY_KINDS")


def __getattr__(name: str) -> tuple[str, ...]:
    """MTC_KINDS, CLUSTER_KINDS, SUMMARY_KINDS: computed on first use, so that reading a bundle (which
    asks what ours collect) imports the check modules only when it needs to (start-up)."""
    if name not in _LAZY:
        raise AttributeError(name)
    values = dict(zip(_LAZY, _declared()))
    globals().update(values)
    return values[name]


NEVER_IN_FULL = {"Event"}     # events of an application namespace are noise next to its objects
# ... except those about MTC's own pods and Jobs there (rsync, stunnel, stage, hook): listed, then filtered
APP_EVENTS_OF_MTC_ONLY = "Event"

# MTC's pods outside its namespace: rsync/stunnel (DVM), stage pods; hook Jobs (their pods by job-name).
HELPER_LABEL = f"{mtc.PART_OF}={mtc.PART_OF_VALUE}"

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
