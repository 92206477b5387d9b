"""The troubleshooting chapter's procedures (docs/troubleshooting-map.md), where a finding's evidence or fix
must carry the chapter's own step: run without a server on the scenario files."""

from __future__ import annotations

from lib import objects as o
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource


def _finding(src, migration, fid):
    rep = verify(src, migration, now=src.now, strict=True, verbose=True)
    found = [f for f in rep.findings if f.id == fid]
    assert found, [f.id for f in rep.findings]
    return found[0]


def test_verify_errors_walk_restore_podvolumerestore_restic_pod():
    """3.5.3.2: oc describe the Restore, then the PodVolumeRestore (it names the restic pod), then its log."""
    f = _finding(ScenarioSource("restic-verify-errors"), "registry-example-migration", "restic-verify-errors")
    fix = "\n".join(f.fix)
    assert "oc describe restore registry-example-migration-rvwcm -n openshift-migration" in fix
    assert "oc describe podvolumerestore registry-example-migration-rvwcm-98t49 -n openshift-migration" in fix
    assert "oc logs restic-nr2v5 -n openshift-migration" in fix
    assert fix.index("describe podvolumerestore") < fix.index("oc logs restic-nr2v5")


def test_verify_errors_restore_found_by_annotation_is_the_one_described():
    """A condition whose message names no Restore (the Restore found by its verify-error count) still gets
    `oc describe restore <that Restore>`, never an empty name."""
    src = ScenarioSource("restic-verify-errors")
    mig = next(x for x in src.doc["objects"]["host"] if x["kind"] == "MigMigration")
    for c in o.conditions(mig):
        if c.get("type") == "ResticVerifyErrors":
            c["message"] = "There were verify errors found in 1 Restic volume restores."
    f = _finding(src, "registry-example-migration", "restic-verify-errors")
    assert "oc describe restore registry-example-migration-rvwcm -n openshift-migration" in "\n".join(f.fix)
    assert not [x for x in f.fix if x.startswith("oc describe restore  ")]


def test_recreating_the_plan_keeps_its_migrations_record_first():
    """BZ#1784899's 'delete the plan and re-create it' deletes the plan's MigMigrations too (3.5.1: the plan
    owns them): the fix gathers them before the delete."""
    f = _finding(ScenarioSource("rollback-needed"), "9d8c7b6a", "rollback-needed")
    delete = next(i for i, x in enumerate(f.fix) if x.startswith("oc delete migplan"))
    gather = next(i for i, x in enumerate(f.fix) if x.startswith("oc mig-gather "))
    assert gather < delete
