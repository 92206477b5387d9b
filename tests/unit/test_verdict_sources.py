"""Verdict inputs that depend on where evidence comes from: Velero's copy of a backup log when the pod log is gone,
what is said when neither can be read, and rollback-needed only while the source is really held down."""

from __future__ import annotations

import copy

from lib import objects as o
from lib.errors import ApiError, NotCollected
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource


def _src(name: str) -> ScenarioSource:
    src = ScenarioSource(name)
    src.doc = copy.deepcopy(src.doc)
    return src


def test_restarted_velero_timeout_comes_from_the_backup_log_in_object_storage():
    src = _src("velero-restarted")
    rep = verify(src, "jira-final-1122", now=src.now, strict=True)
    f = next(x for x in rep.findings if x.id == "restic-timeout")
    assert f.evidence[0].startswith("source BackupLog jira-final-1122-stage-k7m2x (Velero's copy in object storage): ")
    assert "timed out waiting for all PodVolumeBackups to complete" in f.evidence[0]
    assert any("jira-data of pod jira-prod/jira-0" in e and "in progress 4h" in e for e in f.evidence)


def test_neither_pod_log_nor_velero_s_copy_is_said_not_silent():
    src = _src("velero-restarted")
    src.doc["downloads"] = {}
    rep = verify(src, "jira-final-1122", now=src.now, strict=True)
    assert "restic-timeout" not in {f.id for f in rep.findings}
    assert any(p.startswith("log of Backup jira-final-1122-stage-k7m2x on source: velero pod velero-7d9c4b8f5-m8q3z "
                            "was created after it started, and Velero's copy in object storage has no line either")
               for p in rep.problems), \
        rep.problems
    assert rep.verdict == "SUCCEEDED WITH WARNINGS"          # no evidence either way: MTC's word stands, said unchecked


def _findings_after_mtc_rollback(conditions: list) -> set:
    """The finding ids of jenkins-final-1 once MTC ran a rollback that ended with `conditions`."""
    src = _src("restic-timeout-info")
    host = src.doc["objects"]["host"]
    mig = next(x for x in host if x.get("kind") == "MigMigration")
    rb = copy.deepcopy(mig)
    rb["metadata"].update(name="jenkins-rollback-1", uid="rb-uid", creationTimestamp="2019-05-21T23:00:00Z")
    rb["spec"] = {"migPlanRef": mig["spec"]["migPlanRef"], "rollback": True}
    rb["status"] = {"phase": "Completed", "conditions": conditions}
    host.append(rb)
    return {f.id for f in verify(src, "jenkins-final-1", now=src.now, strict=True).findings}


def test_no_rollback_needed_after_mtc_s_own_rollback():
    ids = _findings_after_mtc_rollback([{"type": "Succeeded", "status": "True"}])
    assert "rollback-needed" not in ids and "restic-timeout" in ids


def test_a_canceled_rollback_still_leaves_rollback_needed():
    # a canceled MigMigration also carries Succeeded (mig-controller's Completed phase): it rolled nothing back
    ids = _findings_after_mtc_rollback([
        {"type": "Canceled", "status": "True", "message": "The migration has been canceled."},
        {"type": "Succeeded", "status": "True", "message": "The migration has completed successfully."}])
    assert "rollback-needed" in ids


def test_no_rollback_needed_once_the_source_runs_again():
    src = _src("restic-timeout-info")
    dep = next(x for x in src.doc["objects"]["source"] if x.get("kind") == "Deployment")
    dep["spec"]["replicas"] = 1                                      # scaled back up by hand
    ids = {f.id for f in verify(src, "jenkins-final-1", now=src.now, strict=True).findings}
    assert "rollback-needed" not in ids


def test_rollback_offers_mtc_s_own_where_it_has_one():
    src = _src("restic-timeout-info")
    mig = next(x for x in src.doc["objects"]["host"] if x.get("kind") == "MigMigration")
    mig["status"]["pipeline"] = [{"name": "Prepare"}]                # MTC 1.4+
    f = next(x for x in verify(src, "jenkins-final-1", now=src.now).findings if x.id == "rollback-needed")
    assert f.fix[0].startswith("oc mig-rollback --plan jenkins-plan --via-controller    # MTC's own rollback")
    assert f.fix[1].startswith("oc mig-rollback --plan jenkins-plan    # where MTC's rollback is not available")


def test_a_blocked_migration_is_stuck_from_its_first_minute():
    src = _src("blocked-registry-path")
    rep = verify(src, "multi-namespace-mig-final", now=src.now, stuck_after=3600)
    assert rep.verdict == "STUCK" and rep.exit_code == 3
    assert rep.findings[0].id == "migration-blocked"
    assert "SourceClusterNoRegistryPath" in rep.findings[0].evidence[1]
    mig = next(x for x in src.doc["objects"]["host"] if o.name(x) == "multi-namespace-mig-final")
    mig["status"]["conditions"] = []                                 # the plan became Ready again: it runs
    plan = next(x for x in src.doc["objects"]["host"] if x.get("kind") == "MigPlan")
    plan["status"]["conditions"] = [{"type": "Ready", "status": "True", "category": "Required"}]
    assert verify(src, "multi-namespace-mig-final", now=src.now, stuck_after=3600).verdict == "RUNNING"


def test_stuck_says_what_the_waited_on_restic_logged_in_the_window(tmp_path):
    """The error lines restic logged about the stuck restore since the last progress, grouped by cause (the line is
    velero#1735's restic repository lock, verbatim but for its restore= field)."""
    src = _src("stuck-stage-restore")
    key = "openshift-migration/restic-t7w2p/velero"
    log = tmp_path / "restic.log"
    restore = "openshift-migration/6b8e1f4a-2c3d-11ea-b7f5-0a580a83000e-v5k9h"
    line = ('time="${now-30m}" level=error msg="unable to successfully complete restic restores of pod\'s volumes" '
            'error="restic repository is not ready: error running command=restic check --repo=s3:http://independent-'
            'magpie-minio.minio:9000/velero/restic/postgresql, stderr=Fatal: unable to create lock in backend: '
            'repository is already locked by PID 1915 on restic-wnsc2 by  (UID 0, GID 0)\\n: exit status 1" '
            f'logSource="pkg/restore/restore.go:1060" restore={restore}')
    log.write_text(src.doc["logs"]["target"][key].read_text() + "${now-30m} " + line + "\n")
    src.doc["logs"]["target"][key] = log
    rep = verify(src, "6b8e1f4a", now=src.now, strict=True)
    f = next(x for x in rep.findings if x.id == "migration-stuck")
    said = [e for e in f.evidence if e.startswith("target Velero/restic logged since ")]
    assert len(said) == 1 and ": 1x restic repository: target/restic-t7w2p/velero " in said[0], f.evidence
    assert "repository is already locked" in said[0]


START_VM = "migration.openshift.io/start-vm"


def _vm_only_held(src: ScenarioSource, annotated: bool = True) -> dict:
    """The Deployment runs again; a KubeVirt VM of the same namespace is still stopped by MTC 1.8 (quiesce.go
    quiesceVirtualMachines: start-vm=true and vm-run-strategy, then the stop subresource)."""
    dep = next(x for x in src.doc["objects"]["source"] if x.get("kind") == "Deployment")
    dep["spec"]["replicas"] = 1
    vm = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {
        "name": "jenkins-agent-vm", "namespace": o.namespace(dep),
        "annotations": {START_VM: "true", "migration.openshift.io/vm-run-strategy": "Always"} if annotated else {}},
        "spec": {"runStrategy": "Halted", "template": {"spec": {"domain": {}}}}}
    src.doc["objects"]["source"].append(vm)
    return vm


def test_a_vm_mtc_stopped_still_needs_the_rollback():
    src = _src("restic-timeout-info")
    vm = _vm_only_held(src)
    f = next(x for x in verify(src, "jenkins-final-1", now=src.now, strict=True).findings if x.id == "rollback-needed")
    assert f"VirtualMachine {o.namespace(vm)}/jenkins-agent-vm: stopped ({START_VM}=true)" in f.evidence
    assert {"kind": "VirtualMachine", "name": "jenkins-agent-vm"}.items() <= next(
        r for r in f.objects if r.get("kind") == "VirtualMachine").items()
    vm["metadata"]["annotations"] = {}                               # started again (by MTC's unquiesce, or ours)
    assert "rollback-needed" not in {x.id for x in verify(src, "jenkins-final-1", now=src.now, strict=True).findings}


class _NoKubeVirt(ScenarioSource):
    live = True                 # discovery is the cluster's word: a kind it does not serve has no objects

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        if getattr(kind, "kind", kind) == "VirtualMachine":     # what a cluster without kubevirt.io answers
            raise ApiError("the server could not find the requested resource", 404, "NotFound", role)
        return super().list(role, kind, namespace, labels, fields)


class _NoVMsCollected(ScenarioSource):
    def list(self, role, kind, namespace=None, labels=None, fields=None):
        if getattr(kind, "kind", kind) == "VirtualMachine":
            raise NotCollected(f"{role}: VirtualMachine in namespace {namespace} was not collected by this must-gather")
        return super().list(role, kind, namespace, labels, fields)


def test_a_cluster_without_kubevirt_has_no_vms_but_a_bundle_without_them_is_unchecked():
    src = _NoKubeVirt("restic-timeout-info")
    src.doc = copy.deepcopy(src.doc)
    next(x for x in src.doc["objects"]["source"] if x.get("kind") == "Deployment")["spec"]["replicas"] = 1
    rep = verify(src, "jenkins-final-1", now=src.now, strict=True)
    assert "rollback-needed" not in {x.id for x in rep.findings}
    assert not any("rollback-needed" in p for p in rep.problems), rep.problems
    src = _NoVMsCollected("restic-timeout-info")
    src.doc = copy.deepcopy(src.doc)
    _vm_only_held(src)
    rep = verify(src, "jenkins-final-1", now=src.now, strict=True)
    assert "rollback-needed" not in {x.id for x in rep.findings}      # nothing seen held: not claimed either way
    assert any(p.startswith("check rollback-needed: VirtualMachines: ") and "not collected" in p
               for p in rep.problems), rep.problems
