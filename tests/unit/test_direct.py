"""MTC 1.4+ objects: rsync failure meanings, progress-aware stuck detection, hook deadlines, node-agent
drill-down, the graph's helper pods and mig-crs rows (scenarios read without a server)."""

from __future__ import annotations

import copy

from lib import crs, graph, mtc
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource


def _run(src, mig):
    rep = verify(src, mig, now=src.now, strict=True, verbose=True)
    assert rep.undeclared == [] and not [p for p in rep.problems if "internal error" in p], rep.details
    return rep


def _objects(src, role, kind):
    return [x for x in src.doc["objects"][src.bound.get(role, role) if role == "host" else role] if x["kind"] == kind]


def test_rsync_meanings_from_lines_then_exit_codes():
    assert mtc.rsync_meaning(23, ['rsync: mkstemp "/mnt/x/.a.b" failed: Permission denied (13)'])[0] == "permission"
    assert mtc.rsync_meaning(11, ["rsync: write failed on \"/mnt/d/f\": No space left on device (28)"])[0] == "no space"
    assert mtc.rsync_meaning(10, ["rsync: failed to connect to localhost (127.0.0.1): Connection refused (111)"])[0] \
        == "connection"
    assert mtc.rsync_meaning(12, [])[0] == "connection"
    assert mtc.rsync_meaning(24, [])[0] == "partial transfer"
    assert mtc.rsync_meaning("?", [])[0] == "rsync failed"
    assert mtc.RSYNC_EXIT[23].startswith("partial transfer")


def test_exit_1_after_the_client_wrapper_s_wait_is_stunnel_not_rsync():
    # The client runs `timeout=120; ... nc -z localhost 2222; rc=$?; ... exit $rc;` (CL rsync/client.go; 600 on
    # MC-1.5 rsync.go:1796): exit 1 after ~120 s with no rsync line is nc's; a quick exit 1 is rsync's usage error.
    assert mtc.rsync_meaning(1, [], 121.0)[0] == mtc.STUNNEL_NEVER_OPENED
    assert mtc.rsync_meaning(1, [], 601.0)[0] == mtc.STUNNEL_NEVER_OPENED
    assert mtc.rsync_meaning(1, [], 2.0)[0] == "rsync failed"
    assert mtc.rsync_meaning(1, [], None)[0] == "rsync failed"
    assert mtc.rsync_meaning(1, ["rsync error: syntax or usage error (code 1) at main.c(1568) [client=3.1.3]"],
                             130.0)[0] == "rsync failed"


def test_failed_rsync_pod_whose_stunnel_never_listened(tmp_path):
    src = ScenarioSource("dvm-rsync-failed")
    pod = next(x for x in src.doc["objects"]["source"] if x["kind"] == "Pod" and x["metadata"]["name"] == "rsync-7dk2x")
    pod["status"]["containerStatuses"][0]["state"]["terminated"].update(
        exitCode=1, startedAt="2021-01-25T22:49:09Z", finishedAt="2021-01-25T22:51:10Z")
    empty = tmp_path / "rsync.log"
    empty.write_text("")
    src.doc["logs"]["source"]["sock-shop/rsync-7dk2x/rsync"] = empty
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-rsync-failed")
    assert f.title.endswith("(stunnel port never opened: the rsync client wrapper gave up, exit code 1)"), f.title
    assert any("exit code 1 = not rsync's: after 2m" in e for e in f.evidence), f.evidence
    assert not any("syntax or usage" in e for e in f.evidence)
    assert "stunnel" in f.fix[0]


def test_failed_rsync_names_pod_exit_code_and_the_log_line():
    src = ScenarioSource("dvm-rsync-failed")
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-rsync-failed")
    assert "exit code 24" in f.title and "sock-shop/carts-db-data" in f.title
    assert any("rsync-7dk2x" in e and "exit code 24" in e for e in f.evidence)
    assert any("some files vanished before they could be transferred (code 24)" in e for e in f.evidence)
    assert any("SucceededWithWarnings" in e for e in f.evidence)
    assert "quiesce" in f.fix[0]


def test_failed_rsync_without_its_pod_still_reports_from_the_dvmp():
    src = ScenarioSource("dvm-rsync-failed")
    src.doc["objects"]["source"] = [x for x in src.doc["objects"]["source"] if x["kind"] != "Pod"
                                    or x["metadata"]["name"] != "rsync-7dk2x"]
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-rsync-failed")
    assert "exit code 24" in f.title and rep.verdict == "FAILED"
    assert any("attempt pod rsync-m2b9q: Failed, exit code 24" in e for e in f.evidence)


def test_moving_rsync_is_running_with_rate_and_estimate():
    src = ScenarioSource("dvm-long-running")
    rep = _run(src, "7e0c1a22")
    assert rep.verdict == "RUNNING"
    f = next(x for x in rep.findings if x.id == "dvm-progress")
    assert "1/3 volumes done" in f.title and "estimated finish" in f.title
    assert any("elasticsearch-data: 41% at 38.12MB/s" in e and "to go" in e for e in f.evidence)


def test_rsync_not_moving_for_longer_than_stuck_after_is_stuck():
    src = ScenarioSource("dvm-long-running")
    for p in _objects(src, "host", "DirectVolumeMigrationProgress"):
        if p["status"]["phase"] == "Running":
            p["status"]["lastObservedTransferRate"] = "0.00kB/s"
    rep = _run(src, "7e0c1a22")
    assert rep.verdict == "STUCK"
    f = next(x for x in rep.findings if x.id == "migration-stuck")
    assert any("DirectVolumeMigrationProgress" in e and "rsync pod inventory/rsync-x4n7d" in e for e in f.evidence)


def _hook_running(src):
    mig = _objects(src, "host", "MigMigration")[0]
    mig["status"] = {"phase": "PreBackupHooks", "itinerary": "Final", "startTimestamp": mig["status"]["startTimestamp"],
                     "conditions": [{"type": "Running", "status": "True", "reason": "PreBackupHooks",
                                     "lastTransitionTime": "2021-03-04T10:10:30Z"}]}
    return _objects(src, "source", "Job")[0]


def test_hook_job_past_a_deadline_set_on_the_job_by_hand_is_reported_although_mtc_waits():
    # MTC sets activeDeadlineSeconds on the pod template only (MC-1.8 hooks.go baseJobTemplate); a deadline on
    # the Job itself fails the Job with DeadlineExceeded, which ensureJob's rules (failed >= 6, BackoffLimitExceeded)
    # do not match: the migration waits.
    src = ScenarioSource("hook-failed")
    job = _hook_running(src)
    job["spec"]["activeDeadlineSeconds"] = 900
    job["status"] = {"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                                                  "message": "Job was active longer than specified deadline"}]}
    rep = _run(src, "c1d2e3f4")
    ids = {f.id for f in rep.findings}
    assert "hook-deadline" in ids and "hook-failed" not in ids
    f = next(x for x in rep.findings if x.id == "hook-deadline")
    assert "does not notice" in f.title and "by hand (900s" in f.title and any("canceled" in x for x in f.fix)
    assert rep.verdict == "STUCK"
    stuck = next(x for x in rep.findings if x.id == "migration-stuck")
    assert any("waits on Job sock-shop-hooks-prebackup-8xk2p" in e for e in stuck.evidence), stuck.evidence


def test_a_hook_job_fails_by_mig_controller_s_rule_and_only_on_conditions_in_force():
    from lib.checks.hooks import job_failure

    def job(failed=0, *conds):
        return {"status": {"failed": failed, "conditions": [dict(zip(("type", "status", "reason"), c)) for c in conds]}}

    assert job_failure(job(0, ("Failed", "True", "DeadlineExceeded"))) == "deadline"
    assert job_failure(job(0, ("Failed", "False", "DeadlineExceeded"))) == ""
    assert job_failure(job(0, ("Failed", "True", "Other"))) == "failed"
    assert job_failure(job(0, ("Failed", "False", "Other"), ("Complete", "True", ""))) == ""
    assert job_failure(job(0, ("Suspended", "False", "BackoffLimitExceeded"))) == "failed"   # mig-controller: the first
    assert job_failure(job(mtc.HOOK_JOB_FAILED_LIMIT)) == "failed"
    assert job_failure({"status": {"conditions": ["odd", {"type": "Failed"}]}}) == "failed"     # no status: in force


def _timed_out_pod(pod, name):
    pod = copy.deepcopy(pod)
    pod["metadata"]["name"] = name
    pod["status"] = {"phase": "Failed", "reason": "DeadlineExceeded",
                     "message": "Pod was active on the node longer than the specified deadline"}
    return pod


def test_hook_pod_past_its_deadline_fails_by_itself_and_mtc_counts_it():
    # The deadline is on the pod (template spec.activeDeadlineSeconds, MC-1.8 hooks.go:341): the kubelet fails
    # the pod (status.reason DeadlineExceeded), the Job starts another, and ensureJob fails the hook at
    # Status.Failed >= HookJobFailedLimit (6). Read from the template: 600s here, not the Job's spec.
    src = ScenarioSource("hook-failed")
    job = _hook_running(src)
    job["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 600
    job["status"] = {"failed": 1, "active": 1, "startTime": "2021-03-04T10:10:31Z"}
    pods = src.doc["objects"]["source"]
    running = next(p for p in pods if p.get("kind") == "Pod" and p["metadata"]["name"].startswith("sock-shop-hooks"))
    pods.append(_timed_out_pod(running, "sock-shop-hooks-prebackup-8xk2p-2x9zq"))
    rep = _run(src, "c1d2e3f4")
    ids = {f.id for f in rep.findings}
    assert "hook-deadline" in ids and "hook-failed" not in ids, ids
    f = next(x for x in rep.findings if x.id == "hook-deadline")
    assert f.title.startswith("PreBackup hook pod hit its deadline (600s): MTC fails the hook after 6 pod failures")
    assert "does not notice" not in f.title and not any("canceled" in x for x in f.fix)
    assert any("sock-shop-hooks-prebackup-8xk2p-2x9zq hit its deadline (DeadlineExceeded)" in e for e in f.evidence)


def test_hook_job_failed_by_pod_deadlines_says_so():
    src = ScenarioSource("hook-failed")
    pods = src.doc["objects"]["source"]
    running = next(p for p in pods if p.get("kind") == "Pod" and p["metadata"]["name"].startswith("sock-shop-hooks"))
    pods.append(_timed_out_pod(running, "sock-shop-hooks-prebackup-8xk2p-2x9zq"))
    rep = _run(src, "c1d2e3f4")
    f = next(x for x in rep.findings if x.id == "hook-failed")
    assert "1 of its pods hit their deadline, 1800s" in f.title
    assert "hook-deadline" not in {x.id for x in rep.findings}


def test_failed_hook_quotes_its_pod_log():
    rep = _run(ScenarioSource("hook-failed"), "c1d2e3f4")
    f = next(x for x in rep.findings if x.id == "hook-failed")
    assert any("cannot create resource \\\"pods/exec\\\"" in e for e in f.evidence)
    assert any("BackoffLimitExceeded" in e for e in f.evidence)


def test_pvr_drill_down_finds_the_node_agent_pod_by_node():
    rep = _run(ScenarioSource("node-agent"), "2f6d3c1e")
    f = next(x for x in rep.findings if x.id == "restic-verify-errors")
    assert any("node-agent pod node-agent-t7w2p" in e for e in f.evidence)
    assert any("checksum mismatch" in e and "node-agent-t7w2p" in e for e in f.evidence)


def test_helpers_are_one_pod_list_per_cluster_and_application_pods_are_not_helpers():
    src = ScenarioSource("dvm-long-running")
    g = graph.build(src, "7e0c1a22")
    pods = [c for c in src.calls if c[1] == "Pod"]
    assert len(pods) == len({c[0] for c in pods}) == 2, pods
    assert [p["metadata"]["name"] for p in g.helpers["source"]] == ["rsync-b8w2k", "rsync-x4n7d"]
    app = {"metadata": {"labels": {mtc.STAGE_POD: "True", mtc.APPLICATION_POD: "True", mtc.PART_OF: mtc.PART_OF_VALUE}}}
    assert mtc.helper_kind(app) == ""
    assert mtc.dvmp_name("7e0c1a22-9b4f-4c61-8d0e-2f6a1c9b5e01-h7t2m", "uploads", "inventory") == \
        "fc2025f45195e89a960857a273e2fa39"


def test_crs_rows_show_dvmp_progress_and_hook_jobs():
    g = graph.build(ScenarioSource("dvm-long-running"), "7e0c1a22")
    rows = {(r.kind, r.name): r for r in crs.chain(g)}
    r = rows[("DirectVolumeMigrationProgress", "6bf53d2ca1c3b2b78048edc0fa822beb")]
    assert r.depth == 3 and "41% copied" in r.message and "38.12MB/s" in r.message and "rsync-x4n7d" in r.links
    assert rows[("Pod", "rsync-server")].role == "rsync server" and rows[("Pod", "rsync-server")].cluster == "target"
    g = graph.build(ScenarioSource("hook-failed"), "c1d2e3f4")
    rows = {(r.kind, r.name): r for r in crs.chain(g)}
    assert rows[("Job", "sock-shop-hooks-prebackup-8xk2p")].phase == "Failed"
    assert rows[("Pod", "sock-shop-hooks-prebackup-8xk2p-9tq7v")].role == "hook job pod"
    assert rows[("MigHook", "catalogue-dump")].role == "hook PreBackup"


def test_rsync_permission_error_from_the_container_log(tmp_path):
    src = ScenarioSource("dvm-rsync-failed")
    log = tmp_path / "rsync.log"
    log.write_text('2021-01-25T22:49:30.000000000Z rsync: [receiver] mkstemp "/mnt/sock-shop/carts-db-data/.WiredTiger'
                   '.wt.Xb3kQd" failed: Permission denied (13)\n'
                   "2021-01-25T22:49:33.000000000Z rsync error: some files/attrs were not transferred (see previous "
                   "errors) (code 23) at main.c(1207) [sender=3.1.3]\n")
    src.doc["logs"]["source"]["sock-shop/rsync-7dk2x/rsync"] = log
    for p in _objects(src, "source", "Pod"):
        if p["metadata"]["name"] == "rsync-7dk2x":
            p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] = 23
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-rsync-failed")
    assert "(permission, exit code 23)" in f.title, f.title
    assert any("Permission denied (13)" in e for e in f.evidence)
    assert "migration_rsync_privileged" in f.fix[0]


def _pod(labels: dict, containers: list[str]) -> dict:
    return {"metadata": {"labels": labels}, "spec": {"containers": [{"name": c} for c in containers]}}


def test_helper_kinds_and_containers_across_mtc_versions():
    app = {"app": mtc.RSYNC_APP, mtc.PART_OF: mtc.PART_OF_VALUE}
    mc14_client = _pod({**app, mtc.DVM_UID: mtc.RSYNC_CLIENT_VALUE, mtc.RSYNC_PVC: "x"}, ["rsync-client"])
    mc14_stunnel = _pod({**app, mtc.PURPOSE: "stunnel"}, ["stunnel"])
    crane_client = _pod({**app, mtc.DVM_UID: "uid", mtc.RSYNC_PVC: "x"}, ["rsync", "stunnel"])
    server = _pod({**app, mtc.PURPOSE: "rsync"}, ["rsyncd", "stunnel"])
    assert [mtc.helper_kind(p) for p in (mc14_client, mc14_stunnel, crane_client, server)] == \
        ["rsync", "stunnel", "rsync", "rsync"]
    assert mtc.containers_for(crane_client, "rsync") == ["rsync"] and mtc.containers_for(crane_client, "stunnel") == \
        ["stunnel"]
    assert mtc.containers_for(mc14_stunnel, "stunnel") == ["stunnel"] and mtc.containers_for(server, "rsync") == \
        ["rsyncd"]
    assert mtc.is_rsync_client(mc14_client) and not mtc.is_rsync_client(server)
    hook = _pod({mtc.JOB_NAME: "plan-prebackup-x1"}, ["plan-prebackup"])
    assert mtc.helper_kind(hook) == "" and mtc.helper_kind(hook, {"plan-prebackup-x1"}) == "hook"
    assert mtc.helper_kind(_pod({mtc.REGISTRY: "True"}, ["registry"])) == "registry"


def _stuck(rep):
    return next(x for x in rep.findings if x.id == "migration-stuck")


def test_stuck_waiting_for_the_backup_to_reach_the_target_looks_at_the_target():
    # EnsureInitialBackupReplicated: the Backup is Completed on the source; MC-1.7 backup.go isBackupReplicated
    # reads the destination cluster (t.getDestinationClient()) and task.go logs "Initial Velero Backup has not yet
    # been replicated to target cluster by Velero. Waiting".
    src = ScenarioSource("sock-shop-success")
    mig = next(m for m in _objects(src, "host", "MigMigration") if m["metadata"]["uid"].startswith("8886de4c"))
    mig["status"] = {"phase": "EnsureInitialBackupReplicated", "itinerary": "Final",
                     "startTimestamp": mig["status"].get("startTimestamp"),
                     "conditions": [{"type": "Running", "status": "True", "reason": "EnsureInitialBackupReplicated",
                                     "lastTransitionTime": "2019-08-28T10:00:00Z"}]}
    rep = _run(src, "8886de4c")
    f = _stuck(rep)
    assert any(e.startswith("Backup 88435fe0-c9f8-11e9-85e6-5d593ce65e10-wdpd2 is Completed on the source; MTC waits "
                            "for it to appear on the target") for e in f.evidence), f.evidence
    assert not any("59gb7" in e for e in f.evidence)           # the stage backup is not the one awaited
    assert any(e.startswith("target Velero/restic logged") or "in the target Velero/restic logs" in e
               for e in f.evidence), f.evidence


def test_stuck_in_a_hook_phase_looks_at_the_cluster_the_mighook_runs_on():
    # A PostRestore hook with targetCluster source runs on the source (MC hooks.go getHookClient), whatever the
    # phase's name says.
    src = ScenarioSource("hook-failed")
    mig = _objects(src, "host", "MigMigration")[0]
    mig["status"] = {"phase": "PostRestoreHooks", "itinerary": "Final", "startTimestamp": mig["status"]["startTimestamp"],
                     "conditions": [{"type": "Running", "status": "True", "reason": "PostRestoreHooks",
                                     "lastTransitionTime": "2021-03-04T10:10:30Z"}]}
    _objects(src, "host", "MigPlan")[0]["spec"]["hooks"][0]["phase"] = "PostRestore"
    job = _objects(src, "source", "Job")[0]
    job["metadata"]["labels"]["phase"] = "PostRestore"
    job["status"] = {"active": 1, "startTime": "2021-03-04T10:10:31Z"}
    f = _stuck(_run(src, "c1d2e3f4"))
    assert "the PostRestore hook (MigHook catalogue-dump) runs on the source cluster (targetCluster source)" in f.evidence
    assert any("waits on Job sock-shop-hooks-prebackup-8xk2p" in e for e in f.evidence), f.evidence
    assert any(e.startswith("source Velero/restic logged") or "in the source Velero/restic logs" in e
               for e in f.evidence), f.evidence
    assert not any("target Velero/restic" in e for e in f.evidence)


def test_restic_errors_without_a_restore_name_find_the_restore_by_its_error_count():
    # MC-1.7 restore.go setResticConditions: ResticErrors counts velero.io/restore-pvr-error-count,
    # ResticVerifyErrors velero.io/restore-pvr-verify-error-count.
    src = ScenarioSource("restic-verify-errors")
    mig = _objects(src, "host", "MigMigration")[0]
    mig["status"]["conditions"].append({"type": "ResticErrors", "status": "True", "category": "Warn", "durable": True,
                                        "message": "There were errors found in 1 Restic volume restores.",
                                        "lastTransitionTime": "2020-04-16T20:35:16Z"})
    restores = {r["metadata"]["name"]: r for r in _objects(src, "target", "Restore")}
    del restores["registry-example-migration-rvwcm"]["metadata"]["annotations"]["velero.io/restore-pvr-error-count"]
    restores["registry-example-migration-k9vbx"]["metadata"].setdefault("annotations", {})[
        "velero.io/restore-pvr-error-count"] = "1"
    rep = _run(src, "registry-example-migration")
    f = next(x for x in rep.findings if x.id == "restic-errors")
    assert any(e.startswith("Restore registry-example-migration-k9vbx (target)") for e in f.evidence), f.evidence


def _as_block_transfer(src, tmp_path, exit_code: int, log: str) -> None:
    """Turn the scenario's failed rsync client into MC-1.8's blockrsync client of a VM disk (CL v0.1.4
    blockrsync/client.go: generateName blockrsync-, containers proxy, blockrsync, stunnel, restartPolicy
    OnFailure; MC-1.8 rsync.go labels it app=directvolumemigration-rsync-transfer-block) and its server
    into blockrsync-server (CL blockrsync/server.go)."""
    name = "blockrsync-q8z4v"
    for role in ("source", "target", "host"):
        for x in src.doc["objects"][src.bound.get(role, role) if role == "host" else role]:
            if x["kind"] == "Pod":
                x["metadata"]["labels"]["app"] = mtc.RSYNC_APP_BLOCK
                x["metadata"]["name"] = name if role == "source" else mtc.BLOCKRSYNC_SERVER_POD
                x["spec"]["restartPolicy"] = "OnFailure" if role == "source" else "Always"
                x["spec"]["containers"] = [{"name": c} for c in (["proxy", "blockrsync", "stunnel"] if role == "source"
                                                                 else ["blockrsync", "stunnel"])]
                if role == "source":
                    x["status"] = {"phase": "Running", "containerStatuses": [
                        {"name": "proxy", "ready": True, "restartCount": 0, "state": {"running": {}}},
                        {"name": "blockrsync", "ready": False, "restartCount": 3, "state": {"waiting": {
                            "reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {
                                "exitCode": exit_code, "reason": "Error", "startedAt": "2021-01-25T22:49:09Z",
                                "finishedAt": "2021-01-25T22:51:10Z"}}},
                        {"name": "stunnel", "ready": True, "restartCount": 0, "state": {"running": {}}}]}
            for p in (x.get("status") or {}).get("failedPods") or []:
                p["name"] = name
            if x["kind"] == "DirectVolumeMigrationProgress":
                x["status"]["podName"] = name
                x["status"]["exitCode"] = exit_code
                x["status"]["rsyncPodStatuses"] = []
    f = tmp_path / "blockrsync.log"
    f.write_text(log)
    src.doc["logs"]["source"] = {f"sock-shop/{name}/blockrsync": f}


def test_a_failed_blockrsync_transfer_is_not_read_with_rsync_s_exit_codes(tmp_path):
    # MC-1.8 moves block volumes and VM disks with blockrsync (CL v0.1.4 state_transfer/transfer/blockrsync): its
    # container runs /blockrsync directly, so neither rsync's exit values nor the rsync client's nc wait apply.
    src = ScenarioSource("dvm-rsync-failed")
    _as_block_transfer(src, tmp_path, 1, "starting blockrsync\nfailed to open /mnt/disk/disk.img: read error\n")
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-rsync-failed")
    assert f.title.startswith("blockrsync could not copy PVC sock-shop/carts-db-data (blockrsync failed, exit code 1")
    assert not any("syntax or usage" in e or "stunnel port never opened" in e or "nc's 1" in e for e in f.evidence + [f.title])
    assert any("blockrsync pod sock-shop/blockrsync-q8z4v (source): exit code 1 = blockrsync's own" in e
               for e in f.evidence), f.evidence
    assert any(e == "blockrsync: failed to open /mnt/disk/disk.img: read error" for e in f.evidence), f.evidence
    assert mtc.RSYNC_ROUTE_BLOCK in f.fix[0] and mtc.BLOCKRSYNC_SERVER_POD in f.fix[0]
    # the same code of an rsync container keeps rsync's meaning
    assert mtc.exit_meaning(1, 2.0, []) == mtc.RSYNC_EXIT[1]


def test_blockrsync_pods_are_named_and_shown_as_such():
    g = graph.build(ScenarioSource("dvm-rsync-failed"), "4b1c6d10")
    client, server = g.helpers["source"][0], g.helpers["target"][0]
    for p, name in ((client, "blockrsync-q8z4v"), (server, mtc.BLOCKRSYNC_SERVER_POD)):
        p["metadata"]["labels"]["app"] = mtc.RSYNC_APP_BLOCK
        p["metadata"]["name"] = name
    rows = {(r.kind, r.name): r for r in crs.chain(g)}
    assert rows[("Pod", "blockrsync-q8z4v")].role.startswith("blockrsync client")
    assert rows[("Pod", mtc.BLOCKRSYNC_SERVER_POD)].role == "blockrsync server"
    # known by name alone (DVM status.failedPods, DVMP status.podName), and not an rsync pod's name
    assert mtc.is_block_transfer(None, "blockrsync-q8z4v") and mtc.is_block_transfer(None, "blockrsync-server")
    assert not mtc.is_block_transfer(None, "rsync-7dk2x") and not mtc.is_block_transfer(client | {
        "metadata": {"name": "blockrsync-x", "labels": {"app": mtc.RSYNC_APP}}})
    assert mtc.containers_for(_pod({"app": mtc.RSYNC_APP_BLOCK, mtc.PURPOSE: "rsync"}, ["proxy", "blockrsync", "stunnel"]),
                              "rsync") == ["proxy", "blockrsync"]


def test_a_failed_vm_live_migration_is_reported_from_the_dvm_status():
    # MC-1.8 directvolumemigration_types.go: status.failedLiveMigration[] (vmName, vmNamespace, pvcRef, message,
    # totalElapsedTime), filled by rsync.go updateVolumeLiveMigrationProgressStatus from the VMIM's
    # migrationState.failureReason; the volume has no rsync pod, failedPods stays empty.
    src = ScenarioSource("dvm-rsync-failed")
    dvm = _objects(src, "host", "DirectVolumeMigration")[0]
    dvm["status"]["failedPods"] = []
    dvm["status"]["rsyncOperations"] = []
    dvm["status"][mtc.DVM_FAILED_LIVE_MIGRATIONS] = [{
        "vmName": "rhel9-vm", "vmNamespace": "sock-shop", "pvcRef": {"name": "rhel9-vm-disk", "namespace": "sock-shop"},
        "totalElapsedTime": "3m12s", "message": "migration job failed: target pod could not mount the volume"}]
    src.doc["objects"]["source"] = [x for x in src.doc["objects"]["source"] if x["kind"] != "Pod"]
    for p in _objects(src, "host", "DirectVolumeMigrationProgress"):
        p["status"]["phase"] = "Succeeded"
    rep = _run(src, "4b1c6d10")
    f = next(x for x in rep.findings if x.id == "dvm-live-migration-failed")
    assert f.title == ("live migration of VM sock-shop/rhel9-vm could not move PVC sock-shop/rhel9-vm-disk: "
                       "migration job failed: target pod could not mount the volume")
    assert any("status.failedLiveMigration: VM sock-shop/rhel9-vm" in e and "after 3m12s" in e for e in f.evidence)
    assert not any(x.id == "dvm-failed" for x in rep.findings)
    assert rep.verdict == "FAILED"


def test_a_running_vm_live_migration_is_progress_not_a_stuck_migration():
    # MC-1.8 directvolumemigration_types.go: a running VM's volume moves by KubeVirt live migration, reported in the
    # DVM's status.runningLiveMigration[] (rsync.go updateVolumeLiveMigrationProgressStatus: lastObservedProgressPercent,
    # totalElapsedTime), with no DVMP; KubeVirt aborts a migration that stops progressing (progressTimeout 150 s).
    src = ScenarioSource("dvm-long-running")
    for p in _objects(src, "host", "DirectVolumeMigrationProgress"):
        if p["status"]["phase"] == "Running":
            p["status"]["lastObservedTransferRate"] = "0.00kB/s"
    dvm = _objects(src, "host", "DirectVolumeMigration")[0]
    dvm["status"]["runningLiveMigration"] = [{
        "vmName": "rhel9-vm", "vmNamespace": "inventory", "pvcRef": {"name": "rhel9-vm-disk", "namespace": "inventory"},
        "lastObservedProgressPercent": "37%", "totalElapsedTime": "2h10m0s"}]
    rep = _run(src, "7e0c1a22")
    assert rep.verdict == "RUNNING", rep.verdict
    f = next(x for x in rep.findings if x.id == "dvm-progress")
    assert "1 moving" in f.title
    assert any("PVC inventory/rhel9-vm-disk: 37% (live migration of VM inventory/rhel9-vm), running for 130m" in e
               for e in f.evidence), f.evidence


def test_stuck_waiting_for_transfer_pods_says_which_pod_does_not_run():
    # MC-1.8 directvolumemigration/task.go WaitForRsyncTransferPodsRunning: after 3 minutes the DVM gets condition
    # RsyncTransferPodsPending (Warn, reason NotReady) "Rsync Transfer Pod(s) on destination cluster have not started
    # Running within 3 minutes. Run these command(s) to check Pod warning events: [...]"; no DVMP exists yet. The
    # pod here is MC-1.8's block server (CL blockrsync/server.go blockrsync-server), unschedulable.
    src = ScenarioSource("dvm-long-running")
    dvm = _objects(src, "host", "DirectVolumeMigration")[0]
    dvm["status"].update(phase="WaitForRsyncTransferPodsRunning", runningPods=[], successfulPods=[], rsyncOperations=[])
    dvm["status"]["conditions"].append({
        "type": "RsyncTransferPodsPending", "status": "True", "category": "Warn", "reason": "NotReady",
        "lastTransitionTime": dvm["status"]["conditions"][0]["lastTransitionTime"],
        "message": "Rsync Transfer Pod(s) on destination cluster have not started Running within 3 minutes. Run these "
                   "command(s) to check Pod warning events: [oc describe pod blockrsync-server -n inventory]"})
    src.doc["objects"]["host"] = [x for x in src.doc["objects"]["host"] if x["kind"] != "DirectVolumeMigrationProgress"]
    server = next(x for x in src.doc["objects"]["target"] if x["kind"] == "Pod" and x["metadata"]["name"] == "rsync-server")
    server["metadata"]["name"] = mtc.BLOCKRSYNC_SERVER_POD
    server["metadata"]["labels"]["app"] = mtc.RSYNC_APP_BLOCK
    server["spec"].pop("nodeName", None)
    server["status"] = {"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]}
    src.doc["objects"]["source"] = [x for x in src.doc["objects"]["source"] if x["kind"] != "Pod"
                                    or (x["metadata"].get("labels") or {}).get("app") != mtc.RSYNC_APP]
    rep = _run(src, "7e0c1a22")
    assert rep.verdict == "STUCK", rep.verdict
    f = next(x for x in rep.findings if x.id == "migration-stuck")
    assert any(e.startswith("DirectVolumeMigration 7e0c1a22-9b4f-4c61-8d0e-2f6a1c9b5e01-h7t2m condition "
                            "RsyncTransferPodsPending (Warn, NotReady): Rsync Transfer Pod(s)") for e in f.evidence)
    assert any(e == "blockrsync pod inventory/blockrsync-server (target) on node none: phase Pending; Unschedulable: "
               "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." for e in f.evidence), \
        f.evidence


def test_one_cluster_migration_lists_each_transfer_pod_and_hook_job_once_on_its_role():
    # MTC 1.7+ storage class conversion / state migration and MTC 1.8 VM storage migration run within one cluster:
    # the plan's srcMigClusterRef and destMigClusterRef name the same MigCluster, so both roles list the same
    # pods. The client (created-for-pvc, CL rsync/client.go, blockrsync/client.go) is the source's, the server
    # (rsync-server, blockrsync-server) the target's; a hook Job the role of its MigHook's targetCluster.
    from tests.unit.fakes import DictSource

    g = graph.Graph("openshift-migration")
    mc = {"kind": "MigCluster", "metadata": {"name": "host", "namespace": "openshift-migration"}}
    g.migclusters = {"source": mc, "target": mc}
    g.plan = {"metadata": {"name": "p", "uid": "plan-uid"}, "spec": {"namespaces": ["vms"]}}
    g.migration = {"metadata": {"name": "m", "uid": "mig-uid"}, "status": {"pipeline": [{"name": "DirectVolume"}]}}
    g.dvms = [{"metadata": {"name": "d", "uid": "dvm-uid"}}]
    g.hooks = [{"metadata": {"name": "h", "uid": "hook-uid"}, "spec": {"targetCluster": "destination"}}]
    base = {mtc.PART_OF: mtc.PART_OF_VALUE, mtc.DVM_UID: "dvm-uid", mtc.PURPOSE: "rsync"}

    def pod(name, labels):
        return {"kind": "Pod", "metadata": {"name": name, "namespace": "vms", "labels": labels}, "spec": {}}
    objs = [pod("blockrsync-q8z4v", {**base, "app": mtc.RSYNC_APP_BLOCK, mtc.RSYNC_PVC: "0f7c751b"}),
            pod(mtc.BLOCKRSYNC_SERVER_POD, {**base, "app": mtc.RSYNC_APP_BLOCK}),
            pod("rsync-server", {**base, "app": mtc.RSYNC_APP}),
            {"kind": "Job", "metadata": {"name": "p-postrestore-x2k9q", "namespace": "vms", "labels": {
                mtc.PART_OF: mtc.PART_OF_VALUE, mtc.HOOK_UID: "hook-uid", mtc.HOOK_OWNER: "mig-uid",
                mtc.HOOK_PHASE: "PostRestore"}}},
            pod("p-postrestore-x2k9q-7tq2w", {mtc.JOB_NAME: "p-postrestore-x2k9q"})]
    src = DictSource({"host": [], "source": objs, "target": objs})
    for role in ("source", "target"):
        graph._collect_helpers(src, g, role, ["mig-uid"])
    assert [o["metadata"]["name"] for o in g.helpers["source"]] == ["blockrsync-q8z4v"]
    assert [o["metadata"]["name"] for o in g.helpers["target"]] == \
        ["blockrsync-server", "p-postrestore-x2k9q-7tq2w", "rsync-server"]
    assert [j["metadata"]["name"] for j in g.jobs["source"]] == [] and len(g.jobs["target"]) == 1
    # two clusters: each lists what it has, untouched
    g.migclusters = {"source": mc, "target": {**mc, "metadata": {"name": "ocp4", "namespace": "openshift-migration"}}}
    graph._collect_helpers(src, g, "source", ["mig-uid"])
    assert len(g.helpers["source"]) == 4 and len(g.jobs["source"]) == 1
