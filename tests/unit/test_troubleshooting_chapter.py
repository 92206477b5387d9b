"""The troubleshooting chapter's procedures (docs/troubleshooting-map.md), where a finding's evidence or fix
must carry the chapter's own step: run without a server on the scenario files."""

from __future__ import annotations

import pytest

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


def _restic_timeout_findings(values: dict) -> list:
    src = ScenarioSource("restic-timeout-invalid")
    for role, value in values.items():
        mc = next(x for x in src.doc["objects"][role] if x["kind"] == "MigrationController")
        mc["spec"]["restic_timeout"] = value
    rep = verify(src, "88435fe0", now=src.now, strict=True, verbose=True)
    return [f for f in rep.findings if f.id == "restic-timeout-invalid"]


def test_restic_timeout_units_the_chapter_names_are_taken():
    """3.5.3.1: valid units are h, m and s (3h30m15s); Go's ParseDuration also takes a lone 0."""
    assert _restic_timeout_findings({"source": "3h30m15s", "target": "90m"}) == []
    assert _restic_timeout_findings({"source": "0", "target": "1.5h"}) == []


def test_restic_timeout_values_velero_refuses_are_findings_with_a_valid_value():
    found = _restic_timeout_findings({"source": "1 h", "target": 3600})
    assert sorted(f.cluster for f in found) == ["source", "target"]
    target = next(f for f in found if f.cluster == "target")
    assert '"restic_timeout":"1h"' in target.fix[0] and "--context <context of MigCluster ocp4-target>" in target.fix[0]
    days = _restic_timeout_findings({"source": "1h", "target": "2d"})
    assert [f.cluster for f in days] == ["target"] and '"restic_timeout":"48h"' in days[0].fix[0]


def test_a_cam_1_2_stage_pod_that_cannot_pull_its_image_says_where_the_image_comes_from():
    """A CAM 1.2 stage pod (no is-stage-pod label, no status.pipeline) is found, and an image pull failure is told
    with the image and the migration-cluster-config STAGE_IMAGE it comes from (mig-controller#628)."""
    f = _finding(ScenarioSource("stage-pod-image-pull"), "c1a2b3d4", "stage-pod-unhealthy")
    assert f.cluster == "source" and f.severity == "error"
    assert any("ImagePullBackOff" in e for e in f.evidence)
    assert any("openshift-migration-velero-restic-restore-helper-rhel8:v1.2" in e for e in f.evidence)
    fix = "\n".join(f.fix)
    assert "oc get configmap migration-cluster-config -n openshift-migration --context <source>" in fix
    assert "{.data.STAGE_IMAGE}" in fix and '"migration_stage_image_fqin"' in fix


def test_an_application_pod_labelled_for_the_stage_backup_is_not_a_stage_pod():
    from lib import mtc

    uid = "c1a2b3d5-e1f1-11ea-9a3b-0a580a820010"
    app = {"metadata": {"labels": {"app": "wiki", mtc.INCLUDED_IN_STAGE_BACKUP: uid}}}
    stage = {"metadata": {"labels": {mtc.PART_OF: mtc.PART_OF_VALUE, mtc.MIGMIGRATION: uid,
                                     mtc.INCLUDED_IN_STAGE_BACKUP: uid}}}
    other = {"metadata": {"labels": {mtc.PART_OF: mtc.PART_OF_VALUE, mtc.MIGMIGRATION: uid}}}
    assert (mtc.helper_kind(app), mtc.helper_kind(stage), mtc.helper_kind(other)) == ("", "stage", "")


def test_restic_timeout_is_read_only_where_velero_does_not_run():
    """A MigrationController is read (a request) only on the source or target whose Velero is not healthy: a running
    Velero took its value; the host's Velero runs no part of the migration."""
    src = ScenarioSource("restic-timeout-invalid")
    velero = next(x for x in src.doc["objects"]["source"] if x["kind"] == "Pod" and x["metadata"]["name"]
                  .startswith("velero-"))
    velero["status"] = {"phase": "Running", "containerStatuses": [{"name": "velero", "ready": True, "restartCount": 0,
                                                                   "state": {"running": {}}}]}
    rep = verify(src, "88435fe0", now=src.now, strict=True, verbose=True)
    assert [f.cluster for f in rep.findings if f.id == "restic-timeout-invalid"] == ["target"]


def test_a_failed_backup_is_debugged_with_the_velero_cli_inside_the_velero_pod():
    """MTC's troubleshooting: the Velero CLI through `oc exec` into the velero pod of the cluster that ran it (no local
    velero binary, the server's own version)."""
    f = _finding(ScenarioSource("initial-backup-partial-bsl-gone"), "metrics-final-1119", "velero-backup-failed")
    cli = "oc exec deployment/velero -c velero -n openshift-migration --context <context of MigCluster ocp3-source> " \
          "-- ./velero backup"
    assert any(x.startswith(f"{cli} logs ") for x in f.fix) and any(x.startswith(f"{cli} describe ") for x in f.fix)


def test_a_migration_controller_that_cannot_be_read_is_said_not_dropped():
    from lib.errors import ApiError

    class Refusing(ScenarioSource):
        def list(self, role, kind, namespace=None, labels=None, fields=None):
            if getattr(kind, "kind", kind) == "MigrationController" and role == "target":
                raise ApiError('migrationcontrollers is forbidden: User "dev" cannot list', 403)
            return super().list(role, kind, namespace, labels, fields)

    rep = verify(Refusing("restic-timeout-invalid"), "88435fe0", now=ScenarioSource("restic-timeout-invalid").now)
    assert any("MigrationController" in p and "forbidden" in p for p in rep.problems), rep.problems


@pytest.mark.parametrize("given,meant", [("4 H", "4h"), ("3h 30m", "3h30m"), ("90 m", "90m"), ("10 hours", "10h"),
                                         ("2d", "48h"), ("3600", "1h"), ("5400", "2h"), ("1 day 2 hours", "26h"),
                                         ("forever", "1h")])
def test_the_value_suggested_for_an_invalid_restic_timeout_is_the_one_meant(given, meant):
    from lib.checks.restic import _GO_DURATION, _suggest_valid

    assert _suggest_valid(given) == meant and _GO_DURATION.fullmatch(meant)
