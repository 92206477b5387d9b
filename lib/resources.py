"""The API resources the tools read or change, by a short key (kubectl's plural.group)."""

from __future__ import annotations

from typing import NamedTuple


class Resource(NamedTuple):
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
            if sub:
                base += f"/{sub}"
        return base


MIG = "migration.openshift.io"
VELERO = "velero.io"

_TABLE = [
    Resource(MIG, "v1alpha1", "migclusters", "MigCluster"),
    Resource(MIG, "v1alpha1", "migstorages", "MigStorage"),
    Resource(MIG, "v1alpha1", "migplans", "MigPlan"),
    Resource(MIG, "v1alpha1", "migmigrations", "MigMigration"),
    Resource(MIG, "v1alpha1", "mighooks", "MigHook"),
    Resource(MIG, "v1alpha1", "miganalytics", "MigAnalytic"),
    Resource(MIG, "v1alpha1", "directvolumemigrations", "DirectVolumeMigration"),
    Resource(MIG, "v1alpha1", "directvolumemigrationprogresses", "DirectVolumeMigrationProgress"),
    Resource(MIG, "v1alpha1", "directimagemigrations", "DirectImageMigration"),
    Resource(MIG, "v1alpha1", "directimagestreammigrations", "DirectImageStreamMigration"),
    Resource(MIG, "v1alpha1", "migrationcontrollers", "MigrationController"),
    Resource(VELERO, "v1", "backups", "Backup"),
    Resource(VELERO, "v1", "restores", "Restore"),
    Resource(VELERO, "v1", "podvolumebackups", "PodVolumeBackup"),
    Resource(VELERO, "v1", "podvolumerestores", "PodVolumeRestore"),
    Resource(VELERO, "v1", "backupstoragelocations", "BackupStorageLocation"),
    Resource(VELERO, "v1", "volumesnapshotlocations", "VolumeSnapshotLocation"),
    Resource(VELERO, "v1", "resticrepositories", "ResticRepository"),
    Resource(VELERO, "v1", "schedules", "Schedule"),
    Resource(VELERO, "v1", "deletebackuprequests", "DeleteBackupRequest"),
    Resource(VELERO, "v1", "downloadrequests", "DownloadRequest"),
    Resource(VELERO, "v1", "serverstatusrequests", "ServerStatusRequest"),
    Resource("", "v1", "namespaces", "Namespace", False),
    Resource("", "v1", "nodes", "Node", False),
    Resource("", "v1", "pods", "Pod"),
    Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    Resource("", "v1", "persistentvolumes", "PersistentVolume", False),
    Resource("", "v1", "secrets", "Secret"),
    Resource("", "v1", "configmaps", "ConfigMap"),
    Resource("", "v1", "services", "Service"),
    Resource("", "v1", "serviceaccounts", "ServiceAccount"),
    Resource("", "v1", "events", "Event"),
    Resource("", "v1", "replicationcontrollers", "ReplicationController"),
    Resource("apps", "v1", "deployments", "Deployment"),
    Resource("apps", "v1", "statefulsets", "StatefulSet"),
    Resource("apps", "v1", "daemonsets", "DaemonSet"),
    Resource("apps", "v1", "replicasets", "ReplicaSet"),
    Resource("batch", "v1", "jobs", "Job"),
    Resource("batch", "v1", "cronjobs", "CronJob"),
    Resource("apps.openshift.io", "v1", "deploymentconfigs", "DeploymentConfig"),
    Resource("route.openshift.io", "v1", "routes", "Route"),
    Resource("image.openshift.io", "v1", "imagestreams", "ImageStream"),
    Resource("storage.k8s.io", "v1", "storageclasses", "StorageClass", False),
    Resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    Resource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    Resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    Resource("security.openshift.io", "v1", "securitycontextconstraints", "SecurityContextConstraints", False),
    Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
]

# KubeVirt's VirtualMachine (MTC 1.8 stops them, lib/mtc START_VM): most clusters do not serve it, and answer a list
# with 404 (read as "none"); a must-gather says whether it collected them.
VIRTUAL_MACHINE = Resource("kubevirt.io", "v1", "virtualmachines", "VirtualMachine")
_TABLE.append(VIRTUAL_MACHINE)

BY_KIND = {r.kind: r for r in _TABLE}
BY_KEY = {r.key: r for r in _TABLE}


def resource(kind_or_key: str) -> Resource:
    """Look a resource up by Kind (`MigMigration`) or by plural.group (`migmigrations.migration.openshift.io`)."""
    r = BY_KIND.get(kind_or_key) or BY_KEY.get(kind_or_key)
    if r is None:
        raise KeyError(f"unknown resource {kind_or_key!r}")
    return r


def from_discovery(group_version: str, item: dict) -> Resource:
    """A Resource from one entry of an APIResourceList."""
    group, _, version = group_version.rpartition("/")
    return Resource(group, version, item["name"], item["kind"], bool(item.get("namespaced")))
