"""What a bundle collected, per cluster: a kind in a namespace it never gathered is *not collected*
(unknown), never *absent*. Each producer's rules, from what its scripts gather:

- ours (gather.json): the MTC and Velero CRs and `spec.MTC_KINDS` in the MTC namespace,
  `spec.CLUSTER_KINDS`, and in each migrated namespace `spec.SUMMARY_KINDS` (every namespaced
  kind with `--namespaces`); minus what gather.json lists as missing.
- the MTC must-gather image (migtools/must-gather `gather_crs`): every `migration.openshift.io` and
  `velero.io` object in every namespace; and `oc adm inspect ns/<MTC namespace>`.
- `oc adm inspect ns/<ns>` (openshift/oc `namespaceResourcesToCollect`): the "all" category,
  configmaps, events, endpoints, endpointslices, PVCs, PDBs and secrets of `<ns>`, whose
  `namespaces/<ns>/<ns>.yaml` it writes; cluster-scoped, only what it holds files of; the MTC and
  Velero CRs of a namespace where it holds some of their group (an inspect of those types).

A list across every namespace of another namespaced kind is not collected from the image or inspect
(they gather a few namespaces; MTC's helper pods run in the applications'), whatever they hold of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..gather import spec
from ..resources import MIG, VELERO

# `oc adm inspect ns/<ns>`: the "all" category (with OpenShift's additions) and the extra resources.
INSPECT_KINDS = frozenset((
    "Pod", "Service", "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job", "CronJob",
    "ReplicationController", "HorizontalPodAutoscaler", "DeploymentConfig", "BuildConfig", "Build", "ImageStream",
    "Route", "ConfigMap", "Event", "Endpoints", "EndpointSlice", "PersistentVolumeClaim", "PodDisruptionBudget",
    "Secret"))
CR_GROUPS = (MIG, VELERO)


@dataclass
class Coverage:
    producer: str = "inspect"                # ours | mtc-image | inspect
    failed: str | None = None                # why nothing of this cluster was collected
    mtc_namespace: str = ""
    inspected: set = field(default_factory=set)       # namespaces gathered whole (inspect)
    app_namespaces: set = field(default_factory=set)  # ours: migrated namespaces
    full: bool = False                                # ours: --namespaces
    present: set = field(default_factory=set)         # (kind, namespace or "") with objects in the bundle
    groups: set = field(default_factory=set)          # (API group, namespace or "") with objects in the bundle
    missing: dict = field(default_factory=dict)       # ours: what -> why, from gather.json

    def why_not(self, cluster: str, kind: str, group: str | None, namespaced: bool | None,
                namespace: str | None) -> str | None:
        """None if the bundle collected `kind` (in `namespace`), else why not, for the user."""
        if self.failed:
            return f"{cluster}: nothing was collected from this cluster ({self.failed})"
        for what in ("everything", f"{kind} in {namespace}" if namespace else kind):
            if what in self.missing:
                return f"{cluster}: {what} was not collected ({self.missing[what]})"
        if kind == "Namespace" and self.producer != "ours":
            return f"{cluster}: only the namespaces it inspected are in the must-gather, not the list of all"
        if group in CR_GROUPS and (self.producer == "mtc-image" or namespace in (None, self.mtc_namespace)
                                   or (group, namespace or "") in self.groups):
            return None
        if namespace is None and namespaced and self.producer != "ours":
            # the image and inspect gather the other kinds in a few namespaces only: a list across every
            # namespace (MTC's rsync, stage and hook pods in the application namespaces) would be partial
            where = sorted({ns for k, ns in self.present if k == kind and ns} | (self.inspected if kind in
                                                                                 INSPECT_KINDS else set()))
            return (f"{cluster}: {kind} is in the must-gather only from namespace{'s' if len(where) > 1 else ''} "
                    f"{', '.join(where)}, not from every namespace" if where else
                    f"{cluster}: the must-gather holds no {kind} from any namespace")
        if (kind, namespace or "") in self.present or (namespace is None and any(k == kind for k, _ in self.present)):
            return None
        if namespaced is False or (namespaced is None and namespace is None):
            return self._cluster_scoped(cluster, kind)
        if namespace is None:
            return None if self._kind_somewhere(kind) else \
                f"{cluster}: the must-gather holds no {kind} from any namespace"
        if self.producer == "ours":
            if namespace == self.mtc_namespace and kind in spec.MTC_KINDS:
                return None
            if namespace in self.app_namespaces and (self.full and kind not in spec.NEVER_IN_FULL
                                                     or kind in spec.SUMMARY_KINDS):
                return None
        elif namespace in self.inspected and kind in INSPECT_KINDS:
            return None
        return f"{cluster}: {kind} in namespace {namespace} was not collected by this must-gather"

    def _kind_somewhere(self, kind: str) -> bool:
        if self.producer == "ours":
            return kind in spec.MTC_KINDS or kind in spec.SUMMARY_KINDS or self.full
        return bool(self.inspected) and kind in INSPECT_KINDS

    def _cluster_scoped(self, cluster: str, kind: str) -> str | None:
        if self.producer == "ours" and kind in spec.CLUSTER_KINDS:
            return None
        return f"{cluster}: {kind} (cluster-scoped) was not collected by this must-gather"

    def namespace_known(self, name: str) -> bool:
        """Whether a get of Namespace `name` can be answered (ours: every namespace was listed)."""
        return self.producer == "ours" or name in self.inspected
