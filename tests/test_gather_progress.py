"""On a terminal, mig-gather's progress line counts logs against their real totals, per cluster."""

from __future__ import annotations

import os
import pty
import re
import subprocess

from lib.progress import Progress


def test_progress_on_a_tty_counts_against_real_totals_per_cluster(sim, dist_dir, tmp_path):
    s = sim("restic-timeout")
    master, slave = pty.openpty()
    env = {"PATH": f"{dist_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "KUBECONFIG": s.kubeconfig,
           "XDG_STATE_HOME": str(tmp_path / "state")}
    p = subprocess.Popen(["kubectl", "mig-gather", "--dest-dir", str(tmp_path / "out"), "--no-archive"], env=env,
                         stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out, _ = p.communicate(timeout=120)
    os.close(master)
    assert p.returncode == 0 and out
    text = b"".join(chunks).decode("utf-8", "replace")
    last = [ln for ln in re.split(r"[\r\n]", text) if ln.startswith("mig-gather logs:")][-1]
    counts = dict((g, (int(d), int(t))) for g, d, t in re.findall(r"(\w+_[\w.-]+) (\d+)/(\d+)", last))
    assert set(counts) == {"host_host", "source_ocp3-source", "target_ocp4-target"}, last
    assert all(d == t > 0 for d, t in counts.values()), last          # never "7/0": totals known up front
    assert "MiB" in last


def test_progress_is_silent_off_a_terminal(tmp_path):
    with open(tmp_path / "err", "w") as f:
        p = Progress(0, "x", f)
        p.add_total(3, "a")
        p.item_done("a")
        p.close()
    assert (tmp_path / "err").read_text() == "" and p.line() == "x: a 1/3, 0.0 MiB"
