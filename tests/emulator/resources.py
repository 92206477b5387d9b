"""The resource table the emulator serves: built-in kinds plus every CRD in crds/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CRD_DIR = Path(__file__).resolve().parent / "crds"
ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
SCALABLE = {"deployments", "statefulsets", "replicasets", "replicationcontrollers", "deploymentconfigs"}


@dataclass
class Res:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    singular: str = ""
    short: list = field(default_factory=list)
    categories: list = field(default_factory=list)

    @property
    def gv(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


# (group, version, plural, kind, namespaced, shortNames)
_BUILTIN = [
    ("", "v1", "namespaces", "Namespace", False, ["ns"]),
    ("", "v1", "nodes", "Node", False, ["no"]),
    ("", "v1", "pods", "Pod", True, ["po"]),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"]),
    ("", "v1", "persistentvolumes", "PersistentVolume", False, ["pv"]),
    ("", "v1", "secrets", "Secret", True, []),
    ("", "v1", "configmaps", "ConfigMap", True, ["cm"]),
    ("", "v1", "services", "Service", True, ["svc"]),
    ("", "v1", "serviceaccounts", "ServiceAccount", True, ["sa"]),
    ("", "v1", "events", "Event", True, ["ev"]),
    ("", "v1", "endpoints", "Endpoints", True, ["ep"]),
    ("", "v1", "replicationcontrollers", "ReplicationController", True, ["rc"]),
    ("apps", "v1", "deployments", "Deployment", True, ["deploy"]),
    ("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"]),
    ("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"]),
    ("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"]),
    ("batch", "v1", "jobs", "Job", True, []),
    ("batch", "v1", "cronjobs", "CronJob", True, ["cj"]),
    ("apps.openshift.io", "v1", "deploymentconfigs", "DeploymentConfig", True, ["dc"]),
    ("route.openshift.io", "v1", "routes", "Route", True, []),
    ("image.openshift.io", "v1", "imagestreams", "ImageStream", True, ["is"]),
    ("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ["sc"]),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, []),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False, []),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", True, []),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True, []),
    ("security.openshift.io", "v1", "securitycontextconstraints", "SecurityContextConstraints", False, ["scc"]),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, ["crd", "crds"]),
]
_ALL_CATEGORY = {"pods", "services", "replicationcontrollers", "deployments", "statefulsets", "daemonsets",
                 "replicasets", "jobs", "cronjobs", "deploymentconfigs", "imagestreams"}


def load_crds() -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted(CRD_DIR.glob("*.yaml"))]


def table() -> tuple[list[Res], list[dict]]:
    """Every served resource, and the CRD objects (served under apiextensions.k8s.io)."""
    out = []
    for g, v, plural, kind, nsd, short in _BUILTIN:
        out.append(Res(g, v, plural, kind, nsd, kind.lower(), short,
                       ["all"] if plural in _ALL_CATEGORY else []))
    crds = load_crds()
    for crd in crds:
        s = crd["spec"]
        ver = next((v["name"] for v in s["versions"] if v.get("storage")), s["versions"][0]["name"])
        n = s["names"]
        out.append(Res(s["group"], ver, n["plural"], n["kind"], s.get("scope") == "Namespaced",
                       n.get("singular", n["kind"].lower()), n.get("shortNames") or [], n.get("categories") or []))
    return out, crds
