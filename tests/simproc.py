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


def plugin_env(kubeconfig: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({"PATH": f"{ROOT / 'dist'}{os.pathsep}{env['PATH']}", "KUBECONFIG": kubeconfig, "NO_COLOR": "1"})
    env.update(extra)
    return env
