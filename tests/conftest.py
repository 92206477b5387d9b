"""Fixtures shared by the suite: the built zipapps on PATH and the real kubectl that finds them.

End-to-end tests run `kubectl mig-<name> ...` as the user would, against the emulator
(`sim` fixture from tests/emulator/pytest_fixtures.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"

pytest_plugins = ["tests.emulator.pytest_fixtures"]


@pytest.fixture(scope="session")
def dist_dir() -> Path:
    """dist/ with every plugin built; `make test` builds just before and sets MIG_TOOLS_BUILT=1."""
    if os.environ.get("MIG_TOOLS_BUILT") != "1":
        import fcntl

        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))   # xdist workers build once per run
        (ROOT / "build").mkdir(exist_ok=True)
        with open(ROOT / "build" / ".test-build.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.seek(0)
            if lock.read().strip() != run:
                subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                lock.seek(0)
                lock.truncate()
                lock.write(run)
                lock.flush()
    return DIST


def _kubeconfig_of(target) -> str:
    return str(getattr(target, "kubeconfig", target))


@pytest.fixture
def kubectl(dist_dir, tmp_path_factory):
    """run(sim_or_kubeconfig, *args, env=None, input=None, timeout=90) -> CompletedProcess (text)."""
    home = tmp_path_factory.mktemp("home")

    def run(target, *args, env=None, input=None, timeout=90, text=True):
        e = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        e.update({"PATH": f"{dist_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(home), "NO_COLOR": "1"})
        if target is not None:
            e["KUBECONFIG"] = _kubeconfig_of(target)
        e.update(env or {})
        return subprocess.run(["kubectl", *args], env=e, capture_output=True, text=text, input=input,
                              timeout=timeout)

    return run


def table_rows(stdout: str) -> list[dict]:
    """A kubectl-style table as dicts keyed by header, cut at the header's column starts."""
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    if not lines:
        return []
    header = lines[0]
    import re

    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = []
    for ln in lines[1:]:
        cells = [ln[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(names, cells)))
    return rows


def gather(kubectl, s, dest, *args, env=None):
    """`kubectl mig-gather ARGS --dest-dir DEST`, its redaction mapping kept beside DEST."""
    from pathlib import Path

    e = {"XDG_STATE_HOME": str(Path(dest).parent / "state"), **(env or {})}
    return kubectl(s, "mig-gather", *args, "--dest-dir", str(dest), env=e)


def bundle_of(r):
    """(bundle directory, tarball or None) from mig-gather's stdout."""
    from pathlib import Path

    lines = r.stdout.split()
    return Path(lines[0]), (Path(lines[1]) if len(lines) > 1 else None)


_FOREGROUND = ("import os, signal, sys\n"
               "for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):\n"
               "    signal.signal(s, signal.SIG_DFL)\n"
               "os.execvp(sys.argv[1], sys.argv[1:])")


def foreground(*argv: str) -> list[str]:
    """argv run as a terminal runs a command in the foreground: SIGINT, SIGHUP and SIGTERM at their
    defaults (the same process: exec). A non-interactive shell starts a background job with SIGINT
    ignored, nohup ignores SIGHUP, every process below inherits that, and a program keeps an ignored
    signal ignored: a test suite started so (as CI may start it) would signal into nothing."""
    return [sys.executable, "-c", _FOREGROUND, *argv]
