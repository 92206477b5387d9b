"""kubectl mig-rollback on the rollback-needed scenario: the plan first, then the seed's manual rollback;
faults at every step converge on re-runs; never a deletion on the source."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

NS_SRC, NS_DST = "parts", "parts-prod"
PLAN_UID = "7a1b2c3d-4e5f-11ea-8c9d-0a580a820016"
MIGRATED = {("Deployment", "api"), ("DeploymentConfig", "web"), ("StatefulSet", "db"), ("DaemonSet", "log-agent"),
            ("Service", "api"), ("Route", "api"), ("ConfigMap", "api-config"), ("Secret", "api-creds"),
            ("PersistentVolumeClaim", "db-data"), ("ReplicationController", "web-1"), ("Pod", "web-1-deploy"),
            ("Pod", "web-1-x7k2p")}
KEPT = {("ConfigMap", "local-settings"), ("Secret", "registry-pull"), ("Deployment", "monitoring-agent"),
        ("PersistentVolumeClaim", "scratch"), ("ServiceAccount", "default")}


@pytest.fixture
def s(sim):
    return sim("rollback-needed")


def rollback(kubectl, s, tmp_path, *args, **kw):
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    return kubectl(s, "mig-rollback", NS_DST, *args, env=env, **kw)


def assert_rolled_back(s):
    for kind, name in MIGRATED:
        assert s.get("target", kind, name, NS_DST) is None, (kind, name)
    for kind, name in KEPT:
        assert s.get("target", kind, name, NS_DST) is not None, (kind, name)
    src = {k: s.get("source", k, n, NS_SRC) for k, n in (("Deployment", "api"), ("DeploymentConfig", "web"),
                                                           ("StatefulSet", "db"), ("DaemonSet", "log-agent"),
                                                           ("CronJob", "nightly-report"))}
    assert src["Deployment"]["spec"]["replicas"] == 3
    assert src["DeploymentConfig"]["spec"]["replicas"] == 2 and src["DeploymentConfig"]["spec"]["paused"] is False
    assert src["StatefulSet"]["spec"]["replicas"] == 1
    assert src["DaemonSet"]["spec"]["template"]["spec"]["nodeSelector"] == {"role": "worker"}
    assert src["CronJob"]["spec"]["suspend"] is False
    for ob in src.values():
        assert not [a for a in (ob["metadata"].get("annotations") or {}) if "preQuiesce" in a]
    pv = s.get("target", "PersistentVolume", "pvc-db11aa22-4e50-11ea-8c9d-0a580a820016")
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"


def test_plan_only_makes_zero_writes_and_lists_every_change(s, kubectl, tmp_path):
    s.reset_requests()
    r = rollback(kubectl, s, tmp_path)
    assert r.returncode == 0, r.stderr
    assert s.writes() == []
    assert "run again with --yes" in r.stderr
    assert "DeploymentConfig/web" in r.stdout and "replicas 0 -> 3" in r.stdout
    assert "ConfigMap/local-settings" not in r.stdout and "monitoring-agent" not in r.stdout
    assert "legacy-batch" in r.stdout                       # no annotation: a manual step, not a guess
    plan = json.loads(rollback(kubectl, s, tmp_path, "-o", "json").stdout)
    assert plan["kind"] == "RollbackPlan" and plan["targetNamespace"] == NS_DST and plan["sourceNamespace"] == NS_SRC
    assert {(a["kind"], a["name"]) for a in plan["actions"] if a["cluster"] == "target"} == MIGRATED
    assert all(a["verb"] == "patch" for a in plan["actions"] if a["cluster"] == "source")
    assert s.writes() == []


def test_rollback_restores_the_source_and_removes_only_labelled_objects(s, kubectl, tmp_path):
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    assert_rolled_back(s)
    assert s.request_count("source", "DELETE") == 0
    again = rollback(kubectl, s, tmp_path, "--yes")
    assert again.returncode == 0 and "nothing to do" in again.stderr
    journal = (tmp_path / "state" / "mig-tools" / f"rollback-{PLAN_UID}-{NS_DST}.jsonl").read_text().splitlines()
    starts = [json.loads(x) for x in journal if '"start"' in x]
    assert starts and all("before" in e and e["before"]["metadata"]["name"] for e in starts)


@pytest.mark.parametrize("fault", [
    dict(cluster="target", method="DELETE", path="/configmaps/", status=500, times=4),   # writes retry 3 times
    dict(cluster="target", method="DELETE", path="/statefulsets/", drop=True, times=1),
    dict(cluster="source", method="PATCH", path="/deploymentconfigs/", status=500, times=4),
    dict(cluster="source", method="PATCH", path="/cronjobs/", drop=True, times=1),
    dict(cluster="source", method="PATCH", path="/statefulsets/", status=403, times=1),
])
def test_a_fault_stops_cleanly_and_a_rerun_converges(s, kubectl, tmp_path, fault):
    cluster = fault.pop("cluster")
    s.fault(cluster, **fault)
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode in (69, 77, 1), r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "rollback stopped" in r.stderr and "remaining" in r.stderr
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    assert_rolled_back(s)
    assert s.request_count("source", "DELETE") == 0


def test_killed_between_two_actions_converges(s, kubectl, tmp_path, dist_dir):
    s.fault("target", method="DELETE", latency=0.4)
    env = dict(os.environ, KUBECONFIG=s.kubeconfig, XDG_STATE_HOME=str(tmp_path / "state"), HOME=str(tmp_path),
               PATH=f"{dist_dir}:{os.environ['PATH']}")
    p = subprocess.Popen(["kubectl", "mig-rollback", NS_DST, "--yes"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    journal = tmp_path / "state" / "mig-tools" / f"rollback-{PLAN_UID}-{NS_DST}.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count('"done"') >= 3:
            break
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    s.clear_faults()
    assert s.get("target", "ConfigMap", "api-config", NS_DST) is not None       # it really stopped half-way
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    assert_rolled_back(s)
    assert s.request_count("source", "DELETE") == 0


def test_stop_daemonsets_and_release_pvs(s, kubectl, tmp_path):
    r = rollback(kubectl, s, tmp_path, "--yes", "--stop-daemonsets", "--release-target-pvs")
    assert r.returncode == 0, r.stderr
    ds = s.get("target", "DaemonSet", "log-agent", NS_DST)
    assert ds["spec"]["template"]["spec"]["nodeSelector"] == {"migration.openshift.io/quiesceDaemonSet": "true"}
    assert json.loads(ds["metadata"]["annotations"]["migration.openshift.io/preQuiesceNodeSelector"]) == {"role": "worker"}
    pv = s.get("target", "PersistentVolume", "pvc-db11aa22-4e50-11ea-8c9d-0a580a820016")
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"


def test_refusals(sim, kubectl, tmp_path):
    s = sim("rollback-needed")
    mig = s.get("host", "MigMigration", "9d8c7b6a-4e60-11ea-8c9d-0a580a820016", "openshift-migration")
    mig["status"] = {"phase": "FinalRestoreCreated", "conditions": [{"type": "Running", "status": "True"}]}
    s.put("host", mig)
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 1 and "still running" in r.stderr and "--force" in r.stderr and s.writes() == []
    r = rollback(kubectl, s, tmp_path, "--force")
    assert r.returncode == 0
    r = kubectl(s, "mig-rollback", "no-such-project")
    assert r.returncode == 1 and 'migrates a namespace to "no-such-project"' in r.stderr
    s2 = sim("sock-shop-success")
    s2.cluster("source").store.delete(s2.cluster("source").resource("Namespace"), "", "sock-shop")
    r = kubectl(s2, "mig-rollback", "sock-shop", env={"XDG_STATE_HOME": str(tmp_path / "s2")})
    assert r.returncode == 1 and 'source namespace "sock-shop" does not exist' in r.stderr
    s3 = sim("restic-timeout")         # nothing reached the target: a source-only rollback, then nothing on either side
    r = kubectl(s3, "mig-rollback", "rocket-chat", "--yes", env={"XDG_STATE_HOME": str(tmp_path / "s3")})
    assert r.returncode == 0, r.stderr
    r = kubectl(s3, "mig-rollback", "rocket-chat", env={"XDG_STATE_HOME": str(tmp_path / "s3-elsewhere")})
    assert r.returncode == 1 and "carries migration.openshift.io/migrated-by-migplan" in r.stderr
