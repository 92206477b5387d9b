"""--via-controller without a server (a client double), and the confirmation --release-target-pvs needs."""

from __future__ import annotations

import io

import pytest

from lib import objects as o
from lib.errors import MigError
from lib.rollback import controller
from lib.rollback.command import Options, confirm
from lib.rollback.plan import Action, Plan
from lib.rollback.resolve import Context


class FakeHost:
    def __init__(self, phases: list, prune: bool = False):
        self.phases, self.prune, self.deleted, self.created = list(phases), prune, [], None

    def create(self, kind, obj, namespace):
        self.created = {**obj, "metadata": {**obj["metadata"], "name": "p-rollback-abcde", "uid": "u1"}}
        if self.prune:
            self.created["spec"] = {k: v for k, v in obj["spec"].items() if k != "rollback"}
        return self.created

    def delete(self, kind, name, namespace, uid=None):
        self.deleted.append((kind, name, uid))

    def get_or_none(self, kind, name, namespace):
        status = self.phases.pop(0) if len(self.phases) > 1 else self.phases[0]
        return {**self.created, "status": status}


class FakeSrc:
    namespace = "openshift-migration"

    def __init__(self, host):
        self.host = host

    def client(self, role):
        assert role == "host"
        return self.host


CTX = Context({"metadata": {"name": "p", "uid": "plan-uid"}}, None, [("a", "b")])


def test_follow_prints_each_phase_once_and_returns_the_outcome(monkeypatch):
    host = FakeHost([{"phase": "Rollback"}, {"phase": "Rollback"}, {"phase": "DeleteMigrated"},
                     {"phase": "Completed", "conditions": [{"type": "Succeeded", "status": "True"}]}])
    err = io.StringIO()
    monkeypatch.setattr(controller, "POLL_S", 0)
    mig = controller.run_via_controller(FakeSrc(host), CTX, 10, err)
    assert o.outcome(mig) == "Succeeded"
    assert host.created["spec"] == {"migPlanRef": {"name": "p", "namespace": "openshift-migration"},
                                    "rollback": True, "stage": False, "quiescePods": False}
    assert err.getvalue().count("controller: Rollback") == 1 and "controller: DeleteMigrated" in err.getvalue()


def test_a_canceled_rollback_that_also_carries_succeeded_is_reported_canceled(monkeypatch):
    host = FakeHost([{"phase": "Completed", "conditions": [
        {"type": "Canceled", "status": "True", "message": "The migration has been canceled."},
        {"type": "Succeeded", "status": "True", "message": "The migration has completed successfully."}]}])
    monkeypatch.setattr(controller, "POLL_S", 0)
    mig = controller.run_via_controller(FakeSrc(host), CTX, 10, io.StringIO())
    assert o.outcome(mig) == "Canceled"
    failed = {"status": {"conditions": [{"type": "SucceededWithWarnings", "status": "True"},
                                        {"type": "Failed", "status": "True"}]}}
    assert o.outcome(failed) == "Failed"


def test_a_crd_without_spec_rollback_is_caught_and_the_migration_deleted():
    host = FakeHost([{}], prune=True)
    with pytest.raises(MigError, match="does not know spec.rollback"):
        controller.run_via_controller(FakeSrc(host), CTX, 10, io.StringIO())
    assert host.deleted == [("MigMigration", "p-rollback-abcde", "u1")]


def test_where_names_the_failed_step_and_errors():
    mig = {"status": {"phase": "Completed", "errors": ["boom"], "pipeline": [{"name": "CleanupMigrated", "failed": True}]}}
    assert controller.where(mig) == "phase Completed, step CleanupMigrated: boom"


class Tty(io.StringIO):
    def isatty(self):
        return True


def _plan():
    acts = [Action("target", "patch", "PersistentVolume", "pv-1", "", "reclaimPolicy Retain -> Delete", "r",
                   "release volumes"),
            Action("target", "delete", "ConfigMap", "c", "ns", "exists -> deleted", "r", "config")]
    return Plan(acts, [], CTX)


def test_released_pvs_are_listed_and_confirmed_separately_on_a_tty():
    err = io.StringIO()
    assert confirm(Options("b", release="Delete"), _plan(), Tty("y\nn\n"), err) is False
    assert "PV pv-1: reclaimPolicy Retain -> Delete" in err.getvalue() and "Release these 1 PersistentVolumes" in err.getvalue()
    assert confirm(Options("b", release="Delete"), _plan(), Tty("y\ny\n"), io.StringIO()) is True
    err = io.StringIO()
    assert confirm(Options("b", release="Delete", yes=True), _plan(), io.StringIO(), err) is True
    assert "releasing PV pv-1: reclaimPolicy Retain -> Delete; its data is deleted" in err.getvalue()


def test_mc_1_4_0_rsync_pods_without_part_of_are_proven_leftovers():
    """MC release-1.4.0..1.4.2 directvolumemigration/task.go buildDVMLabels {app, owner} (+ purpose) and client pods
    {app, directvolumemigration: rsync-client}: no part-of label (release-1.4.3 adds it)."""
    from lib.rollback.leftovers import rsync_pod_proof

    app = "directvolumemigration-rsync-transfer"
    server = {"metadata": {"labels": {"app": app, "owner": "directvolumemigration", "purpose": "rsync"}}}
    client = {"metadata": {"labels": {"app": app, "directvolumemigration": "rsync-client"}}}
    other = {"metadata": {"labels": {"app": app}}}
    assert rsync_pod_proof(CTX, server, set()) and rsync_pod_proof(CTX, client, set())
    assert rsync_pod_proof(CTX, other, set()) == ""
