"""Run the emulator out of process, as `make sim` does: for the demo and the benchmarks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _emulators(args: list[list[str]], env: dict | None = None) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", "tests.emulator", *a], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for a in args]


@contextmanager
def _running(procs: list[subprocess.Popen], kubeconfigs: list[Path], timeout: float):
    """Wait until every emulator process wrote its kubeconfig; stop them all at the end."""
    try:
        deadline = time.monotonic() + timeout
        while not all(k.exists() for k in kubeconfigs):
            for p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"emulator exited: {p.stderr.read().decode(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError("emulator did not write its kubeconfig in time")
            time.sleep(0.05)
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


@contextmanager
def serve(scenario: str, timeout: float = 60.0):
    """Yield the kubeconfig path of the emulated clusters of `scenario`; stop them afterwards."""
    with tempfile.TemporaryDirectory(prefix="mig-sim-") as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        procs = _emulators([["--scenario", scenario, "--kubeconfig-out", str(kubeconfig)]])
        with _running(procs, [kubeconfig], timeout):
            yield str(kubeconfig)


@contextmanager
def serve_split(scenario: str, clusters=("host", "source", "target"), timeout: float = 120.0):
    """Like serve(), one process per cluster (as real clusters are separate API servers, so that one
    busy cluster does not slow the others down through a shared interpreter). Yields the kubeconfig."""
    import random
    import secrets
    import socket

    from tests.emulator import tls

    def free_base() -> int:
        for _ in range(50):
            base = random.randrange(20000, 60000, 10)
            try:
                for i in range(len(clusters)):
                    with socket.socket() as sock:
                        sock.bind(("127.0.0.1", base + i))
                return base
            except OSError:
                continue
        raise RuntimeError("no free ports for the emulated clusters")

    base, seed = free_base(), secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="mig-sim-") as tmp:
        tls.make_pki(Path(tmp) / "pki")           # one CA for all the processes
        configs = [Path(tmp) / f"kubeconfig-{name}" for name in clusters]
        procs = _emulators([["--scenario", scenario, "--kubeconfig-out", str(kc), "--port-base", str(base),
                                  "--only", name, "--token-seed", seed, "--workdir", f"{tmp}/{name}"]
                                 for name, kc in zip(clusters, configs)],
                           dict(os.environ, MIG_EMULATOR_PKI_DIR=f"{tmp}/pki"))
        with _running(procs, configs, timeout):
            yield str(configs[0])


def control(kubeconfig: str, context: str, method: str, path: str, body: dict | None = None) -> dict:
    """Call the emulator's control API (/_emulator/...) of one cluster through kubectl --raw."""
    verb = {"GET": "get", "POST": "create", "DELETE": "delete"}[method]
    cmd = ["kubectl", "--kubeconfig", kubeconfig, "--context", context, verb, "--raw", f"/_emulator/{path}"]
    r = subprocess.run(cmd + (["-f", "-"] if body is not None else []), capture_output=True, text=True, check=True,
                       input=json.dumps(body) if body is not None else None)
    return json.loads(r.stdout) if r.stdout.strip() else {}


def plugin_env(kubeconfig: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({"PATH": f"{ROOT / 'dist'}{os.pathsep}{env['PATH']}", "KUBECONFIG": kubeconfig, "NO_COLOR": "1"})
    env.update(extra)
    return env
