"""Velero 1.17's PodVolumeBackup/Restore phases (pkg/apis/velero/v1/pod_volume_backup_types.go:71-78,
pod_volume_restore_type.go:68-75): Accepted, Prepared and Canceling are still pending, Canceled is a failure
(v1.17 pkg/podvolume/backupper.go logs "pod volume backup canceled: %s"; restorer.go counts it an error)."""

from __future__ import annotations

import pytest

from lib import objects as o
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

PVB = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n-m2v8t"      # InProgress in restic-timeout


def _obj(src, role, kind, name):
    return next(x for x in src.doc["objects"][role] if x.get("kind") == kind and o.name(x) == name)


@pytest.mark.parametrize("phase", ["Accepted", "Prepared", "Canceling"])
def test_a_17_pending_phase_is_a_volume_still_waited_on(phase):
    src = ScenarioSource("restic-timeout")
    _obj(src, "source", "PodVolumeBackup", PVB)["status"]["phase"] = phase
    rep = verify(src, "f7b5e1a2", now=src.now)
    f = next(x for x in rep.findings if x.id == "restic-timeout")
    assert any(e.startswith(f"PodVolumeBackup {PVB} still {phase}:") for e in f.evidence), f.evidence


def test_a_17_pending_phase_counts_for_slowness():
    src = ScenarioSource("restic-timeout")
    mig = next(x for x in src.doc["objects"][src.bound["host"]] if x.get("kind") == "MigMigration")
    mig["status"] = {"phase": "EnsureStageBackup", "startTimestamp": "2019-09-02T10:00:00Z"}
    _obj(src, "source", "PodVolumeBackup", PVB)["status"]["phase"] = "Prepared"
    rep = verify(src, "f7b5e1a2", now=src.now)
    assert any(x.id == "pod-volume-slow" and "PodVolumeBackup Prepared for" in x.title for x in rep.findings), \
        [x.title for x in rep.findings]


def test_a_canceled_pod_volume_backup_is_a_failed_one():
    src = ScenarioSource("restic-timeout")
    st = _obj(src, "source", "PodVolumeBackup", PVB)["status"]
    # the message as v1.17 pkg/controller/pod_volume_backup_controller.go:154 sets it
    st.update(phase="Canceled", message="Cancel PVB because it is being deleted")
    rep = verify(src, "f7b5e1a2", now=src.now)
    f = next(x for x in rep.findings if x.id == "pod-volume-failed")
    assert f.title.startswith("PodVolumeBackup canceled: volume ")
    assert f.evidence[0].startswith(f"PodVolumeBackup {PVB}: phase Canceled: Cancel PVB because it is being deleted")


def test_a_completed_restore_with_a_canceled_pod_volume_restore_did_not_restore_the_data():
    src = ScenarioSource("restore-pvr-failed")
    _obj(src, "target", "PodVolumeRestore", "88435fe0-c9f8-11e9-85e6-5d593ce65e10-zb8p4-9hq4t")["status"]["phase"] = \
        "Canceled"
    rep = verify(src, "88435fe0", now=src.now)
    f = next(x for x in rep.findings if x.id == "restore-pvr-failed")
    assert any("phase Canceled" in e for e in f.evidence), f.evidence
