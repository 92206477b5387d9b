"""Fields of the wrong type that the checks and the graph read (a Backup's storageLocation or phase a list, a
PodVolumeBackup's node or progress not what Velero writes, a MigPlan's persistentVolumes a number, replicas a
word): mig-verify answers, and no check ends in an internal error (they were TypeError/ValueError, two of them
out of mig-verify itself)."""

from __future__ import annotations

import pytest

from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

BENT = [
    ("stuck-stage-restore", "Backup", "spec", "storageLocation", [1]),          # raised out of graph.build
    ("stuck-stage-restore", "Backup", "spec", "volumeSnapshotLocations", 7),     # raised out of graph.build
    ("stuck-stage-restore", "Backup", "status", "phase", [1]),
    ("stuck-stage-restore", "Backup", "status", "errors", "x"),
    ("stuck-stage-restore", "PodVolumeBackup", "spec", "node", [1]),
    ("stuck-stage-restore", "PodVolumeRestore", "status", "resticPod", [1]),
    ("hook-failed", "MigMigration", "status", "errors", 7),
    ("dvm-long-running", "MigPlan", "spec", "persistentVolumes", 7),
    ("dvm-long-running", "MigPlan", "spec", "persistentVolumes", [{"selection": {"storageClass": ["a"]}}]),
    ("target-incomplete", "MigPlan", "spec", "persistentVolumes", 7),
    ("restic-timeout", "Backup", "status", "validationErrors", 7),
    ("restic-timeout", "PodVolumeBackup", "status", "progress", "x"),
    ("restic-timeout", "PodVolumeBackup", "status", "progress", {"totalBytes": "x", "bytesDone": [1]}),
    ("restic-timeout", "StatefulSet", "spec", "replicas", "x"),
    ("rollback-needed", "Deployment", "spec", "replicas", [1]),
    ("node-agent", "PodVolumeRestore", "spec", "pod", "x"),
    ("restic-verify-errors", "Restore", "status", "podVolumeRestoreErrors", "x"),
    ("restic-verify-errors", "Restore", "status", "podVolumeRestoreResticErrors", [1, {"name": ["a"]}]),
]


@pytest.mark.parametrize("scenario,kind,section,key,value", BENT)
def test_an_odd_field_a_check_reads_is_no_internal_error(scenario, kind, section, key, value):
    src = ScenarioSource(scenario)
    n = 0
    for objs in src.doc["objects"].values():
        for x in objs:
            if x["kind"] == kind and isinstance(x.get(section), dict):
                x[section][key] = value
                n += 1
    assert n
    rep = verify(src, next(iter(src.expect)), now=src.now, verbose=True)
    assert rep.verdict
    assert not [p for p in rep.problems if "internal error" in p], rep.problems


@pytest.mark.parametrize("value", [["x"], {"a": 1}])
def test_label_values_of_another_type_are_no_labels(value):
    # `unhashable type` in mtc-pod-unhealthy and the restic checks (a data path label a list, a name a map)
    from lib import objects as o
    src = ScenarioSource("restic-timeout")
    for objs in src.doc["objects"].values():
        for x in objs:
            if x["kind"] == "Pod":
                lb = x["metadata"].setdefault("labels", {})
                for k in list(lb):
                    lb[k] = value
                lb["velero.io/pod-volume-backup"] = value
    rep = verify(src, next(iter(src.expect)), now=src.now, verbose=True)
    assert not [p for p in rep.problems if "internal error" in p], rep.problems
    assert o.labels({"metadata": {"labels": {"a": ["x"], "b": 7, "c": "d", "e": True}}}) == {"b": "7", "c": "d"}


def test_conditions_of_another_shape_are_no_conditions():
    # `unhashable type: 'dict'` in migration-condition (a condition type a map, looked up in a set)
    src = ScenarioSource("sock-shop-success")
    for x in src.doc["objects"][src.bound["host"]]:
        if x["kind"] == "MigMigration":
            x["status"]["conditions"] = [{"type": {"a": 1}, "status": "True", "category": "Critical"},
                                         {"type": ["x"], "status": {"a": 1}, "category": ["Critical"], "message": [1]},
                                         {"type": "Failed", "status": ["True"], "category": 7, "reason": {"r": 1}}]
    rep = verify(src, next(iter(src.expect)), now=src.now, verbose=True)
    assert not [p for p in rep.problems if "internal error" in p], rep.problems


def test_a_pod_whose_containers_are_no_list_names_no_image():
    from lib.checks.helpers import _image_evidence

    why = ["container stage: ImagePullBackOff"]
    assert _image_evidence({"spec": {"containers": 5}}, why) == []
    assert _image_evidence({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
                           why) == ["Pod p: container c image i"]
