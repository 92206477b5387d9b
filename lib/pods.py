"""The MTC pods on a cluster, by the labels the operator puts on them (see shared mtc-facts)."""

from __future__ import annotations

from . import mtc
from . import objects as o

# The MTC components whose pods have logs of their own (which pods each is: mtc_pods, by lib/mtc.py's labels).
LOG_SOURCES = ("velero", "restic", "controller")

# A pod known only by the log a must-gather saved of it (lib/mustgather/source.py logged_pods): no spec, no status,
# only what the file's place says. Under this key: {"file": the log's path in the bundle, "kind": the helper kind
# lib/graph gave it, "why": what says so}. Its one log holds every container (`oc logs --all-containers`), read as
# container ALL_CONTAINERS.
SAVED_LOG = "mustGatherSavedLog"
ALL_CONTAINERS = "all-containers"


def classify(pod: dict) -> str:
    """velero, restic or controller for an MTC pod, '' for any other pod."""
    lb = o.labels(pod)
    # Restic/node-agent pods carry component=velero too: tell them apart first. The node-agent's data path pods
    # (data mover, Velero 1.17 file system backup) are read with it (lib/mtc DATA_PATH_POD_LABELS).
    if lb.get("name") in mtc.RESTIC_NAMES or lb.get(mtc.NODE_AGENT_ROLE[0]) == mtc.NODE_AGENT_ROLE[1] \
            or data_path_of(pod):
        return "restic"
    if (lb.get("component") == "velero" or lb.get("app.kubernetes.io/instance") == "velero"
            or lb.get("deploy") == "velero") and not any(k in lb for k in mtc.NOT_VELERO_SERVER):
        return "velero"            # not a repository maintenance Job's pod wearing the server's labels
    if lb.get(mtc.CONTROLLER_LABEL[0]) == mtc.CONTROLLER_LABEL[1] and any(lb.get(k) == v for k, v in mtc.CONTROLLER_ALSO):
        return "controller"        # neither app=migration alone (UI, log reader, operator) nor OADP's operator
    return ""


def saved_log(pod: dict) -> dict:
    """{file, kind, why} of a pod known only by a must-gather's saved log, {} for a pod object."""
    info = pod.get(SAVED_LOG)
    return info if isinstance(info, dict) else {}


def data_path_of(pod: dict) -> str:
    """'<Kind> <name>' of the DataUpload, DataDownload, PodVolumeBackup or PodVolumeRestore a Velero data path pod
    serves, '' for any other pod."""
    lb = o.labels(pod)
    return next((f"{kind} {lb[k]}" for k, kind in mtc.DATA_PATH_POD_LABELS.items() if lb.get(k)), "")


def finished_data_path(pod: dict) -> bool:
    """A data path pod whose work is done (phase Succeeded): Velero deletes it next (pkg/exposer CleanUp)."""
    return bool(data_path_of(pod)) and o.phase(pod) == "Succeeded"


def kind_name(pod: dict) -> str:
    """What to call an MTC pod in a title: its log source, or the node-agent's data path pod."""
    return "node-agent data path" if data_path_of(pod) else classify(pod)


def mtc_pods(pods: list[dict], source: str | None = None) -> list[dict]:
    """The pods of one log source (or of all three) among `pods`, sorted by name."""
    found = [p for p in pods if classify(p) and (source is None or classify(p) == source)]
    return sorted(found, key=o.name)


def containers(pod: dict) -> list[str]:
    return [c.get("name", "") for c in o.maps(o.spec(pod).get("containers"))]


def terminated(cs: dict, last: bool = True) -> dict:
    """A container status's terminated state: the current one, else (`last`) the previous instance's; {} when
    neither is a map."""
    now = o.as_map(o.dig(cs, "state", "terminated"))
    return now or (o.as_map(o.dig(cs, "lastState", "terminated")) if last else {})


def node(pod: dict) -> str:
    name = o.spec(pod).get("nodeName")
    return name if isinstance(name, str) else ""


def restarts(pod: dict) -> int:
    return sum(o.number(cs.get("restartCount")) for cs in o.maps(o.status(pod).get("containerStatuses")))


def ready(pod: dict) -> bool:
    return o.phase(pod) == "Running" and all(cs.get("ready") for cs in o.maps(o.status(pod).get("containerStatuses")))



def problems(pod: dict) -> list[str]:
    """Why a pod is unhealthy: not Running, not ready, CrashLoopBackOff, OOMKilled, restarts."""
    out = []
    if o.phase(pod) != "Running":
        out.append(f"phase {o.phase(pod) or 'Unknown'}")
    for cs in o.maps(o.status(pod).get("containerStatuses")):
        name = cs.get("name", "")
        waiting = o.as_map(o.dig(cs, "state", "waiting"))
        last = o.as_map(o.dig(cs, "lastState", "terminated"))
        if waiting.get("reason"):
            out.append(f"container {name} {waiting['reason']}")
        if last.get("reason") == "OOMKilled":
            out.append(f"container {name} was OOMKilled")
        if o.number(cs.get("restartCount")) > 0:
            out.append(f"container {name} restarted {cs['restartCount']} times")
        if o.phase(pod) == "Running" and not cs.get("ready"):
            out.append(f"container {name} not ready")
    return out
