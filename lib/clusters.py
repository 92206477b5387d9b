"""Which clusters a command talks to: the host from kubeconfig, source and target from MigClusters.

The host is the kubeconfig's current (or --context) context. A MigCluster with
`isHostCluster: true` is the host; any other is reached at `spec.url` with the token in the
Secret named by `spec.serviceAccountSecretRef` (key `saToken`), honouring caBundle/insecure.
`--source-context` / `--target-context` replace a MigCluster's credentials.
"""

from __future__ import annotations

import base64
import os

from . import kubeconfig as kubeconfig_mod
from . import objects as o
from .client import Client
from .datafiles import data_file
from .errors import ApiError, MigError
from .kubeapi import ConfigException, Configuration, incluster_config
from .kubeconfig import ConnFlags

ROLES = ("host", "source", "target")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def in_cluster() -> Configuration:
    """Configuration from the pod's service account (KUBERNETES_SERVICE_HOST/PORT, its token and
    ca.crt; MIG_TOOLS_SERVICEACCOUNT_DIR says where they are mounted if not in the usual place)."""
    cfg = Configuration()
    sa = os.environ.get("MIG_TOOLS_SERVICEACCOUNT_DIR") or SA_DIR
    try:
        incluster_config().InClusterConfigLoader(token_filename=os.path.join(sa, "token"),
                                               cert_filename=os.path.join(sa, "ca.crt")).load_and_set(cfg)
    except ConfigException as exc:
        raise MigError(f"in-cluster config: {_one_line(exc)}") from None
    return cfg


def _ca_file(data: str) -> str:
    """caBundle is base64 in the CR (a []byte); kubernetes' Configuration wants a file."""
    try:
        pem = base64.b64decode(data)
    except ValueError:
        pem = data.encode()
    return data_file(pem, "mig-ca-", ".crt")


class Clusters:
    """Clients for host, source and target, created on first use.

    Every kubectl connection flag (`conn`) applies to the host; source and target get only the
    timeout: they are reached with their MigCluster's credentials, or a kubeconfig context as is."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None, timeout: float = 0.0,
                 source_context: str | None = None, target_context: str | None = None,
                 in_cluster_config: bool = False, conn: ConnFlags | None = None):
        self.conn = conn or ConnFlags(kubeconfig=kubeconfig, context=context, timeout=timeout)
        self.kubeconfig = self.conn.kubeconfig
        self.context = self.conn.context
        self.timeout = self.conn.timeout
        self.overrides = {"source": source_context, "target": target_context}
        self.in_cluster_config = in_cluster_config
        self._host: Client | None = None
        self._by_migcluster: dict[str, Client] = {}

    @property
    def host(self) -> Client:
        if self._host is None:
            if self.in_cluster_config:
                self._host = Client(in_cluster(), "host", self.timeout, self.conn.impersonation())
            else:
                cfg, name = kubeconfig_mod.load(self.conn)
                self._host = Client(cfg, f"host ({name})" if name != "host" else "host", self.timeout,
                                    self.conn.impersonation())
        return self._host

    def from_context(self, context: str, label: str) -> Client:
        cfg, name = kubeconfig_mod.load(self.conn, context, overrides=False)
        return Client(cfg, f"{label} ({name})" if name != label else label, self.timeout)

    def for_role(self, role: str, migcluster: dict | None) -> Client:
        """The client for role `source`/`target`: an override context, or the MigCluster's credentials."""
        ctx = self.overrides.get(role)
        if ctx:
            key = f"context:{ctx}"
            if key not in self._by_migcluster:
                self._by_migcluster[key] = self.from_context(ctx, role)
            return self._by_migcluster[key]
        if migcluster is None:
            raise MigError(f"{role}: no MigCluster for this role; pass --{role}-context")
        name = o.name(migcluster)
        if name not in self._by_migcluster:
            self._by_migcluster[name] = self._from_migcluster(role, migcluster)
        return self._by_migcluster[name]

    def _from_migcluster(self, role: str, mc: dict) -> Client:
        spec = o.spec(mc)
        label = f"{role} ({o.name(mc)})"
        if o.is_host_cluster(mc):
            host = self.host
            return Client(host.config, label, self.timeout, host.impersonate)
        url = spec.get("url") if isinstance(spec.get("url"), str) else ""
        ref = o.as_map(spec.get("serviceAccountSecretRef"))
        if not url or not isinstance(ref.get("name"), str) or not ref["name"]:
            raise MigError(f"{label}: MigCluster has no spec.url or serviceAccountSecretRef; "
                           f"pass --{role}-context")
        try:
            secret = self.host.get("Secret", ref["name"], ref.get("namespace") or o.namespace(mc))
        except ApiError as e:
            raise ApiError(f"{label}: cannot read its service account token: {e}", e.status, e.reason,
                           label) from None
        token_b64 = o.dig(secret, "data", "saToken")
        try:
            token = base64.b64decode(token_b64, validate=True).decode().strip() if isinstance(token_b64, str) else ""
        except (ValueError, UnicodeDecodeError):
            token = ""
        if not token:
            raise MigError(f"{label}: Secret {ref.get('namespace')}/{ref['name']} has no saToken key holding a token "
                           "in base64")
        cfg = Configuration()
        cfg.host = url.rstrip("/")
        cfg.api_key = {"authorization": "Bearer " + token}
        cfg.verify_ssl = spec.get("insecure") is not True      # only a true insecure turns verification off
        if isinstance(spec.get("caBundle"), str) and spec["caBundle"]:
            cfg.ssl_ca_cert = _ca_file(spec["caBundle"])
        return Client(cfg, label, self.timeout)
