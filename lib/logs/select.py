"""Which pods and containers to read: the console's Cluster / Log source / Pod choice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from ..errors import ApiError, MigError
from ..source import Source

# Where each log source runs: the controller on the host, Velero and Restic on source and target; MTC's
# helper pods (lib/mtc.HELPER_SOURCES) on source and target, in the application namespaces too.
ROLES_OF = {"controller": ("host",), "velero": ("source", "target"), "restic": ("source", "target"),
            **{h: ("source", "target") for h in mtc.HELPER_SOURCES}}
ALL_SOURCES = podlib.LOG_SOURCES + mtc.HELPER_SOURCES


@dataclass(frozen=True)
class Target:
    cluster: str       # role
    source: str        # velero | restic | controller | other (with --selector)
    pod: str
    container: str
    namespace: str
    node: str = ""
    whole: bool = False  # a pod MTC made for this migration: every line of it concerns the migration
    restarts: int = 0    # the container's restartCount when chosen: -f reads a restarted container anew

    @property
    def key(self) -> tuple:
        return (self.cluster, self.namespace, self.pod, self.container, self.restarts)


_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")          # DNS-1123 label: namespaces, containers
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")      # DNS-1123 subdomain: pods


def odd_name(t: Target) -> str | None:
    """Why `t` cannot name a container the API server would have (None: it can). The names become
    file names (mig-logs --output-dir): one from a hostile bundle (`../../x`) must never be read."""
    for what, value, rule, most in (("namespace", t.namespace, _LABEL, 63), ("pod", t.pod, _SUBDOMAIN, 253),
                                    ("container", t.container, _LABEL, 63)):
        if not (isinstance(value, str) and len(value) <= most and rule.fullmatch(value)):
            return f"{t.cluster}: {what} name {value!r} of pod {t.namespace}/{t.pod} is not a Kubernetes name: not read"
    return None


def _sane(found: list[Target], errors: list | None) -> list[Target]:
    out = []
    for t in found:
        why = odd_name(t)
        if why is None:
            out.append(t)
        elif errors is not None:
            errors.append((t.cluster, None, why))
    return out


def _restarts(pod: dict, container: str) -> int:
    return next((o.number(cs.get("restartCount")) for cs in o.maps(o.status(pod).get("containerStatuses"))
                 if cs.get("name") == container), 0)


def targets(src: Source, graph=None, roles=None, sources=None, pod: str | None = None,
            container: str | None = None, selector: str | None = None, errors: list | None = None) -> list[Target]:
    """The containers to read, one pod list per cluster; clusters that fail go to `errors`."""
    sources = list(sources or ALL_SOURCES)
    roles = list(roles or src.roles())
    out: list[Target] = []
    for role in roles:
        if role not in src.roles():
            continue
        if graph is not None and not selector:
            out += helper_targets(graph, role, sources, pod, container)
        if not selector and not any(s in podlib.LOG_SOURCES for s in sources):
            continue
        if not selector and not any(role in ROLES_OF[s] or role == "host" and s != "controller" and
                                    _host_runs_velero(graph) for s in sources):
            continue
        try:
            pods = src.list(role, "Pod", src.namespace, labels=selector or None)
        except (ApiError, MigError) as e:
            if errors is None:
                raise
            errors.append((role, None, str(e)))
            continue
        nodes, restic_pods = graph.volume_locations(role) if graph and graph.migration_uids else (set(), set())
        for p in sorted(pods, key=o.name):
            kind = podlib.classify(p) or ("other" if selector else "")
            if not kind or (not selector and kind not in sources) or (pod and o.name(p) != pod):
                continue
            if not selector and role not in ROLES_OF[kind] and not (role == "host" and kind == "velero"):
                continue
            if kind == "restic" and graph is not None and graph.migration_uids and not pod \
                    and (podlib.data_path_of(p) and not graph.restic_pod_served(role, p)
                         or not podlib.data_path_of(p) and (nodes or restic_pods) and podlib.node(p) not in nodes
                         and o.name(p) not in restic_pods):
                continue
            for c in podlib.containers(p):
                if container and c != container:
                    continue
                out.append(Target(role, kind, o.name(p), c, o.namespace(p) or src.namespace, podlib.node(p),
                                  restarts=_restarts(p, c)))
    out = _sane(out, errors)
    if pod and not out:
        where = ", ".join(roles)
        raise MigError(f'pod "{pod}"' + (f' container "{container}"' if container else "")
                       + f" not found among the MTC pods in namespace {src.namespace} on {where}")
    return out


def helper_targets(graph, role: str, sources: list[str], pod: str | None = None,
                   container: str | None = None) -> list[Target]:
    """Containers of MTC's helper pods of the migration on `role` (lib/graph: rsync, stunnel, stage,
    registry and hook Job pods, in whatever namespace they run) for the helper log sources asked."""
    out: list[Target] = []
    for p in getattr(graph, "helpers", {}).get(role, []):
        if pod and o.name(p) != pod:
            continue
        kind = graph.helper_kind(p)
        for s in sources:
            transfer = s in ("rsync", "stunnel") and kind in ("rsync", "stunnel")
            if s not in mtc.HELPER_SOURCES or not (transfer or s == kind):
                continue
            for c in mtc.containers_for(p, s):
                if container and c != container:
                    continue
                out.append(Target(role, s, o.name(p), c, o.namespace(p), podlib.node(p), whole=True,
                                  restarts=_restarts(p, c)))
    for p in getattr(graph, "logged", {}).get(role, []):
        # a pod the must-gather saved only the log of: one file of all its containers (`oc logs --all-containers`),
        # read once, for the first source asked that it serves; no container can be picked out of it
        kind = graph.helper_kind(p)
        asked = next((s for s in sources if s in mtc.HELPER_SOURCES
                      and (s == kind or s in ("rsync", "stunnel") and kind in ("rsync", "stunnel"))), None)
        if asked is None or (pod and o.name(p) != pod) or (container and container != podlib.ALL_CONTAINERS):
            continue
        out.append(Target(role, asked, o.name(p), podlib.ALL_CONTAINERS, o.namespace(p), whole=True))
    return out


def _host_runs_velero(graph) -> bool:
    return False
