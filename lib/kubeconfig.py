"""kubeconfig loading as kubectl does it (client-go tools/clientcmd), then kubectl's flag overrides.

Files: `--kubeconfig` (that one file, which must exist), else every file of `KUBECONFIG` (missing ones
skipped), else ~/.kube/config. Merge (clientcmd loader.go): a named cluster, user or context comes
from the first file that defines it, and `current-context` from the first file that sets one.
Relative paths are resolved against the directory of the file that holds them.

Overrides (clientcmd client_config.go): --context picks the context; --cluster/--user replace its
cluster/user; -s/--server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name
change the cluster (a CA or insecure clears the other, a server clears a kubeconfig tls-server-name);
--token replaces the user's token and tokenFile, --client-certificate/--client-key their *-data;
--as/--as-group impersonate. The python `kubernetes` loader then turns the result into a
Configuration (exec plugins, auth providers, certificate data).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from .datafiles import data_file
from .errors import MigError
from .kubeapi import ConfigException, Configuration, kube_config

# users the kubernetes loader must handle (it imports oauthlib & co. for them); the others are direct
LOADER_ONLY = {"exec", "auth-provider"}

PATH_KEYS = {"cluster": ("certificate-authority",), "user": ("client-certificate", "client-key", "tokenFile")}


class ConnFlags:
    """kubectl's connection flags (genericclioptions.ConfigFlags) as the plugins parsed them.
    (A plain class, not a dataclass: `dataclasses` imports `inspect`, ~5 ms of every start-up.)"""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None, cluster: str | None = None,
                 user: str | None = None, server: str | None = None, token: str | None = None,
                 impersonate: str | None = None, impersonate_groups: list | None = None, insecure: bool = False,
                 certificate_authority: str | None = None, client_certificate: str | None = None,
                 client_key: str | None = None, tls_server_name: str | None = None, timeout: float = 0.0):
        self.kubeconfig, self.context, self.cluster, self.user = kubeconfig, context, cluster, user
        self.server, self.token, self.impersonate = server, token, impersonate
        self.impersonate_groups: list = list(impersonate_groups or [])
        self.insecure = insecure
        self.certificate_authority, self.client_certificate = certificate_authority, client_certificate
        self.client_key, self.tls_server_name, self.timeout = client_key, tls_server_name, timeout

    def __repr__(self) -> str:
        shown = {k: ("***" if k == "token" and v else v) for k, v in vars(self).items()}
        return f"ConnFlags({shown})"

    @classmethod
    def from_args(cls, a: Any) -> ConnFlags:
        g = lambda n, d=None: getattr(a, n, d)  # noqa: E731
        return cls(g("kubeconfig"), g("context"), g("cluster_name"), g("user"), g("server"), g("token"),
                   g("as_user"), list(g("as_group") or []), bool(g("insecure_skip_tls_verify")),
                   g("certificate_authority"), g("client_certificate"), g("client_key"), g("tls_server_name"),
                   g("request_timeout", 0.0) or 0.0)

    def impersonation(self) -> list[tuple[str, str]]:
        """The Impersonate-* headers client-go sends for --as/--as-group (one header per group)."""
        if not self.impersonate:
            return []
        return [("Impersonate-User", self.impersonate)] + [("Impersonate-Group", g) for g in self.impersonate_groups]


def default_files(explicit: str | None) -> tuple[list[str], str]:
    """The files to read and how to name them in messages."""
    if explicit:
        if not os.path.exists(explicit):
            raise MigError(f"kubeconfig {explicit}: no such file")
        return [explicit], explicit
    env = os.environ.get("KUBECONFIG")
    if env:
        seen: list[str] = []
        for p in env.split(os.pathsep):
            if p and p not in seen:
                seen.append(p)
        return [p for p in seen if os.path.exists(p)], env
    home = os.path.expanduser("~/.kube/config")
    return ([home] if os.path.exists(home) else []), home


def _read(path: str) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)      # libyaml when the zipapp carries it
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as exc:
        raise MigError(f"kubeconfig {path}: cannot load: {' '.join(str(exc).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MigError(f"kubeconfig {path}: cannot load: not a kubeconfig mapping")
    return data


def _resolved(kind: str, body: dict, base: str) -> dict:
    body = copy.deepcopy(body or {})
    for key in PATH_KEYS[kind]:
        v = body.get(key)
        if isinstance(v, str) and v and not os.path.isabs(v):
            body[key] = os.path.join(base, os.path.expanduser(v))
    return body


class Merged:
    """The kubeconfig files merged: named clusters, users and contexts, and current-context."""

    def __init__(self) -> None:
        self.clusters: dict = {}
        self.users: dict = {}
        self.contexts: dict = {}
        self.current_context = ""


def merge(files: list[str]) -> Merged:
    """First file wins for every named entry and for current-context (clientcmd loader.go)."""
    m = Merged()
    for path in files:
        data = _read(path)
        base = os.path.dirname(os.path.abspath(path))
        for section, kind, target in (("clusters", "cluster", m.clusters), ("users", "user", m.users),
                                      ("contexts", "context", m.contexts)):
            for item in data.get(section) or []:
                if not isinstance(item, dict) or "name" not in item:
                    raise MigError(f"kubeconfig {path}: cannot load: an entry of {section} has no name")
                if item["name"] in target:
                    continue
                body = item.get(kind) or {}
                target[item["name"]] = _resolved(kind, body, base) if kind in PATH_KEYS else dict(body)
        if not m.current_context and data.get("current-context"):
            m.current_context = str(data["current-context"])
    return m


def resolve(f: ConnFlags, context: str | None = None, overrides: bool = True) -> tuple[dict, dict, str]:
    """(cluster, user, context name) after kubectl's overrides; `context` replaces --context (source and
    target contexts), and overrides=False leaves out every cluster/user flag (they concern the host)."""
    files, where = default_files(f.kubeconfig)
    m = merge(files)
    server = f.server if overrides else None
    if not files and not server:
        raise MigError(f"no kubeconfig found at {where}: set KUBECONFIG or pass --kubeconfig")
    name = context or (f.context if overrides else None) or m.current_context
    ctx: dict = {}
    if name:
        if name not in m.contexts:
            if context or f.context:
                raise MigError(f'kubeconfig {where}: context "{name}" does not exist')
            raise MigError(f'kubeconfig {where}: current-context "{name}" does not exist')
        ctx = m.contexts[name]
    elif not server:
        raise MigError(f"kubeconfig {where}: no current-context; pass --context")
    cname = (f.cluster if overrides else None) or ctx.get("cluster") or ""
    uname = (f.user if overrides else None) or ctx.get("user") or ""
    if overrides and f.cluster and f.cluster not in m.clusters:
        raise MigError(f'kubeconfig {where}: cluster "{f.cluster}" does not exist')
    if overrides and f.user and f.user not in m.users:
        raise MigError(f'kubeconfig {where}: auth info "{f.user}" does not exist')
    cluster = copy.deepcopy(m.clusters.get(cname) or {})
    user = copy.deepcopy(m.users.get(uname) or {})
    if overrides:
        _override_cluster(cluster, f)
        _override_user(user, f)
    if not cluster.get("server"):
        raise MigError(f'kubeconfig {where}: no server found for cluster "{cname or name}"')
    return cluster, user, name or cluster["server"]


def _override_cluster(cluster: dict, f: ConnFlags) -> None:
    if f.server:
        cluster["server"] = f.server
    if f.insecure or f.certificate_authority:
        cluster.pop("certificate-authority-data", None)
        cluster.pop("certificate-authority", None)
        cluster.pop("insecure-skip-tls-verify", None)
        if f.insecure:
            cluster["insecure-skip-tls-verify"] = True
        if f.certificate_authority:
            cluster["certificate-authority"] = os.path.abspath(f.certificate_authority)
    if f.tls_server_name or f.server:
        cluster.pop("tls-server-name", None)
        if f.tls_server_name:
            cluster["tls-server-name"] = f.tls_server_name


def _override_user(user: dict, f: ConnFlags) -> None:
    if f.token:
        user["token"] = f.token
        user.pop("tokenFile", None)
    if f.client_certificate:
        user["client-certificate"] = os.path.abspath(f.client_certificate)
        user.pop("client-certificate-data", None)
    if f.client_key:
        user["client-key"] = os.path.abspath(f.client_key)
        user.pop("client-key-data", None)


def configuration(cluster: dict, user: dict, where: str) -> Configuration:
    """A kubernetes Configuration from one resolved cluster and user (exec, auth-provider included)."""
    for key in ("certificate-authority", "client-certificate", "client-key"):
        holder = cluster if key == "certificate-authority" else user
        if holder.get(key) and not os.path.exists(holder[key]):
            raise MigError(f"kubeconfig {where}: {key} {holder[key]}: no such file")
    if not (set(user) & LOADER_ONLY):
        return _direct(cluster, user)
    d = {"current-context": "effective", "contexts": [{"name": "effective", "context": {
        "cluster": "effective", "user": "effective"}}], "clusters": [{"name": "effective", "cluster": cluster}],
        "users": [{"name": "effective", "user": user}]}
    cfg = Configuration()
    try:
        kube_config().KubeConfigLoader(config_dict=d, config_base_path="").load_and_set(cfg)
    except ConfigException as exc:
        raise MigError(f"kubeconfig {where}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # malformed fields deep inside the loader
        raise MigError(f"kubeconfig {where}: cannot load: {' '.join(str(exc).split())}") from None
    return cfg


def _data_file(b64: str, suffix: str) -> str:
    """*-data fields are base64 in the kubeconfig; the transport wants files (removed at exit)."""
    import base64

    return data_file(base64.b64decode(b64), "mig-kubeconfig-", suffix)


def _direct(cluster: dict, user: dict) -> Configuration:
    """What KubeConfigLoader sets for a token, token file, client certificate or basic-auth user."""
    cfg = Configuration()
    cfg.host = cluster["server"].rstrip("/")
    if cfg.host.startswith("https"):
        ca = cluster.get("certificate-authority") or (
            _data_file(cluster["certificate-authority-data"], ".crt") if cluster.get("certificate-authority-data")
            else None)
        if ca:
            cfg.ssl_ca_cert = ca
        cert = user.get("client-certificate") or (
            _data_file(user["client-certificate-data"], ".crt") if user.get("client-certificate-data") else None)
        key = user.get("client-key") or (
            _data_file(user["client-key-data"], ".key") if user.get("client-key-data") else None)
        if cert:
            cfg.cert_file = cert
        if key:
            cfg.key_file = key
    if "insecure-skip-tls-verify" in cluster:
        cfg.verify_ssl = not cluster["insecure-skip-tls-verify"]
    if cluster.get("tls-server-name"):
        cfg.tls_server_name = cluster["tls-server-name"]
    token = user.get("token")
    if not token and user.get("tokenFile"):
        try:
            with open(user["tokenFile"], encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError as exc:
            raise MigError(f"tokenFile {user['tokenFile']}: {exc.strerror}") from None
    if token:
        cfg.api_key = {"authorization": f"Bearer {token}"}
    elif user.get("username") and user.get("password"):
        import base64

        basic = base64.b64encode(f"{user['username']}:{user['password']}".encode()).decode()
        cfg.api_key = {"authorization": f"Basic {basic}"}
    return cfg


def load(f: ConnFlags, context: str | None = None, overrides: bool = True) -> tuple[Configuration, str]:
    """Configuration and context name, as kubectl would connect with these flags."""
    cluster, user, name = resolve(f, context, overrides)
    where = f.kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    return configuration(cluster, user, where), name
