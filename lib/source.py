"""Where objects and logs come from. One interface, two kinds: live clusters or a must-gather.

Everything above this layer (graph, checks, renderers) reads through a Source and never
knows which kind it has. Roles are `host`, `source` and `target`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, List, Optional, Protocol

from .errors import ApiError, MigError, NotCollected, NotServed
from .resources import Resource

if TYPE_CHECKING:          # the kubernetes transport is imported only where a live cluster is used
    from .client import Client
    from .clusters import Clusters


class Source(Protocol):
    """Read-only access to the clusters of a migration, by role. Live clusters and must-gathers
    implement it (subclassing it for the defaults below); a kind, namespace or cluster a must-gather
    did not collect raises NotCollected, never reads as empty."""

    namespace: str = "openshift-migration"
    live: bool = False
    now: Optional[_dt.datetime] = None   # the time to judge by, if not the present (a must-gather: when gathered)

    def bind(self, role: str, migcluster: dict | None) -> None:
        """Say which MigCluster plays `role` (source/target); host is always bound."""

    def label(self, role: str) -> str:
        """Human name of the cluster playing `role`, for output and errors."""
        return role

    def roles(self) -> List[str]:
        raise NotImplementedError

    def list(self, role: str, kind: str | Resource, namespace: str | None = None,
             labels: str | None = None, fields: str | None = None) -> List[dict]:
        raise NotImplementedError

    def get(self, role: str, kind: str | Resource, name: str, namespace: str | None = None) -> dict | None:
        raise NotImplementedError

    def logs(self, role: str, namespace: str, pod: str, container: str | None = None,
             **opts) -> Iterator[bytes]:
        raise NotImplementedError

    def discover(self, role: str) -> List[Resource]:
        raise NotImplementedError

    def log_window(self, role: str, namespace: str, pod: str, container: str | None = None) -> str | None:
        """Why the log read for this container may start later than the container did (a bundle gathered
        with a time window); None: it holds what the cluster had."""
        return None

    def logged_pods(self, role: str) -> List[dict]:
        """Pods on `role` known only by a log a must-gather saved of them, never by their object (lib/pods
        SAVED_LOG): [] for live clusters, which have the pods themselves."""
        return []

    def client(self, role: str) -> Client:
        raise MigError("this needs live clusters: it cannot run against a must-gather")

    def download(self, role: str, kind: str, name: str) -> bytes:
        """What Velero keeps in object storage for a Backup or Restore (`kind` is a DownloadRequest
        target: BackupLog, RestoreLog, RestoreResults), uncompressed; NotCollected when not available."""
        raise NotCollected(f"{role}: {kind} of {name} was not collected")


class LiveSource(Source):
    """Live clusters through Clusters: host from kubeconfig, source/target from MigClusters."""

    live = True

    def __init__(self, clusters: Clusters, namespace: str = "openshift-migration"):
        self.clusters = clusters
        self.namespace = namespace
        self._bound: dict[str, dict | None] = {}
        self._downloaders: dict = {}

    def bind(self, role: str, migcluster: dict | None) -> None:
        self._bound[role] = migcluster

    def roles(self) -> List[str]:
        return ["host"] + [r for r in ("source", "target") if r in self._bound]

    def client(self, role: str) -> Client:
        if role == "host":
            return self.clusters.host
        if role not in self._bound and not self.clusters.overrides.get(role):
            raise MigError(f"no {role} cluster is known yet")
        return self.clusters.for_role(role, self._bound.get(role))

    def label(self, role: str) -> str:
        mc = self._bound.get(role)
        if self.clusters.overrides.get(role):
            return f"{role} ({self.clusters.overrides[role]})"
        if mc:
            return f"{role} ({mc.get('metadata', {}).get('name', '')})"
        return role

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        return self.client(role).list(kind, namespace, labels, fields)

    def get(self, role, kind, name, namespace=None):
        return self.client(role).get_or_none(kind, name, namespace)

    def logs(self, role, namespace, pod, container=None, **opts):
        return self.client(role).log_stream(namespace, pod, container, **opts)

    def discover(self, role):
        return self.client(role).discover()

    def download(self, role, kind, name):
        from .gather import velero

        dl = self._downloaders.get(role)
        if dl is None:       # one per cluster: a Velero that did not answer is not waited on twice
            dl = self._downloaders[role] = velero.Downloader(self.client(role), self.namespace, [])
        try:
            return dl.fetch(kind, name)
        except velero.NotFound as e:
            raise NotCollected(f"{self.label(role)}: {e}") from None


class Cached:
    """The Source with its list calls remembered, so the graph, the log reader and the checks share one pod
    list, and every read a cluster refused or did not answer is known (lib/facts.py Facts.partial). For
    reading, not for polling: a list asked again is answered from memory.."""

    def __init__(self, src: Source):
        self._src = src
        self._lists: dict = {}
        self.failed: List[ApiError] = []      # reads a cluster refused or did not answer: the report is partial

    def __getattr__(self, attr):
        return getattr(self._src, attr)

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        key = (role, kind.kind if isinstance(kind, Resource) else kind, namespace, labels, fields)
        if key not in self._lists:
            try:
                self._lists[key] = self._src.list(role, kind, namespace, labels, fields)
            except ApiError as e:
                if e.status == 404:       # a list answered 404: the collection is not there, the kind not served
                    e = NotServed(f"{role}: {e}")
                else:
                    self.failed.append(e)
                self._lists[key] = e      # asked again, it fails at once: not another round of retries
        found = self._lists[key]
        if isinstance(found, Exception):
            raise found
        return found
