"""The MTC pods on a cluster, by the labels the operator puts on them (see shared mtc-facts)."""

from __future__ import annotations

from . import objects as o

# log source -> label selectors tried in order (old names first, newer Velero/OADP after).
SELECTORS = {
    "velero": ["component=velero", "app.kubernetes.io/instance=velero"],
    "restic": ["name=restic", "name=node-agent"],
    "controller": ["app=migration,control-plane=controller-manager", "control-plane=controller-manager"],
}
LOG_SOURCES = tuple(SELECTORS)


def classify(pod: dict) -> str:
    """velero, restic or controller for an MTC pod, '' for any other pod."""
    lb = o.labels(pod)
    # Restic/node-agent pods carry component=velero too: tell them apart first.
    if lb.get("name") in ("restic", "node-agent"):
        return "restic"
    if lb.get("component") == "velero" or lb.get("app.kubernetes.io/instance") == "velero" \
            or lb.get("deploy") == "velero":
        return "velero"
    if lb.get("control-plane") == "controller-manager" or lb.get("app") == "migration":
        return "controller"
    return ""


def mtc_pods(pods: list[dict], source: str | None = None) -> list[dict]:
    """The pods of one log source (or of all three) among `pods`, sorted by name."""
    found = [p for p in pods if classify(p) and (source is None or classify(p) == source)]
    return sorted(found, key=o.name)


def containers(pod: dict) -> list[str]:
    return [c.get("name", "") for c in o.spec(pod).get("containers") or []]


def node(pod: dict) -> str:
    return o.spec(pod).get("nodeName", "")


def restarts(pod: dict) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in o.status(pod).get("containerStatuses") or [])


def ready(pod: dict) -> bool:
    return o.phase(pod) == "Running" and all(cs.get("ready") for cs in o.status(pod).get("containerStatuses") or [])


def problems(pod: dict) -> list[str]:
    """Why a pod is unhealthy: not Running, not ready, CrashLoopBackOff, OOMKilled, restarts."""
    out = []
    if o.phase(pod) != "Running":
        out.append(f"phase {o.phase(pod) or 'Unknown'}")
    for cs in o.status(pod).get("containerStatuses") or []:
        name = cs.get("name", "")
        waiting = (cs.get("state") or {}).get("waiting") or {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        if waiting.get("reason"):
            out.append(f"container {name} {waiting['reason']}")
        if last.get("reason") == "OOMKilled":
            out.append(f"container {name} was OOMKilled")
        if int(cs.get("restartCount") or 0) > 0:
            out.append(f"container {name} restarted {cs['restartCount']} times")
        if o.phase(pod) == "Running" and not cs.get("ready"):
            out.append(f"container {name} not ready")
    return out
