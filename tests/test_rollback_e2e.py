"""kubectl mig-rollback on the rollback-needed scenario: the plan first, then the seed's manual rollback;
faults at every step converge on re-runs; never a deletion on the source."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import yaml

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


# --- every failure point: what the failure left, on either side ----------------------------------------------

MIG_NS = "openshift-migration"


def run_in(kubectl, s, state, *args, **kw):
    return kubectl(s, "mig-rollback", *args, env={"XDG_STATE_HOME": str(state)}, **kw)


def source_deletes(s) -> list:
    return [r.path for r in s.requests("source") if r.method == "DELETE"]


def test_restic_timeout_source_only_rollback_and_the_plan_is_kept(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    r = run_in(kubectl, s, tmp_path, "rocket-chat")
    assert r.returncode == 0 and 'target namespace "rocket-chat": nothing carries' in r.stdout, r.stdout + r.stderr
    assert "StatefulSet/mongodb" in r.stdout and s.writes() == []
    r = run_in(kubectl, s, tmp_path, "rocket-chat", "--yes")
    assert r.returncode == 0, r.stderr
    for name in ("mongodb", "uploads"):
        sts = s.get("source", "StatefulSet", name, "rocket-chat")
        assert sts["spec"]["replicas"] == 1 and "migration.openshift.io/preQuiesceReplicas" not in \
            (sts["metadata"].get("annotations") or {})
    dbrs = s.list("source", "DeleteBackupRequest", MIG_NS)
    assert sorted(d["spec"]["backupName"] for d in dbrs) == ["f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n",
                                                             "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-x8k2p"]
    assert source_deletes(s) == [] and s.writes("target") == []
    saved = r.stderr.split("saved the plan and its migrations: ")[1].split()[0]
    kept = yaml.safe_load(open(saved))
    assert [i["kind"] for i in kept["items"]][:2] == ["MigPlan", "MigMigration"]
    recreate = r.stderr.split("oc create -f ")[1].split()[0]
    plan = yaml.safe_load(open(recreate))
    assert plan["spec"]["persistentVolumes"][0]["selection"]["action"] == "copy" and "uid" not in plan["metadata"]
    again = run_in(kubectl, s, tmp_path, "rocket-chat", "--yes")
    assert again.returncode == 0 and "nothing to do" in again.stderr


def test_move_nfs_never_recycles_the_moved_pv_and_restores_the_source_policy(sim, kubectl, tmp_path):
    s = sim("move-nfs")
    r = run_in(kubectl, s, tmp_path, "inventory", "--release-target-pvs", "--reclaim", "Recycle", "--yes")
    assert r.returncode == 0, r.stderr
    assert s.get("target", "PersistentVolume", "nfs-pv-inventory") is None
    assert not [q for q in s.requests("target") if q.method == "PATCH" and q.path.endswith("/nfs-pv-inventory")]
    src_pv = s.get("source", "PersistentVolume", "nfs-pv-inventory")
    assert src_pv["spec"]["persistentVolumeReclaimPolicy"] == "Recycle"
    assert "migration.openshift.io/orig-reclaim-policy" not in src_pv["metadata"]["annotations"]
    assert s.get("target", "PersistentVolume", "nfs-pv-reports")["spec"]["persistentVolumeReclaimPolicy"] == "Recycle"
    copied = s.get("target", "PersistentVolume", "pvc-9e8d7c6b-6a72-11ea-9f1e-0a580a830010")
    assert copied["spec"]["persistentVolumeReclaimPolicy"] == "Recycle"
    assert s.get("source", "Deployment", "inventory-api", "inventory")["spec"]["replicas"] == 2
    assert source_deletes(s) == []
    assert "releasing PV pvc-9e8d7c6b-6a72-11ea-9f1e-0a580a830010" in r.stderr and "nfs-pv-inventory" not in \
        r.stderr.split("releasing PV")[1].splitlines()[0]


def test_stage_pods_go_before_the_source_scales_up_and_decoys_stay(sim, kubectl, tmp_path):
    s = sim("stage-pods-left")
    r = run_in(kubectl, s, tmp_path, "orders", "--yes")
    assert r.returncode == 0, r.stderr
    for c in ("source", "target"):
        assert s.get(c, "Pod", "stage-postgres-0-h7x2k", "orders") is None
    assert s.get("source", "Pod", "orders-api-debug", "orders") is not None
    assert s.get("source", "Pod", "stage-reports-0-m2n3b", "orders") is not None
    assert s.get("source", "Job", "orders-mig-plan-prebackup-7xk2q", MIG_NS) is None
    assert s.get("target", "Restore", "5a6b7c8d-7b81-11ea-8a1b-0a580a840021-p9q8r", MIG_NS) is None
    assert sorted(p.rsplit("/", 1)[1] for p in source_deletes(s)) == ["orders-mig-plan-prebackup-7xk2q",
                                                                      "stage-postgres-0-h7x2k"]
    order = [(q.method, q.path.rsplit("/", 2)[-2]) for q in s.requests("source") if q.method in ("DELETE", "PATCH")]
    assert order.index(("DELETE", "pods")) < order.index(("PATCH", "statefulsets"))
    assert s.get("source", "StatefulSet", "postgres", "orders")["spec"]["replicas"] == 1
    again = run_in(kubectl, s, tmp_path, "orders", "--yes")
    assert again.returncode == 0 and "nothing to do" in again.stderr


def test_multi_namespace_by_either_name_then_the_whole_plan(sim, kubectl, tmp_path):
    s = sim("multi-namespace")
    plan = json.loads(run_in(kubectl, s, tmp_path, "shop", "-o", "json").stdout)
    assert plan["namespaces"] == [{"source": "shop", "target": "shop-prod"}]
    r = run_in(kubectl, s, tmp_path, "shop", "--via-controller", "--yes")
    assert r.returncode == 1 and "covers every namespace" in r.stderr and s.writes() == []
    plan = json.loads(run_in(kubectl, s, tmp_path, "shop", "--all-namespaces-of-plan", "-o", "json").stdout)
    assert [n["target"] for n in plan["namespaces"]] == ["shop-prod", "shop-db-prod"]
    r = run_in(kubectl, s, tmp_path, "shop-db-prod", "--yes")
    assert r.returncode == 0, r.stderr
    assert s.get("source", "StatefulSet", "mariadb", "shop-db")["spec"]["replicas"] == 1
    assert s.get("source", "Deployment", "frontend", "shop")["spec"]["replicas"] == 0          # the other pair waits
    assert s.get("source", "Pod", "rsync-k2j4x", "shop-db") is None
    assert s.get("target", "Pod", "rsync-server", "shop-db-prod") is None
    r = run_in(kubectl, s, tmp_path, "--plan", "shop-mig-plan", "--yes")
    assert r.returncode == 0, r.stderr
    assert s.get("source", "Deployment", "frontend", "shop")["spec"]["replicas"] == 3
    assert s.get("target", "Deployment", "frontend", "shop-prod") is None
    assert s.get("target", "ConfigMap", "feature-flags", "shop-prod") is not None
    assert [p.rsplit("/", 1)[1] for p in source_deletes(s)] == ["rsync-k2j4x"]


@pytest.mark.parametrize("scenario,project,cluster,fault", [
    ("restic-timeout", "rocket-chat", "source", dict(method="PATCH", path="/statefulsets/uploads", status=403, times=1)),
    ("restic-timeout", "rocket-chat", "source", dict(method="POST", path="/deletebackuprequests", drop=True, times=1)),
    ("move-nfs", "inventory", "target", dict(method="DELETE", path="/persistentvolumes/", drop=True, times=1)),
    ("move-nfs", "inventory", "source", dict(method="PATCH", path="/persistentvolumes/", status=500, times=4)),
    ("stage-pods-left", "orders", "source", dict(method="DELETE", path="/pods/stage-", status=503, times=4)),
    ("stage-pods-left", "orders", "target", dict(method="DELETE", path="/restores/", status=403, times=1)),
    ("multi-namespace", "shop-prod", "source", dict(method="PATCH", path="/deployments/", drop=True, times=1)),
    ("multi-namespace", "shop-db", "target", dict(method="DELETE", path="/persistentvolumeclaims/", status=500, times=4)),
])
def test_each_scenario_faulted_then_rerun_converges(sim, kubectl, tmp_path, scenario, project, cluster, fault):
    s = sim(scenario)
    s.fault(cluster, **fault)
    r = run_in(kubectl, s, tmp_path, project, "--yes")
    assert r.returncode in (69, 77), r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "rollback stopped" in r.stderr and "remaining" in r.stderr
    if scenario == "stage-pods-left":        # stopped at the stage pod: nothing was scaled up beside it
        assert s.get("source", "StatefulSet", "postgres", "orders")["spec"]["replicas"] == 0
    s.clear_faults()
    r = run_in(kubectl, s, tmp_path / "elsewhere", project, "--yes")      # no journal: the clusters alone suffice
    assert r.returncode == 0, r.stderr
    r = run_in(kubectl, s, tmp_path / "elsewhere", project, "--yes")
    assert r.returncode == 0 and "nothing to do" in r.stderr, r.stdout + r.stderr
    allowed = {"stage-postgres-0-h7x2k", "orders-mig-plan-prebackup-7xk2q", "rsync-k2j4x"}     # MTC's own, by label
    assert {p.rsplit("/", 1)[1] for p in source_deletes(s)} <= allowed


def test_a_write_answered_429_is_retried_after_retry_after(s, kubectl, tmp_path):
    s.fault("source", method="PATCH", path="/deployments/", status=429, retry_after=0.2, times=1)
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    assert_rolled_back(s)


def test_an_oc_debug_pod_is_not_a_pod_of_the_migrated_deploymentconfig(s, kubectl, tmp_path):
    web = s.get("target", "Pod", "web-1-x7k2p", NS_DST)
    debug = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "web-debug", "namespace": NS_DST, "labels": web["metadata"]["labels"],
                          "annotations": {"debug.openshift.io/source-resource": "/deploymentconfigs/web"}},
             "spec": web["spec"], "status": {"phase": "Running"}}
    s.put("target", debug)
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    assert s.get("target", "Pod", "web-debug", NS_DST) is not None
    assert_rolled_back(s)


def test_a_succeeded_migration_needs_force(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    r = run_in(kubectl, s, tmp_path, "sock-shop")
    assert r.returncode == 0 and "SUCCEEDED" in r.stdout and "--force" in r.stdout
    r = run_in(kubectl, s, tmp_path, "sock-shop", "--yes")
    assert r.returncode == 1 and "pass --force" in r.stderr and s.writes() == []


def _start_via_controller(s, tmp_path, dist_dir):
    """`kubectl mig-rollback <dest> --via-controller --yes` in the background, and the rollback
    MigMigration it created (the test then moves it through its phases as MTC would)."""
    env = dict(os.environ, KUBECONFIG=s.kubeconfig, XDG_STATE_HOME=str(tmp_path / "state"), HOME=str(tmp_path),
               PATH=f"{dist_dir}:{os.environ['PATH']}", NO_COLOR="1")
    p = subprocess.Popen(["kubectl", "mig-rollback", NS_DST, "--via-controller", "--yes"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mig = None
    deadline = time.monotonic() + 30
    while mig is None and time.monotonic() < deadline:
        mig = next((m for m in s.list("host", "MigMigration", MIG_NS) if m["spec"].get("rollback")), None)
        time.sleep(0.1)
    assert mig is not None, p.communicate(timeout=5)
    return p, mig


def test_via_controller_follows_the_rollback_migration(sim, kubectl, tmp_path, dist_dir):
    s = sim("rollback-needed")
    p, mig = _start_via_controller(s, tmp_path, dist_dir)
    assert mig["spec"]["migPlanRef"]["name"] == "parts-mig-plan"
    for phase in ("Rollback", "DeleteBackups", "EnsureStagePodsDeleted", "DeleteMigrated", "UnQuiesceSrcApplications"):
        mig["status"] = {"phase": phase, "conditions": [{"type": "Running", "status": "True", "message": "Step: 3/11"}]}
        mig = s.put("host", mig)
        time.sleep(1.3)
    mig["status"] = {"phase": "Completed", "itinerary": "Rollback",
                     "conditions": [{"type": "Succeeded", "status": "True", "message": "The migration has completed"}]}
    s.put("host", mig)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert "controller: DeleteMigrated" in err and "controller: UnQuiesceSrcApplications" in err and "completed" in err
    assert s.writes("source") == [] and s.writes("target") == []       # MTC did it, not us


def test_via_controller_failure_shows_where_and_the_manual_plan(sim, kubectl, tmp_path, dist_dir):
    s = sim("rollback-needed")
    p, mig = _start_via_controller(s, tmp_path, dist_dir)
    mig["status"] = {"phase": "Completed", "errors": ["DeleteMigrated: timed out"],
                     "pipeline": [{"name": "CleanupMigrated", "failed": True}],
                     "conditions": [{"type": "Failed", "status": "True", "reason": "DeleteMigrated",
                                     "message": "The migration has failed.  See: Errors."}]}
    s.put("host", mig)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 1, err
    assert "step CleanupMigrated" in err and "DeleteMigrated: timed out" in err
    assert "DeploymentConfig/web" in out         # the manual plan for what remains


def test_after_a_rollback_mig_verify_no_longer_asks_for_one(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    mig = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"

    def findings():
        r = kubectl(s, "mig-verify", mig, "-o", "json")
        return {f["id"] for f in json.loads(r.stdout)["findings"]}

    assert "rollback-needed" in findings()
    r = run_in(kubectl, s, tmp_path, "rocket-chat", "--yes")
    assert r.returncode == 0, r.stderr
    assert "rollback-needed" not in findings()
    again = run_in(kubectl, s, tmp_path, "rocket-chat", "--yes")
    assert again.returncode == 0 and "nothing to do" in again.stderr


def _step_kinds() -> list:
    """Every kind of step each scenario's plan makes: (scenario, project, cluster, method, path), from the planner."""
    from lib.resources import resource
    from tests.unit.test_rollback_plan import plan_of, scenario

    method = {"delete": "DELETE", "patch": "PATCH", "request-deletion": "POST"}
    out = []
    for scen, project in (("restic-timeout", "rocket-chat"), ("move-nfs", "inventory"), ("stage-pods-left", "orders"),
                          ("multi-namespace", "shop-db")):
        seen = set()
        for a in plan_of(scenario(scen), project).actions:
            plural = "deletebackuprequests" if a.verb == "request-deletion" else resource(a.kind).plural
            step = (a.cluster, method[a.verb], f"/{plural}")
            if step not in seen:
                seen.add(step)
                out.append((scen, project, *step))
    return out


@pytest.mark.parametrize("scenario,project,cluster,method,path", _step_kinds())
def test_every_kind_of_step_faulted_then_rerun_converges(sim, kubectl, tmp_path, scenario, project, cluster, method,
                                                        path):
    s = sim(scenario)
    s.fault(cluster, method=method, path=path, status=500, times=4)       # past the 3 retries of a write
    r = run_in(kubectl, s, tmp_path, project, "--yes")
    assert r.returncode == 69 and "rollback stopped" in r.stderr and "Traceback" not in r.stderr, r.stderr
    s.clear_faults()
    r = run_in(kubectl, s, tmp_path, project, "--yes")
    assert r.returncode == 0, r.stderr
    r = run_in(kubectl, s, tmp_path, project, "--yes")
    assert "nothing to do" in r.stderr
    allowed = {"stage-postgres-0-h7x2k", "orders-mig-plan-prebackup-7xk2q", "rsync-k2j4x"}
    assert {p.rsplit("/", 1)[1] for p in source_deletes(s)} <= allowed


def test_a_rerun_after_the_user_recreated_the_deploymentconfig_leaves_it_alone(s, kubectl, tmp_path):
    r = rollback(kubectl, s, tmp_path, "--yes")
    assert r.returncode == 0, r.stderr
    dc = s.put("target", {"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig",
                          "metadata": {"name": "web", "namespace": NS_DST},
                          "spec": {"replicas": 1, "selector": {"app": "web"}, "template": {
                              "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}]}}}})
    owner = [{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "name": "web", "uid": dc["metadata"]["uid"]}]
    rc = s.put("target", {"apiVersion": "v1", "kind": "ReplicationController",
                          "metadata": {"name": "web-1", "namespace": NS_DST, "ownerReferences": owner,
                                       "labels": {"openshift.io/deployment-config.name": "web"}},
                          "spec": {"replicas": 1, "selector": {"deploymentconfig": "web"}}})
    s.put("target", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "web-1-new01", "namespace": NS_DST, "labels": {"deployment": "web-1", "deploymentconfig": "web"},
        "ownerReferences": [{"apiVersion": "v1", "kind": "ReplicationController", "name": "web-1",
                             "uid": rc["metadata"]["uid"]}]}, "spec": {"containers": [{"name": "web"}]}})
    for state in (tmp_path, tmp_path / "elsewhere"):          # with the old journal, and without it
        r = kubectl(s, "mig-rollback", NS_DST, "--yes", env={"XDG_STATE_HOME": str(state / "state")})
        assert r.returncode in (0, 1), r.stderr
        assert "Traceback" not in r.stderr
    for kind, name in (("DeploymentConfig", "web"), ("ReplicationController", "web-1"), ("Pod", "web-1-new01")):
        assert s.get("target", kind, name, NS_DST) is not None, (kind, name)


def test_a_vm_mtc_stopped_is_started_through_kubevirt_and_loses_mtc_s_annotations(sim, kubectl, tmp_path):
    # MTC 1.8 (quiesce.go quiesceVirtualMachines/startVM): the VM carries start-vm and vm-run-strategy and was
    # stopped through the subresource (runStrategy Halted); the decoy VM its owner stopped stays stopped
    s = sim("vm-quiesced")
    mig = "c4d5e6f7-0b1c-4d2e-9f30-6b7c8d9e0f12"
    start = "/apis/subresources.kubevirt.io/v1/namespaces/vms/virtualmachines/rhel9-vm/start"

    def findings():
        r = kubectl(s, "mig-verify", mig, "-o", "json")
        return {f["id"] for f in json.loads(r.stdout)["findings"]}

    assert "rollback-needed" in findings()
    s.reset_requests()
    r = run_in(kubectl, s, tmp_path, "vms")
    assert r.returncode == 0 and s.writes() == [], r.stderr
    assert "VirtualMachine/rhel9-vm" in r.stdout and f"PUT {start}" in r.stdout and "fedora-scratch" not in r.stdout
    r = run_in(kubectl, s, tmp_path, "vms", "--yes")
    assert r.returncode == 0, r.stderr
    vm = s.get("source", "VirtualMachine", "rhel9-vm", "vms")
    assert vm["spec"]["runStrategy"] == "Always"                       # KubeVirt's start of a Halted VM
    assert not [k for k in vm["metadata"].get("annotations") or {} if k.startswith("migration.openshift.io/")]
    assert s.get("source", "VirtualMachine", "fedora-scratch", "vms")["spec"]["runStrategy"] == "Halted"
    assert [(q.method, q.status) for q in s.requests("source") if q.path == start] == [("PUT", 202)]
    assert source_deletes(s) == []
    again = run_in(kubectl, s, tmp_path, "vms", "--yes")
    assert again.returncode == 0 and "nothing to do" in again.stderr, again.stderr
    assert "rollback-needed" not in findings()


@pytest.mark.parametrize("method,path", [("PUT", "/virtualmachines/rhel9-vm/start"),
                                         ("PATCH", "/virtualmachines/rhel9-vm")])
def test_a_vm_start_or_its_patch_faulted_then_rerun_converges(sim, kubectl, tmp_path, method, path):
    # the PATCH faulted: the VM was started (runStrategy Always) but keeps MTC's annotations; the re-run does not
    # start it again (KubeVirt would refuse: 409) and only restores its runStrategy and removes the annotations
    s = sim("vm-quiesced")
    s.fault("source", method=method, path=path, status=500, times=4)       # past the 3 retries of a write
    r = run_in(kubectl, s, tmp_path, "vms", "--yes")
    assert r.returncode == 69 and "rollback stopped" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert s.get("source", "VirtualMachine", "rhel9-vm", "vms")["metadata"]["annotations"]
    s.clear_faults()
    r = run_in(kubectl, s, tmp_path, "vms", "--yes")
    assert r.returncode == 0, r.stderr
    vm = s.get("source", "VirtualMachine", "rhel9-vm", "vms")
    assert vm["spec"]["runStrategy"] == "Always" and not vm["metadata"].get("annotations")
    assert [q.status for q in s.requests("source") if q.method == "PUT" and q.path.endswith("/start")][-1] == 202
    assert "nothing to do" in run_in(kubectl, s, tmp_path, "vms", "--yes").stderr


def test_a_vm_start_kubevirt_refuses_stops_the_run_and_keeps_mtc_s_annotations(sim, kubectl, tmp_path):
    # a 409 to the start is KubeVirt's refusal (running already, manual recovery required): not retried as a conflict
    s = sim("vm-quiesced")
    s.fault("source", method="PUT", path="/virtualmachines/rhel9-vm/start", status=409, times=1)
    r = run_in(kubectl, s, tmp_path, "vms", "--yes")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert [ln for ln in r.stderr.splitlines() if "rollback stopped" in ln] == [
        "error: rollback stopped: source (ocp3-source): start VirtualMachine vms/rhel9-vm: injected fault: 409"]
    ann = s.get("source", "VirtualMachine", "rhel9-vm", "vms")["metadata"]["annotations"]
    assert ann["migration.openshift.io/start-vm"] == "true"
    s.clear_faults()
    assert run_in(kubectl, s, tmp_path, "vms", "--yes").returncode == 0
    assert not s.get("source", "VirtualMachine", "rhel9-vm", "vms")["metadata"].get("annotations")


def test_a_bundle_of_the_vm_scenario_says_what_the_live_clusters_say(sim, kubectl, tmp_path):
    # mig-gather lists VirtualMachines in the migrated namespaces (rollback-needed declares the kind): offline,
    # mig-verify finds the stopped VM and mig-rollback plans the same start
    from tests.conftest import bundle_of, gather

    s = sim("vm-quiesced")
    r = gather(kubectl, s, tmp_path / "g")                  # the migrated namespaces' summary kinds only
    assert r.returncode == 0, r.stderr
    rep = json.loads(kubectl(None, "mig-verify", "c4d5e6f7", "--must-gather", str(bundle_of(r)[1]), "-o",
                             "json").stdout)
    f = next(x for x in rep["findings"] if x["id"] == "rollback-needed")
    assert "VirtualMachine vms/rhel9-vm: stopped (migration.openshift.io/start-vm=true)" in f["evidence"]
    r = gather(kubectl, s, tmp_path / "full", "--namespaces")   # what mig-rollback needs offline
    assert r.returncode == 0, r.stderr
    tarball = str(bundle_of(r)[1])
    env = {"XDG_STATE_HOME": str(tmp_path)}
    r = kubectl(s, "mig-rollback", "vms", "-o", "json", env=env)
    assert r.returncode == 0, r.stderr
    live = json.loads(r.stdout)
    r = kubectl(None, "mig-rollback", "vms", "-o", "json", "--must-gather", tarball, env=env)
    assert r.returncode == 0, r.stderr
    offline = json.loads(r.stdout)
    key = lambda a: (a["cluster"], a["verb"], a["kind"], a["name"], a["change"])  # noqa: E731
    assert sorted(map(key, offline["actions"])) == sorted(map(key, live["actions"]))
    assert ("source", "start", "VirtualMachine", "rhel9-vm") in {k[:4] for k in map(key, live["actions"])}


def test_a_storage_conversion_swaps_the_pvc_back_then_deletes_only_the_converted_one(sim, kubectl, tmp_path):
    # one cluster, namespace parts unmapped: the DVM's db-data-new, and api pointed at it by SwapPVCReferences
    s = sim("rollback-needed")
    plan = s.get("host", "MigPlan", "parts-mig-plan", "openshift-migration")
    plan["spec"]["destMigClusterRef"] = dict(plan["spec"]["srcMigClusterRef"])
    plan["spec"]["namespaces"] = [NS_SRC]
    plan["spec"]["persistentVolumes"][0]["pvc"]["name"] = "db-data:db-data-new"
    s.put("host", plan)
    api = s.get("source", "Deployment", "api", NS_SRC)
    api["spec"]["template"]["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "db-data-new"}},
                                                  {"name": "tmp", "emptyDir": {}}]
    s.put("source", api)
    s.put("source", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
        "name": "db-data-new", "namespace": NS_SRC, "labels": {"migration.openshift.io/migrated-by-migplan": PLAN_UID}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}})
    r = run_in(kubectl, s, tmp_path, NS_SRC, "--yes")
    assert r.returncode == 0, r.stderr
    api = s.get("source", "Deployment", "api", NS_SRC)
    assert api["spec"]["template"]["spec"]["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}}, {"name": "tmp", "emptyDir": {}}]
    assert api["spec"]["replicas"] == 3
    assert s.get("source", "PersistentVolumeClaim", "db-data-new", NS_SRC) is None
    assert s.get("source", "PersistentVolumeClaim", "db-data", NS_SRC) is not None
    assert s.get("target", "PersistentVolumeClaim", "db-data", NS_DST) is not None      # the other cluster: untouched


def test_journal_and_saved_objects_carry_no_secret(s, kubectl, tmp_path):
    """The journal keeps every deleted object's state and the plan is saved before any change: a Secret's
    data, an env var's password, a last-applied configuration (of a Secret), a password in an annotation
    are redacted there as mig-gather redacts them (the rollback never needs them: the source keeps the
    originals); the plan saved for `oc create -f` keeps its PV selections."""
    import base64

    from tests import redaction_canaries as rc

    b64 = lambda v: base64.b64encode(v.encode()).decode()      # noqa: E731
    last = json.dumps({"apiVersion": "v1", "kind": "Secret", "data": {"password": b64(rc.K_LASTSEC)}})
    sec = s.get("target", "Secret", "api-creds", NS_DST)
    sec.pop("stringData", None)
    sec["data"] = {"password": b64(rc.K_SECRET), "ca.crt": b64(rc.K_BIN)}
    sec["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": last}
    s.put("target", sec)
    api = s.get("target", "Deployment", "api", NS_DST)
    api["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "DB_PWD", "value": rc.K_ENV}]
    api["spec"]["template"]["spec"]["containers"][0]["args"] = ["--password", rc.K_ARG]
    s.put("target", api)
    plan = s.get("host", "MigPlan", "parts-mig-plan", "openshift-migration")
    plan["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": last,
                                       "example.com/db-password": rc.K_ANN}
    s.put("host", plan)
    r = rollback(kubectl, s, tmp_path, "--yes", "-v", "8")
    assert r.returncode == 0, r.stderr
    assert_rolled_back(s)
    state = tmp_path / "state" / "mig-tools"
    files = sorted(state.glob("rollback-*"))
    assert {p.name.split(".", 1)[1] for p in files} >= {"jsonl", "saved.yaml", "migplan.yaml"}
    values = [rc.K_SECRET, rc.K_BIN, rc.K_LASTSEC, rc.K_ENV, rc.K_ARG, rc.K_ANN]
    for p in files:
        assert rc.leaks(p.read_bytes(), values) == [], p.name
    assert rc.leaks((r.stdout + r.stderr).encode(), values) == []
    journal = [json.loads(x) for x in (state / f"rollback-{PLAN_UID}-{NS_DST}.jsonl").read_text().splitlines()]
    deleted = [e["before"] for e in journal if e.get("event") == "start" and e["before"].get("kind") == "Secret"]
    assert deleted and deleted[0]["metadata"]["name"] == "api-creds" and deleted[0]["metadata"]["uid"]
    assert deleted[0]["data"]["password"].startswith("REDACTED-SECRET-DATA-")
    saved_plan = yaml.safe_load((state / f"rollback-{PLAN_UID}-{NS_DST}.migplan.yaml").read_text())
    assert saved_plan["spec"]["persistentVolumes"][0]["selection"] == {"action": "copy", "copyMethod": "filesystem",
                                                                      "storageClass": "gp2"}
    assert saved_plan["spec"]["namespaces"] == ["parts:parts-prod"]
