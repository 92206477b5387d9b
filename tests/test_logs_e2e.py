"""kubectl mig-logs through plugin discovery against the emulated clusters."""

from __future__ import annotations

import json
import tarfile
import threading
import time

from lib import graph
from lib.clusters import Clusters
from lib.logs import lines
from lib.source import LiveSource

NS = "openshift-migration"
RT = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
TIMEOUT = "timed out waiting for all PodVolumeBackups to complete"


def test_filter_keeps_the_restic_timeout_and_drops_other_migrations(sim, kubectl):
    s = sim("restic-timeout")
    r = kubectl(s, "mig-logs", RT[:8])
    assert r.returncode == 0, r.stderr
    assert TIMEOUT in r.stdout
    assert "e13a1b60-c927-11e9-9555-d129df7f3b96" not in r.stdout          # the other migration, same log
    allr = kubectl(s, "mig-logs", RT, "--all-lines")
    assert "e13a1b60-c927-11e9-9555-d129df7f3b96" in allr.stdout
    stamps = [ln.split('time="')[1][:20] for ln in r.stdout.splitlines() if 'time="' in ln]
    assert stamps == sorted(stamps)                                       # merged in time order
    err = kubectl(s, "mig-logs", RT, "--cluster", "source", "--log-source", "velero", "--level", "error", "-o", "json")
    rows = [json.loads(x) for x in err.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["level"] == "error" and rows[0]["fields"]["error"] == TIMEOUT
    assert rows[0]["cluster"] == "source" and rows[0]["pod"] == "velero-7d9c4b8f5-x2x7q"


def test_unknown_migration_and_pod(sim, kubectl):
    s = sim("restic-timeout")
    r = kubectl(s, "mig-logs", "does-not-exist")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not found in namespace openshift-migration" in r.stderr
    r = kubectl(s, "mig-logs", RT, "--pod", "velero-nope")
    assert r.returncode == 1 and 'pod "velero-nope"' in r.stderr


def test_follow_across_two_pods_with_a_cut_stream_yields_every_line_once(sim, tmp_path):
    s = sim("restic-timeout", follow_idle_close=1.5)
    src = LiveSource(Clusters(s.kubeconfig), NS)
    g = graph.build(src, RT)
    s.fault("source", path=r"restic-hj4kd/log$", cut_after_lines=1, times=1)
    new = [f'time="2019-09-02T11:2{i}:00Z" level=info msg="Backup progress {i}" backup=openshift-migration/{RT}-4jq7n'
           for i in range(4)]

    def writer():
        time.sleep(0.4)
        for i, ln in enumerate(new):
            pod = "restic-hj4kd" if i % 2 else "restic-8x7vq"
            s.append_log("source", NS, pod, "velero", ln, ts=f"2019-09-02T11:2{i}:00.000000000Z")
            time.sleep(0.1)

    threading.Thread(target=writer, daemon=True).start()
    got = [e.line.msg for e in lines(src, g, roles=["source"], sources=["restic"], follow=True)]
    assert sorted(got) == sorted(["Backup starting", "Backup starting", "Backup completed"]
                                 + [f"Backup progress {i}" for i in range(4)])


def test_download_tree_index_and_archive(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    out = tmp_path / "logs"
    r = kubectl(s, "mig-logs", "--output-dir", str(out))
    assert r.returncode == 0, r.stderr
    index = json.loads((out / "index.json").read_text())
    paths = {f["path"] for f in index["files"]}
    assert "source/velero/velero-7d9c4b8f5-x2x7q/velero.log" in paths
    assert "host/controller/migration-controller-78c469849c-v6wcf/mtc.log" in paths
    assert "target/restic/restic-nr2v5/velero.log" in paths
    assert index["failed"] == [] and index["filtered"] is False
    raw = (out / "source/velero/velero-7d9c4b8f5-x2x7q/velero.log").read_bytes()
    assert b"e13a1b60-c927-11e9-9555-d129df7f3b96" in raw and not raw.startswith(b"2019-")   # unfiltered, as-is
    arc = tmp_path / "logs.tar.gz"
    r = kubectl(s, "mig-logs", "88435fe0", "--archive", str(arc))
    assert r.returncode == 0, r.stderr
    with tarfile.open(arc) as t:
        names = t.getnames()
        vel = t.extractfile(next(n for n in names if n.endswith("source/velero/velero-7d9c4b8f5-x2x7q/velero.log"))).read()
    assert any(n.endswith("index.json") for n in names)
    assert b"88435fe0" in vel and b"e13a1b60" not in vel                  # a migration was named: filtered
    assert not list(tmp_path.glob("*.part"))


def test_a_cluster_that_cannot_be_read_is_reported_and_the_rest_completes(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    s.fault("target", method="GET", path=r"/pods$", status=403)
    r = kubectl(s, "mig-logs", "88435fe0", "--output-dir", str(tmp_path / "o"))
    assert r.returncode == 69
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert any(f["cluster"] == "target" for f in index["failed"])
    assert any(f["path"].startswith("source/") for f in index["files"])
    assert "Traceback" not in r.stderr
