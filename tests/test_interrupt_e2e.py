"""Ctrl-C: every command stops within a second with exit 130 and leaves nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.conftest import foreground


def _start(s, dist_dir, tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env.update({"PATH": f"{dist_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path / "home"),
                "NO_COLOR": "1", "KUBECONFIG": s.kubeconfig})
    return subprocess.Popen(foreground("kubectl", *args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt(p, after_files: list, within: float = 60.0) -> tuple[float, str]:
    deadline = time.monotonic() + within
    while not all(f.exists() for f in after_files) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    assert p.poll() is None, p.communicate()
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=10)
    return time.monotonic() - t0, err


def test_ctrl_c_during_output_dir_leaves_a_complete_index(sim, dist_dir, tmp_path):
    s = sim("sock-shop-success")
    slow = "velero-7d9c4b8f5-x2x7q"
    s.fault("source", path=f"/pods/{slow}/log", rate=50)          # this one takes minutes
    out = tmp_path / "logs"
    fast = out / "host/controller/migration-controller-78c469849c-v6wcf/mtc.log"
    p = _start(s, dist_dir, tmp_path, "mig-logs", "--output-dir", str(out))
    took, err = _interrupt(p, [fast])
    assert p.returncode == 130, err
    assert took < 1.5, took
    assert "interrupted" in err and "Traceback" not in err
    index = json.loads((out / "index.json").read_text())
    assert index["interrupted"] is True
    listed = {f["path"]: f["bytes"] for f in index["files"]}
    assert "host/controller/migration-controller-78c469849c-v6wcf/mtc.log" in listed
    on_disk = {str(f.relative_to(out)) for f in out.rglob("*") if f.is_file()}
    assert on_disk == set(listed) | {"index.json"}                 # no .part, nothing unlisted
    assert all((out / pth).stat().st_size == n for pth, n in listed.items())
    assert not [d for d in out.rglob("*") if d.is_dir() and not any(d.iterdir())]
    assert not any(slow in pth for pth in listed)


def test_ctrl_c_while_a_request_hangs_exits_at_once(sim, dist_dir, tmp_path):
    s = sim("sock-shop-success")
    s.fault("host", path="migmigrations", latency=30)
    p = _start(s, dist_dir, tmp_path, "mig-crs")
    deadline = time.monotonic() + 60
    while s.request_count("host", path="migmigrations") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    took, err = _interrupt(p, [])
    assert p.returncode == 130 and took < 1.5, (took, err)
    assert err.strip().endswith("interrupted")


def test_ctrl_c_during_gather_leaves_no_partial_bundle(sim, dist_dir, tmp_path):
    s = sim("sock-shop-success")
    s.fault("source", path="/pods/velero-7d9c4b8f5-x2x7q/log", rate=50)
    dest = tmp_path / "case"
    p = _start(s, dist_dir, tmp_path, "mig-gather", "--dest-dir", str(dest))
    deadline = time.monotonic() + 60
    while not list(dest.glob(".must-gather.local.*.partial/*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    took, err = _interrupt(p, [])
    assert p.returncode == 130 and took < 1.5, (took, err)
    assert list(dest.iterdir()) == [], list(dest.iterdir())
