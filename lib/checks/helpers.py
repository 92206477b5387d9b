"""MTC's helper pods of a migration (lib/graph helpers): registry pods of indirect image migration that
are not healthy (mig-controller's own check, registry.go ensureRegistryHealth, only runs while it waits
for them), and stage pods that cannot run, which block the stage backup."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from .registry import Finding, check, ref


@check("registry-pod-unhealthy", "stage-pod-unhealthy", current_state=("registry-pod-unhealthy",))
def helper_pods(f):
    """Registry and stage pods of the migration not Running or not ready."""
    done = o.phase(f.mig) == "Completed"
    for role in ("source", "target"):
        for kind, fid in (("registry", "registry-pod-unhealthy"), ("stage", "stage-pod-unhealthy")):
            for p in f.graph.helpers_of(role, kind):
                why = podlib.problems(p)
                if not why or o.meta(p).get("deletionTimestamp"):
                    continue
                what = ("image registry pod (indirect image migration)" if kind == "registry"
                        else "stage pod (it mounts the PVCs for the stage backup)")
                yield Finding(id=fid, severity="warning" if done else "error",
                              title=f"{what} {o.namespace(p)}/{o.name(p)} is unhealthy", cluster=role, objects=[ref(p)],
                              evidence=[f"Pod {o.namespace(p)}/{o.name(p)} on node {podlib.node(p) or '?'}: "
                                        f"{', '.join(why)}"]
                              + ([f"MigMigration {o.name(f.mig)}: {c.get('type')}: {c.get('message', '')}"
                                  for c in o.conditions(f.mig) if c.get("type") == mtc.COND_REGISTRIES_UNHEALTHY
                                  and o.is_true(c)] if kind == "registry" else [])
                              + _image_evidence(p, why),
                              fix=[f"oc describe pod {o.name(p)} -n {o.namespace(p)} --context <{role}>",
                                   f"oc mig-logs {o.name(f.mig)} --log-source {kind} --cluster {role}"]
                              + _image_fix(p, why, kind, role, f.src.namespace))


# Where mig-controller takes the image of its stage and registry pods: the ConfigMap mig-operator writes on every
# cluster (MC types.go ClusterConfigMapName, StagePodImageKey, RegistryImageKey; CAM 1.2.5+, mig-controller#628,
# BZ#1867597: a cluster that cannot pull the default image, e.g. disconnected, is pointed at a mirror there).
CLUSTER_CONFIG = "migration-cluster-config"
IMAGE_KEY = {"stage": "STAGE_IMAGE", "registry": "REGISTRY_IMAGE"}
IMAGE_SETTING = {"stage": "migration_stage_image_fqin", "registry": "migration_registry_image_fqin"}   # MO defaults
PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")


def _pull_failed(why: list) -> bool:
    return any(reason in w for w in why for reason in PULL_FAILURES)


def _image_evidence(pod: dict, why: list) -> list:
    if not _pull_failed(why):
        return []
    return [f"Pod {o.name(pod)}: container {c.get('name')} image {c.get('image')}"
            for c in o.maps(o.spec(pod).get("containers"))]


def _image_fix(pod: dict, why: list, kind: str, role: str, ns: str) -> list:
    if not _pull_failed(why):
        return []
    key = IMAGE_KEY[kind]
    return [f"oc get configmap {CLUSTER_CONFIG} -n {ns} --context <{role}> -o jsonpath='{{.data.{key}}}'    # the "
            f"image mig-controller gives {kind} pods on that cluster",
            f"Make it pullable from the {role} cluster's nodes: the registry.redhat.io pull secret on them (OCP 3: "
            "each node's docker config), or, disconnected, a mirror of the image in the MigrationController there: "
            f"oc patch migrationcontroller migration-controller -n {ns} --context <{role}> --type merge -p "
            f"'{{\"spec\":{{\"{IMAGE_SETTING[kind]}\":\"<mirror>/<image>:<tag>\"}}}}' (mig-operator writes {key} "
            "from it); then run the migration again"]
