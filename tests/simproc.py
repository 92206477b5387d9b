"""Run the emulator out of process, as `make sim` does: for the demo and the benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serve(scenario: str, timeout: float = 60.0):
    """Yield the kubeconfig path of the emulated clusters of `scenario`; stop them afterwards."""
    with tempfile.TemporaryDirectory(prefix="mig-sim-") as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--scenario", scenario,
                                 "--kubeconfig-out", str(kubeconfig)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + timeout
            while not kubeconfig.exists():
                if proc.poll() is not None:
                    raise RuntimeError(f"emulator exited: {proc.stderr.read().decode(errors='replace')}")
                if time.monotonic() > deadline:
                    raise RuntimeError("emulator did not write its kubeconfig in time")
                time.sleep(0.05)
            yield str(kubeconfig)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def serve_split(scenario: str, clusters=("host", "source", "target"), timeout: float = 120.0):
    """Like serve(), one process per cluster (as real clusters are separate API servers, so that one
    busy cluster does not slow the others down through a shared interpreter). Yields the kubeconfig."""
    import random
    import secrets
    import socket

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

    from tests.emulator import tls

    base, seed = free_base(), secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="mig-sim-") as tmp:
        procs, configs = [], []
        env = dict(os.environ, MIG_EMULATOR_PKI_DIR=f"{tmp}/pki")
        ca_key, ca_crt = tls.make_ca(Path(tmp) / "pki")
        tls.make_server_cert(Path(tmp) / "pki", "server", ca_key, ca_crt)
        try:
            for name in clusters:
                kc = Path(tmp) / f"kubeconfig-{name}"
                configs.append(kc)
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "tests.emulator", "--scenario", scenario, "--kubeconfig-out", str(kc),
                     "--port-base", str(base), "--only", name, "--token-seed", seed, "--workdir", f"{tmp}/{name}"],
                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            deadline = time.monotonic() + timeout
            while not all(k.exists() for k in configs):
                for p in procs:
                    if p.poll() is not None:
                        raise RuntimeError(f"emulator exited: {p.stderr.read().decode(errors='replace')}")
                if time.monotonic() > deadline:
                    raise RuntimeError("emulator did not write its kubeconfig in time")
                time.sleep(0.05)
            yield str(configs[0])
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def plugin_env(kubeconfig: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({"PATH": f"{ROOT / 'dist'}{os.pathsep}{env['PATH']}", "KUBECONFIG": kubeconfig, "NO_COLOR": "1"})
    env.update(extra)
    return env
