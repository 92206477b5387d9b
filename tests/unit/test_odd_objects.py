"""One odd object never takes a command down: every object of a scenario, bent out of shape in the
ways a hostile or half-written bundle bends them, and mig-verify still answers (a check that cannot
cope is one `unchecked` line)."""

from __future__ import annotations

import copy

import pytest

from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

BENDS = {
    "status is a string": lambda x: x.__setitem__("status", "garbage"),
    "spec is a list": lambda x: x.__setitem__("spec", ["a"]),
    "metadata without name": lambda x: x["metadata"].pop("name", None),
    "labels are a string": lambda x: x["metadata"].__setitem__("labels", "a=b"),
    "conditions hold scalars": lambda x: x.setdefault("status", {}).__setitem__("conditions", [1, "Failed", None])
    if isinstance(x.get("status"), dict) else None,
}


@pytest.mark.parametrize("bend", list(BENDS))
def test_every_object_bent_every_way_verify_still_answers(bend):
    base = ScenarioSource("restic-timeout")
    for cluster, objs in base.doc["objects"].items():
        for i, obj in enumerate(objs):
            if obj.get("kind") not in ("MigMigration", "MigPlan", "MigCluster", "MigStorage", "Backup", "Restore",
                                       "PodVolumeBackup", "PodVolumeRestore", "BackupStorageLocation", "Pod",
                                       "MigrationController"):
                continue
            src = copy.copy(base)
            src.bound = dict(base.bound)
            src.doc = dict(base.doc, objects={c: list(v) for c, v in base.doc["objects"].items()})
            bent = copy.deepcopy(obj)
            BENDS[bend](bent)
            src.doc["objects"][cluster][i] = bent
            try:
                rep = verify(src, "f7b5e1a2", now=src.now)
            except Exception as e:     # a clear refusal (MigError) is fine only for the migration itself
                from lib.errors import MigError
                assert isinstance(e, MigError) and obj.get("kind") in ("MigMigration", "MigPlan"), (bend, obj, e)
                continue
            assert rep.verdict and isinstance(rep.to_dict()["unchecked"], list)
