"""Wall time of `kubectl mig-verify <migration>` and `kubectl mig-crs <prefix>` against the emulator.

The emulator serves the restic-timeout scenario out of process; each command runs once to warm up
(zipapp unpacked, bytecode written), then MIG_BENCH_RUNS times (default 5) and the median is
reported. mig-verify exits 1 there (the migration failed): that is expected. The API requests one
run makes are counted per cluster through the emulator's /_emulator/requests control endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import statistics
import subprocess
import time
import urllib.request

import yaml

from tests.simproc import plugin_env, serve

SCENARIO = "restic-timeout"
MIGRATION = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
COMMANDS = {
    "mig-verify": (["kubectl", "mig-verify", MIGRATION], 1),   # (command, expected exit code)
    "mig-crs": (["kubectl", "mig-crs", MIGRATION[:8]], 0),
}


def _time(cmd: list[str], env: dict, rc: int) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != rc:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return time.perf_counter() - t0


class _Requests:
    """The emulated clusters' request logs (token and CA from the kubeconfig)."""

    def __init__(self, kubeconfig: str):
        cfg = yaml.safe_load(open(kubeconfig))
        tokens = {u["name"]: u["user"]["token"] for u in cfg["users"]}
        clusters = {c["name"]: c["cluster"] for c in cfg["clusters"]}
        self.clusters = {}
        for ctx in cfg["contexts"]:
            cl = clusters[ctx["context"]["cluster"]]
            tls = ssl.create_default_context(cadata=base64.b64decode(cl["certificate-authority-data"]).decode()) \
                if "certificate-authority-data" in cl else None
            self.clusters[ctx["name"]] = (cl["server"], tokens[ctx["context"]["user"]], tls)

    def _call(self, name: str, method: str) -> dict:
        server, token, tls = self.clusters[name]
        req = urllib.request.Request(f"{server}/_emulator/requests", method=method,
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, context=tls, timeout=10) as r:
            return json.load(r)

    def reset(self) -> None:
        for name in self.clusters:
            self._call(name, "DELETE")

    def counts(self) -> dict:
        return {name: len(self._call(name, "GET")["requests"]) for name in self.clusters}


def main() -> dict:
    runs = int(os.environ.get("MIG_BENCH_RUNS", "5"))
    out: dict = {}
    with serve(SCENARIO) as kubeconfig:
        env = plugin_env(kubeconfig)
        reqs = _Requests(kubeconfig)
        for label, (cmd, rc) in COMMANDS.items():
            reqs.reset()
            _time(cmd, env, rc)                                  # warm-up, and the run counted
            counts = reqs.counts()
            median = statistics.median(_time(cmd, env, rc) for _ in range(runs))
            out[label] = {"median_s": round(median, 3), "runs": runs, "requests": counts,
                          "requests_total": sum(counts.values())}
            per = ", ".join(f"{k} {v}" for k, v in counts.items())
            print(f"{label}: median {median:.3f}s of {runs}; {sum(counts.values())} API requests ({per})",
                  flush=True)
    return out


if __name__ == "__main__":
    main()
