"""Time windows: `--since`/`--since-time` limit the logs mig-gather collects, and the image's entrypoint
turns `oc adm must-gather --since/--since-time` (MUST_GATHER_SINCE, MUST_GATHER_SINCE_TIME: openshift/oc
pkg/cli/admin/mustgather sets them on the gather container) into those flags."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import bundle_of, gather

ROOT = Path(__file__).resolve().parent.parent
VELERO_LOG = "source_ocp3-source/namespaces/openshift-migration/pods/velero-7d9c4b8f5-x2x7q/velero/velero/logs/current.log"


def test_since_time_keeps_only_the_window_and_says_so(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    r = gather(kubectl, s, tmp_path / "out", "--no-archive", "--since-time", "2019-09-01T00:00:00Z")
    assert r.returncode == 0, r.stderr
    root, _ = bundle_of(r)
    lines = (root / VELERO_LOG).read_text().splitlines()
    assert lines and all(ln >= "2019-09-01T" for ln in lines)
    assert any("timed out waiting for all PodVolumeBackups" in ln for ln in lines)
    assert json.loads((root / "gather.json").read_text())["logsSince"] == {"seconds": None,
                                                                           "time": "2019-09-01T00:00:00Z"}
    s.append_log("source", "openshift-migration", "velero-7d9c4b8f5-x2x7q", "velero", "a line of just now")
    r = gather(kubectl, s, tmp_path / "out2", "--no-archive", "--since", "5m")
    assert r.returncode == 0, r.stderr
    lines = (bundle_of(r)[0] / VELERO_LOG).read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("a line of just now")


def test_bad_windows_are_usage_errors(kubectl, tmp_path):
    for args in (["--since", "5x"], ["--since-time", "yesterday"], ["--since", "1h", "--since-time", "2019-09-01T00:00:00Z"],
                 ["--since", "0s"]):
        r = kubectl(None, "mig-gather", *args, "--dest-dir", str(tmp_path))
        assert r.returncode == 64 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_the_image_entrypoint_passes_oc_adm_must_gather_windows_on(tmp_path):
    """container/gather with a stand-in for python3 that prints the arguments it was given."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    (fake / "python3").chmod(0o755)
    base = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "MIG_GATHER_ZIPAPP": "zipapp"}
    for extra, want in (({"MUST_GATHER_SINCE": "2h0m0s"}, ["--since", "2h0m0s"]),
                        ({"MUST_GATHER_SINCE_TIME": "2026-01-02T15:04:05Z"}, ["--since-time", "2026-01-02T15:04:05Z"]),
                        ({}, [])):
        r = subprocess.run(["sh", str(ROOT / "container" / "gather"), "mig-1"], env={**base, **extra},
                           capture_output=True, text=True, timeout=10)
        assert r.stdout.split("\n")[:-1] == ["zipapp", "--in-cluster", "--dest-dir", "/must-gather", *want, "mig-1"]
