"""MTC 1.4+ helper pods through the plugins against the emulator: mig-logs reads rsync and hook pods in the
application namespaces (and picks up a new rsync pod while following), mig-gather collects their logs and
only their events there, mig-crs shows DVM progress."""

from __future__ import annotations

import tarfile
import threading
import time

from lib import graph
from lib.clusters import Clusters
from lib.logs import lines
from lib.source import LiveSource
from tests.conftest import bundle_of, gather, table_rows

NS = "openshift-migration"
VANISHED = "rsync warning: some files vanished before they could be transferred (code 24)"


def test_logs_of_rsync_and_hook_pods_outside_the_mtc_namespace(sim, kubectl):
    s = sim("dvm-rsync-failed")
    r = kubectl(s, "mig-logs", "4b1c6d10", "--log-source", "rsync", "--cluster", "source")
    assert r.returncode == 0, r.stderr
    assert VANISHED in r.stdout and "rsync-7dk2x" in r.stdout
    r = kubectl(s, "mig-logs", "4b1c6d10", "--log-source", "velero")
    assert VANISHED not in r.stdout                       # only the sources asked for
    s = sim("hook-failed")
    r = kubectl(s, "mig-logs", "c1d2e3f4", "--log-source", "hook")
    assert r.returncode == 0, r.stderr
    assert "fatal: [localhost]: FAILED!" in r.stdout and "sock-shop-hooks-prebackup-8xk2p-9tq7v" in r.stdout


def test_follow_picks_up_an_rsync_pod_that_starts_while_following(sim):
    s = sim("dvm-long-running", follow_idle_close=3.0)
    src = LiveSource(Clusters(s.kubeconfig), NS)
    g = graph.build(src, "7e0c1a22")
    retry = next(p for p in g.helpers["source"] if p["metadata"]["name"] == "rsync-x4n7d")
    new = {**retry, "metadata": {**retry["metadata"], "name": "rsync-q9z8k", "resourceVersion": None, "uid": None,
                                 "labels": {**retry["metadata"]["labels"], "migration.openshift.io/rsync-attempt": "2"}}}
    new["metadata"] = {k: v for k, v in new["metadata"].items() if v is not None}

    def writer():
        time.sleep(0.5)
        s.append_log("source", "inventory", "rsync-b8w2k", "rsync", "373,187,616,768  73%   44.20MB/s    2:10:01")
        s.put("source", new)
        s.append_log("source", "inventory", "rsync-q9z8k", "rsync", "2021/03/04 10:12:44 [1] receiving file list")

    for pod in ("rsync-b8w2k", "rsync-x4n7d"):            # running containers have a log from the start
        s.append_log("source", "inventory", pod, "rsync", "sending incremental file list")
    threading.Thread(target=writer, daemon=True).start()
    errors: list = []
    got = [(e.pod, e.line.raw) for e in lines(src, g, roles=["source"], sources=["rsync"], follow=True, errors=errors)]
    assert ("rsync-x4n7d", "sending incremental file list") in got
    assert ("rsync-b8w2k", "373,187,616,768  73%   44.20MB/s    2:10:01") in got
    assert ("rsync-q9z8k", "2021/03/04 10:12:44 [1] receiving file list") in got


def test_gather_collects_helper_logs_and_only_their_events(sim, kubectl, tmp_path):
    s = sim("dvm-rsync-failed")
    s.put("source", {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "rsync-7dk2x.1", "namespace": "sock-shop"},
                     "involvedObject": {"kind": "Pod", "name": "rsync-7dk2x", "namespace": "sock-shop"},
                     "reason": "BackOff", "message": "Back-off restarting failed container"})
    s.put("source", {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "carts-db-0.1", "namespace": "sock-shop"},
                     "involvedObject": {"kind": "Pod", "name": "carts-db-0", "namespace": "sock-shop"},
                     "reason": "Pulled", "message": "an application pod's event"})
    g = gather(kubectl, s, tmp_path / "out", "4b1c6d10")
    assert g.returncode == 0, g.stderr
    _, tarball = bundle_of(g)
    with tarfile.open(tarball) as t:
        names = t.getnames()
        log = next(n for n in names if n.endswith("namespaces/sock-shop/pods/rsync-7dk2x/rsync/rsync/logs/current.log"))
        assert VANISHED in t.extractfile(log).read().decode()
        events = b"".join(t.extractfile(n).read() for n in names if "namespaces/sock-shop/" in n and "events" in n)
    assert b"rsync-7dk2x.1" in events and b"carts-db-0.1" not in events
    r = kubectl(None, "mig-verify", "4b1c6d10", "--must-gather", str(tarball), "-o", "json")
    assert VANISHED in r.stdout


def test_crs_wide_shows_dvm_volume_progress(sim, kubectl):
    s = sim("dvm-long-running")
    r = kubectl(s, "mig-crs", "7e0c1a22", "-o", "wide")
    assert r.returncode == 0, r.stderr
    rows = {(x["KIND"], x["NAME"].split()[-1]): x for x in table_rows(r.stdout)}
    dvmp = rows[("DirectVolumeMigrationProgress", "6bf53d2ca1c3b2b78048edc0fa822beb")]
    assert dvmp["PHASE"] == "Running" and "41% copied" in dvmp["MESSAGE"] and "38.12MB/s" in dvmp["MESSAGE"]
    assert rows[("DirectVolumeMigration", "7e0c1a22-9b4f-4c61-8d0e-2f6a1c9b5e01-h7t2m")]["ROLE"].startswith("direct volume")
    assert rows[("Pod", "rsync-x4n7d")]["CLUSTER"].startswith("source")
