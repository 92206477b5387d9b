"""SIGTERM and SIGHUP clean up like Ctrl-C: an extracted customer bundle leaves nothing in $TMPDIR,
mig-gather leaves neither its .partial tree nor its CA files, and the exit code is 128 + signal."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.conftest import foreground

NS = "openshift-migration"


def _env(dist_dir: Path, tmp: Path, kubeconfig: str | None = None) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    e.update({"PATH": f"{dist_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp / "home"), "NO_COLOR": "1",
              "TMPDIR": str(tmp / "t"), "XDG_STATE_HOME": str(tmp / "state")})
    if kubeconfig:
        e["KUBECONFIG"] = kubeconfig
    (tmp / "t").mkdir(parents=True, exist_ok=True)
    return e


def _until(cond, what: str, timeout: float = 30, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll)


def _tarball(path: Path) -> None:
    """A plain tar of 256 MiB: its extraction is under way long enough to be caught."""
    block = os.urandom(4 << 20)
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("bundle/cluster/namespaces/x/pods/p/p.yaml")
        info.size = 64 * len(block)
        tf.addfile(info, io.BytesIO(block * 64))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_an_extracted_bundle_is_removed_on_a_signal(dist_dir, tmp_path, sig):
    env = _env(dist_dir, tmp_path)
    archive = tmp_path / "case.tar"
    _tarball(archive)
    p = subprocess.Popen(foreground("kubectl", "mig-verify", "x", "--must-gather", str(archive)), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tmp = tmp_path / "t"
    _until(lambda: any(f.is_file() and f.stat().st_size for f in tmp.rglob("*")), "the extraction", poll=0.005)
    p.send_signal(signal.SIGSTOP)          # frozen mid-way (or just after): the signal arrives with SIGCONT
    assert p.poll() is None
    p.send_signal(sig)
    p.send_signal(signal.SIGCONT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, err
    assert err.decode().strip() == f"terminated by {signal.Signals(sig).name}"
    assert list(tmp.iterdir()) == []


def test_mig_gather_leaves_no_partial_tree_nor_ca_file_on_sigterm(sim, dist_dir, tmp_path):
    s = sim("restic-timeout")
    for c in ("host", "source", "target"):
        s.fault(c, path=r"/log$", rate=2000)           # 2 kB/s: the gather is still streaming logs
    env = _env(dist_dir, tmp_path, str(s.kubeconfig))
    dest = tmp_path / "out"
    p = subprocess.Popen(foreground("kubectl", "mig-gather", "--dest-dir", str(dest)), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _until(lambda: any(dest.glob(".must-gather.local.*.partial/*/namespaces/*/pods/*/*/*/logs/current.log")),
           "a log being written")
    assert list((tmp_path / "t").glob("mig-ca-*")), "the gather reaches its clusters with CA files"
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 143, err
    assert "terminated by SIGTERM" in err.decode() and "Traceback" not in err.decode()
    assert list(dest.iterdir()) == [] and out == b""
    assert list((tmp_path / "t").iterdir()) == []


def test_a_signal_the_command_was_started_with_ignored_stays_ignored(dist_dir, tmp_path):
    """`nohup kubectl mig-verify ... &`: a hangup does not stop it (Python leaves an ignored SIGINT
    ignored; SIGHUP and SIGTERM follow the same rule)."""
    env = _env(dist_dir, tmp_path)
    archive = tmp_path / "case.tar"
    _tarball(archive)
    launch = ("import os, signal, sys\nsignal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
              "os.execvp(sys.argv[1], sys.argv[1:])")
    p = subprocess.Popen([sys.executable, "-c", launch, "kubectl", "mig-verify", "x", "--must-gather", str(archive)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tmp = tmp_path / "t"
    _until(lambda: any(f.is_file() and f.stat().st_size for f in tmp.rglob("*")), "the extraction", poll=0.005)
    p.send_signal(signal.SIGHUP)
    out, err = p.communicate(timeout=60)
    assert "terminated by SIGHUP" not in err.decode()
    assert p.returncode not in (128 + signal.SIGHUP, -signal.SIGHUP), err
    assert list(tmp.iterdir()) == []
