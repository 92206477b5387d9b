"""mig-gather keeps Velero's own records of each MTC Backup and Restore, read through DownloadRequests
(what `velero backup describe --details` and `velero backup logs` show), and the logs of MTC's pods
outside its namespace (rsync, stunnel, stage, hook: upstream must-gather's gather_logs_helper_pods)."""

from __future__ import annotations

import json
import time

from lib.mustgather import open_must_gather
from tests.conftest import bundle_of, gather

NS = "openshift-migration"
BACKUP = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n"     # restic-timeout's stage Backup, PartiallyFailed


def test_velero_describe_and_logs_of_each_backup_and_restore(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    r = gather(kubectl, s, tmp_path / "out", "--no-archive")
    assert r.returncode == 0, r.stderr
    root, _ = bundle_of(r)
    base = root / "source_ocp3-source" / "velero" / "backups" / BACKUP
    log = (base / "backup.log").read_text()
    assert "timed out waiting for all PodVolumeBackups to complete" in log
    assert all(f"backup={NS}/{BACKUP}" in ln for ln in log.splitlines()) and not log.startswith("2019-")
    describe = (base / "describe.txt").read_text()
    assert f"Name:         {BACKUP}" in describe and "Phase:  PartiallyFailed (run `velero backup logs" in describe
    assert "Errors:\n" in describe and "timed out waiting for all PodVolumeBackups to complete" in describe
    assert "Resource List:\n" in describe and "Restic Backups:" in describe and "In Progress:" in describe
    assert json.loads((base / "resource-list.json").read_text())
    assert list((root / "target_ocp4-target" / "velero" / "restores").iterdir())
    assert not (root / "target_ocp4-target" / "velero" / "backups").exists()    # backups where they were made
    assert [w for w in s.requests("source") if "/downloadrequests" in w.path and w.method == "DELETE"]
    assert not s.list("source", "DownloadRequest", NS)                          # each request deleted after use
    records = [p.name for cd in open_must_gather(str(root)).clusters for p in cd.records]
    assert "backup.log" in records and "describe.txt" in records


def test_a_velero_that_never_answers_is_recorded_not_fatal(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    s.fault("source", method="POST", path="/downloadrequests$", status=403)
    r = gather(kubectl, s, tmp_path / "out", "--no-archive")
    assert r.returncode == 77, r.stderr
    root, _ = bundle_of(r)
    idx = json.loads((root / "gather.json").read_text())
    assert any(m["what"].startswith("Velero records of Backup") and m["status"] == 403 for m in idx["missing"])
    describe = (root / "source_ocp3-source" / "velero" / "backups" / BACKUP / "describe.txt").read_text()
    assert "Phase:  PartiallyFailed" in describe and "Errors:    1" in describe


def test_a_velero_that_does_not_process_requests_is_waited_for_once(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    s.cluster("source").velero_processes = False
    t0 = time.monotonic()
    r = gather(kubectl, s, tmp_path / "out", "--no-archive")
    took = time.monotonic() - t0
    assert r.returncode == 1, r.stderr
    idx = json.loads((bundle_of(r)[0] / "gather.json").read_text())
    velero = [m for m in idx["missing"] if m["what"].startswith("Velero records")]
    assert velero and all(m["cluster"] == "ocp3-source" for m in velero)
    assert any("did not process" in m["why"] for m in velero)
    assert took < 60, took          # one wait of 20 s per worker, not one per file of every Backup
    assert list((bundle_of(r)[0] / "target_ocp4-target" / "velero" / "restores").iterdir())


def test_logs_of_mtc_pods_outside_its_namespace(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    part_of = {"app.kubernetes.io/part-of": "openshift-migration"}
    s.put("source", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "dvm-rsync-7hx2k", "namespace": "rocket-chat", "labels": {**part_of, "app": "directvolumemigration-rsync-transfer"}},
        "spec": {"containers": [{"name": "rsync-client"}, {"name": "stunnel"}]}, "status": {"phase": "Failed"}})
    s.put("target", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": "rocketchat-mig-plan-postrestore-x2x", "namespace": "hooks", "labels": {**part_of, "mighook": "uid-1"}},
        "spec": {"template": {"spec": {"containers": [{"name": "rocketchat-mig-plan-postrestore"}]}}}})
    s.put("target", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "rocketchat-mig-plan-postrestore-x2x-p9", "namespace": "hooks",
        "labels": {"job-name": "rocketchat-mig-plan-postrestore-x2x"}},
        "spec": {"containers": [{"name": "rocketchat-mig-plan-postrestore"}]}, "status": {"phase": "Failed"}})
    s.append_log("source", "rocket-chat", "dvm-rsync-7hx2k", "rsync-client", "rsync: connection unexpectedly closed")
    s.append_log("source", "rocket-chat", "dvm-rsync-7hx2k", "stunnel", "stunnel: connect failed")
    s.append_log("target", "hooks", "rocketchat-mig-plan-postrestore-x2x-p9", "rocketchat-mig-plan-postrestore",
                 "TASK [fail] fatal: hook failed")
    r = gather(kubectl, s, tmp_path / "out", "--no-archive")
    assert r.returncode == 0, r.stderr
    root, _ = bundle_of(r)
    rsync = root / "source_ocp3-source/namespaces/rocket-chat/pods/dvm-rsync-7hx2k"
    assert "connection unexpectedly closed" in (rsync / "rsync-client/rsync-client/logs/current.log").read_text()
    assert "connect failed" in (rsync / "stunnel/stunnel/logs/current.log").read_text()
    hook = root / "target_ocp4-target/namespaces/hooks/pods/rocketchat-mig-plan-postrestore-x2x-p9"
    assert "hook failed" in (hook / "rocketchat-mig-plan-postrestore/rocketchat-mig-plan-postrestore/logs/current.log"
                             ).read_text()
    src = open_must_gather(str(root))
    assert [ln for ln in src.logs("source", "rocket-chat", "dvm-rsync-7hx2k", "stunnel")]
