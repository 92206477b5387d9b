"""A local multi-cluster Kubernetes API emulator: the test bed and the demo (never inside a zipapp).

    from tests.emulator import Emulator
    with Emulator.from_scenario("restic-timeout", workdir=tmp_path) as sim:
        sim.kubeconfig                       # contexts host, source, target (current: host)
        sim.cluster("source").url / .token / .store
        sim.get("target", "Restore", name, "openshift-migration")   # or None
        sim.list("source", "Pod", "openshift-migration")
        sim.put("source", obj)               # load an object as is
        sim.requests("source"); sim.request_count("source", method="DELETE", path=r"/pods")
        sim.reset_requests()
        sim.fault("source", method="GET", path=r"/backups", status=500, times=1)
        sim.fault("source", path=r"/log$", cut_after_lines=3, times=1)
        sim.fault("host", latency=0.2); sim.fault("target", status=429, retry_after=1, times=2)
        sim.fault("target", drop=True, times=1); sim.clear_faults()
        sim.add_token("source", "ro-token", allow=[{"verbs": ["get", "list"], "resources": ["*"]}])
        sim.append_log("source", "openshift-migration", "velero-xyz", "velero", "line", ts=None)
        sim.stop_cluster("target")           # unreachable from now on

Clusters serve HTTPS with a self-signed CA by default (kubectl sends bearer tokens only over
TLS); `tls=False` serves plain HTTP, `insecure_tls=True` writes insecure-skip-tls-verify.
Scenario files are documented in tests/emulator/README.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import shutil
import ssl
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from . import scenario as scen
from . import tls as tlsmod
from .faults import Fault
from .resources import table
from .server import Cluster

__all__ = ["Emulator", "Fault"]

TEMPLATE_LIMIT = 5 << 20   # log files smaller than this may use ${...} templates


class Emulator:
    def __init__(self, clusters=("host", "source", "target"), workdir: str | Path | None = None, tls: bool = True,
                 insecure_tls: bool = False, follow_idle_close: float = 2.0, token_seed: str | None = None):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.mkdtemp(prefix="mig-emulator-")
            workdir = self._tmp
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.tls = tls or insecure_tls
        self.insecure_tls = insecure_tls
        resources, crds = table()
        # token_seed: the same tokens in every process started with it (see `only` in start())
        self.token_seed = token_seed
        self.clusters = {n: Cluster(n, resources, crds, self.workdir, self._seeded_token(n)) for n in clusters}
        for c in self.clusters.values():
            c.logs.follow_idle_close = follow_idle_close
        self.kubeconfig = str(self.workdir / "kubeconfig")
        self.ca_file: Path | None = None
        self.description = ""

    def _seeded_token(self, name: str) -> str | None:
        if not self.token_seed:
            return None         # a random one
        return f"{name}-{hashlib.sha256((self.token_seed + name).encode()).hexdigest()[:32]}"

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, name_or_path: str, workdir=None, tls=True, insecure_tls=False, ports=None,
                      start: bool = True, only: str | None = None, **kw) -> Emulator:
        path = scen.find(name_or_path)
        sim = cls(scen.cluster_names(path), workdir, tls, insecure_tls, **kw)
        sim.start(ports, write_kubeconfig=False, only=only)
        sim.load(path)
        sim.write_kubeconfig()
        return sim

    def start(self, ports=None, write_kubeconfig: bool = True, only: str | None = None) -> None:
        """Serve every cluster; with `only`, serve that one and just name the others' URLs (fixed
        ports and a token seed make several processes, one per cluster, one estate: benchmarks)."""
        if only and not (ports and self.token_seed):
            raise ValueError("serving one cluster needs fixed ports and a token seed")
        contexts = {}
        if self.tls:
            ca_crt, key, crt = tlsmod.shared_pki()
            self.ca_file = ca_crt
        for i, (name, c) in enumerate(self.clusters.items()):
            ctx = None
            if self.tls:
                ctx = tlsmod.server_context(key, crt)
                c.ca_pem = ca_crt.read_bytes()
            port = (ports or {}).get(name, 0) if isinstance(ports, dict) else (ports + i if ports else 0)
            if only and name != only:
                c.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
                continue
            c.start(port, ctx)
            contexts[name] = c.url
        self._wait_ready(only)
        if write_kubeconfig:
            self.write_kubeconfig()

    def _wait_ready(self, only: str | None = None, timeout: float = 10.0) -> None:
        ctx = ssl.create_default_context(cafile=str(self.ca_file)) if self.tls else None
        for c in self.clusters.values():
            if only and c.name != only:
                continue
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{c.url}/healthz", timeout=1, context=ctx) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cluster {c.name} did not answer at {c.url}")
                time.sleep(0.02)

    def values(self) -> dict:
        return {n: {"url": c.url, "token": c.token,
                    "ca_b64": base64.b64encode(c.ca_pem).decode() if c.ca_pem else ""}
                for n, c in self.clusters.items()}

    def load(self, path: Path) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        doc = scen.load(path, self.values(), now)
        self.description = doc.get("description", "")
        for cname, objs in doc["objects"].items():
            c = self._c(cname)
            nsres = c.resource("Namespace")
            for obj in objs:
                res = self._res_of(c, obj)
                ns = (obj.get("metadata") or {}).get("namespace")
                if res.namespaced and ns and not c.store.objects.get(("namespaces", "", ns)):
                    c.store.put(nsres, {"metadata": {"name": ns}, "status": {"phase": "Active"}})
                c.store.put(res, obj)
            self._mark_terminated(c)
        for cname, logs in doc["logs"].items():
            c = self._c(cname)
            for key, src in logs.items():
                previous = key.endswith("@previous")
                ns, pod, container = key.split("@")[0].split("/")
                path, owned = self._log_file(cname, key, Path(src), now)
                c.logs.add(ns, pod, container, path, previous, owned=owned)
        for cname, files in doc["downloads"].items():
            c = self._c(cname)
            c.render = lambda text, _now=now: scen.render(text, self.values(), _now)
            for key, src in files.items():
                c.velero_files[key] = Path(src)
        for cname, toks in doc["tokens"].items():
            for tname, spec in toks.items():
                self.add_token(cname, spec.get("token", tname), spec.get("allow"))

    def _log_file(self, cname: str, key: str, src: Path, now) -> tuple[Path, bool]:
        """(path, owned): small logs are copied (templated) into the workdir so that appends reach
        streams already open; large ones (benchmarks) are served in place."""
        if not src.exists():
            raise FileNotFoundError(f"scenario log file {src} (for {cname} {key}) does not exist")
        if src.stat().st_size > TEMPLATE_LIMIT:
            return src, False
        text = src.read_text(errors="surrogateescape")
        dest = self.workdir / "scenario-logs" / cname / (key.replace("/", "_").replace("@", "_") + ".log")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(scen.render(text, self.values(), now) if "${" in text else text, errors="surrogateescape")
        return dest, True

    def _mark_terminated(self, c: Cluster) -> None:
        for (plural, ns, name), pod in c.store.objects.items():
            if plural != "pods":
                continue
            for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                if (cs.get("state") or {}).get("terminated"):
                    lf = c.logs.files.get((ns, name, cs.get("name"), False))
                    if lf:
                        lf.terminated = True

    @staticmethod
    def _res_of(c: Cluster, obj: dict):
        api = obj.get("apiVersion", "v1")
        group = api.split("/")[0] if "/" in api else ""
        for r in c.resources:
            if r.kind == obj.get("kind") and r.group == group:
                return r
        raise ValueError(f"the emulator does not serve {obj.get('kind')} in {api}")

    def write_kubeconfig(self, path: str | None = None) -> str:
        """Write the kubeconfig atomically (temp file + rename): it appears only once complete."""
        path = path or self.kubeconfig
        cfg = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": "host"
               if "host" in self.clusters else next(iter(self.clusters)), "clusters": [], "users": [], "contexts": []}
        for n, c in self.clusters.items():
            cl = {"server": c.url}
            if self.insecure_tls:
                cl["insecure-skip-tls-verify"] = True
            elif self.tls:
                cl["certificate-authority-data"] = base64.b64encode(c.ca_pem).decode()
            cfg["clusters"].append({"name": n, "cluster": cl})
            cfg["users"].append({"name": f"{n}-admin", "user": {"token": c.token}})
            cfg["contexts"].append({"name": n, "context": {"cluster": n, "user": f"{n}-admin",
                                                            "namespace": "openshift-migration"}})
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            yaml.safe_dump(cfg, f, sort_keys=False)
        os.replace(tmp, path)
        self.kubeconfig = path
        return path

    # --- test API ----------------------------------------------------------------------------
    def _c(self, name: str) -> Cluster:
        if name not in self.clusters:
            raise KeyError(f"no cluster {name!r} (have {', '.join(self.clusters)})")
        return self.clusters[name]

    def cluster(self, name: str) -> Cluster:
        return self._c(name)

    def put(self, cluster: str, obj: dict) -> dict:
        c = self._c(cluster)
        return c.store.put(self._res_of(c, obj), obj)

    def get(self, cluster: str, kind: str, name: str, namespace: str = "") -> dict | None:
        c = self._c(cluster)
        try:
            return c.store.get(c.resource(kind), namespace, name)
        except Exception:
            return None

    def list(self, cluster: str, kind: str, namespace: str | None = None) -> list[dict]:
        c = self._c(cluster)
        return c.store.list(c.resource(kind), namespace)

    def requests(self, cluster: str):
        return self._c(cluster).faults.requests()

    def request_count(self, cluster: str | None = None, method: str | None = None, path: str | None = None) -> int:
        import re

        names = [cluster] if cluster else list(self.clusters)
        return sum(1 for n in names for r in self.requests(n)
                   if (method is None or r.method == method) and (path is None or re.search(path, r.path)))

    def writes(self, cluster: str | None = None) -> list:
        """Requests that change a cluster. Velero DownloadRequests are not among them: the way to read
        Velero's files (mig-gather makes one, reads its URL and deletes it), they change nothing."""
        names = [cluster] if cluster else list(self.clusters)
        return [r for n in names for r in self.requests(n) if r.method in ("POST", "PUT", "PATCH", "DELETE")
                and "/downloadrequests" not in r.path]

    def reset_requests(self, cluster: str | None = None) -> None:
        for n in ([cluster] if cluster else self.clusters):
            self._c(n).faults.reset()

    def fault(self, cluster: str, **kw) -> Fault:
        return self._c(cluster).faults.add(**kw)

    def clear_faults(self, cluster: str | None = None) -> None:
        for n in ([cluster] if cluster else self.clusters):
            self._c(n).faults.clear()

    def add_token(self, cluster: str, token: str, allow: list | None) -> None:
        self._c(cluster).tokens[token] = allow

    def append_log(self, cluster, namespace, pod, container, line, ts=None) -> None:
        self._c(cluster).logs.append(namespace, pod, container, line, ts)

    def terminate(self, cluster, namespace, pod, container) -> None:
        self._c(cluster).logs.terminate(namespace, pod, container)

    def stop_cluster(self, name: str) -> None:
        self._c(name).stop()

    def stop(self) -> None:
        for c in self.clusters.values():
            c.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
