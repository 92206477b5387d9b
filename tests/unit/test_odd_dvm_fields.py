"""Fields of the wrong type in DVMs, DVMPs, their pods and the migration's pipeline (MC-1.8 live migrations,
failedPods, rsyncOperations, rsyncPodStatuses, logMessage, containerStatuses, nodeName): mig-verify still
answers, no check ends in an internal error, and a DVM status list it could not read is named under
`unchecked`, never read as none."""

from __future__ import annotations

import copy

import pytest

from lib import mtc
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

ODD = ["x", 7, True, float("nan"), [1, "a", None], {"a": 1},
       [{"pvcRef": "x", "pvcReference": ["x"], "name": ["p"], "namespace": {"n": 1}}],
       [{"pvcRef": {"name": 7, "namespace": ["a"]}, "vmName": {"x": 1}, "lastObservedProgressPercent": "nan%",
         "totalElapsedTime": 1e300, "message": ["m"], "podName": 7, "logMessage": ["x"], "exitCode": [1],
         "creationTimestamp": 7, "failed": True}]]
BENT = [("dvm-rsync-failed", "4b1c6d10", "DirectVolumeMigration", "status", k)
        for k in (mtc.DVM_FAILED_LIVE_MIGRATIONS, "failedPods", "rsyncOperations")] + \
       [("dvm-long-running", "7e0c1a22", "DirectVolumeMigration", "status", k) for k in mtc.DVM_LIVE_MIGRATIONS] + \
       [("dvm-long-running", "7e0c1a22", "DirectVolumeMigration", "spec", "persistentVolumeClaims")] + \
       [(s, m, "DirectVolumeMigrationProgress", "status", "rsyncPodStatuses") for s, m in (
           ("dvm-rsync-failed", "4b1c6d10"), ("dvm-long-running", "7e0c1a22"))] + \
       [("dvm-rsync-failed", "4b1c6d10", "DirectVolumeMigrationProgress", "status", "logMessage")] + \
       [("dvm-rsync-failed", "4b1c6d10", "Pod", "status", "containerStatuses"),
        ("dvm-rsync-failed", "4b1c6d10", "Pod", "spec", "containers"),
        ("dvm-long-running", "7e0c1a22", "Pod", "spec", "nodeName"),
        ("dvm-long-running", "7e0c1a22", "MigMigration", "status", "pipeline")] + \
       [("dim-failed", "fe119760", "DirectImageMigration", "status", k) for k in ("failedISs", "errors")] + \
       [("dim-failed", "fe119760", "DirectImageStreamMigration", s, k) for s, k in (("spec", "imageStreamRef"),
                                                                                     ("status", "errors"))]


@pytest.mark.parametrize("scenario,mig,kind,section,key", BENT)
def test_an_odd_dvm_field_is_no_internal_error(scenario, mig, kind, section, key):
    for value in ODD:
        src = ScenarioSource(scenario)
        for objs in src.doc["objects"].values():
            for x in objs:
                if x["kind"] == kind and isinstance(x.get(section), dict):
                    x[section][key] = copy.deepcopy(value)
        rep = verify(src, mig, now=src.now, verbose=True)
        assert rep.verdict, (key, value)
        assert not [p for p in rep.problems if "internal error" in p], (key, value, rep.problems)


@pytest.mark.parametrize("key", [mtc.DVM_FAILED_LIVE_MIGRATIONS, "runningLiveMigration"])
def test_a_live_migration_list_of_another_type_is_named_not_read_as_none(key):
    src = ScenarioSource("dvm-long-running")
    dvm = next(x for x in src.doc["objects"][src.bound["host"]] if x["kind"] == "DirectVolumeMigration")
    dvm["status"][key] = "rhel9-vm failed"
    rep = verify(src, "7e0c1a22", now=src.now, verbose=True)
    assert any(p == f"DirectVolumeMigration {dvm['metadata']['name']}: status.{key} is a str, not a list: not read"
               for p in rep.problems), rep.problems
    dvm["status"][key] = [{"vmName": "a", "pvcRef": {"name": "d", "namespace": "n"}}, "b"]
    rep = verify(src, "7e0c1a22", now=src.now, verbose=True)
    assert any(f"1 entries of status.{key} are not maps: not read" in p for p in rep.problems), rep.problems


@pytest.mark.parametrize("pct,elapsed", [("0.0000000001%", "1h"), ("50%", "9" * 400 + "h"), ("50%", "99999999999h")])
def test_a_progress_no_clock_can_hold_is_no_estimate(pct, elapsed):
    # they were `check dvm-progress: internal error: OverflowError` (an ETA past datetime's years, an infinite
    # elapsed time)
    src = ScenarioSource("dvm-long-running")
    for x in src.doc["objects"][src.bound["host"]]:
        if x["kind"] == "DirectVolumeMigrationProgress" and x["status"].get("phase") == "Running":
            x["status"].pop("totalProgressPercentage", None)
            x["status"].update(lastObservedProgressPercent=pct, rsyncElapsedTime=elapsed, lastObservedTransferRate="9MB/s")
    rep = verify(src, "7e0c1a22", now=src.now, verbose=True)
    assert not [p for p in rep.problems if "internal error" in p], rep.problems
    f = next(x for x in rep.findings if x.id == "dvm-progress")
    assert "estimated finish" not in f.title


@pytest.mark.parametrize("scenario,mig,kind,key", [
    ("dvm-long-running", "7e0c1a22", "DirectVolumeMigration", k)
    for k in ("persistentVolumeClaims", "errors", "failedPods", "runningPods")] + [
    ("dim-failed", "fe119760", "DirectImageMigration", k) for k in ("successfulISs", "failedISs", "errors")] + [
    ("dim-failed", "fe119760", "DirectImageStreamMigration", k) for k in ("imageStreamRef", "errors")])
def test_mig_crs_rows_of_odd_direct_migrations(scenario, mig, kind, key):
    from lib import crs, graph
    for value in (7, True, float("nan")):
        src = ScenarioSource(scenario)
        for objs in src.doc["objects"].values():
            for x in objs:
                if x["kind"] == kind:
                    x["spec" if key in ("persistentVolumeClaims", "imageStreamRef") else "status"][key] = value
        g = graph.build(src, mig)
        assert [r for r in crs.chain(g) if r.kind == kind], (key, value)


def test_an_rsync_time_no_calendar_holds_in_a_dvmp_log_message_is_no_time():
    # it raised ValueError('month must be in 1..12') out of mig-verify (running_dvms, _last_seen)
    src = ScenarioSource("dvm-long-running")
    for x in src.doc["objects"][src.bound["host"]]:
        if x["kind"] == "DirectVolumeMigrationProgress":
            x["status"]["logMessage"] = "2021/13/45 99:99:99 [1] sent 10 bytes\n0000/00/00 00:00:00 [1] x"
    rep = verify(src, "7e0c1a22", now=src.now, verbose=True)
    assert rep.verdict and not [p for p in rep.problems if "internal error" in p], rep.problems
