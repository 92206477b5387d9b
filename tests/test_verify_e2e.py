"""kubectl mig-verify through plugin discovery: every scenario gives its verdict, finding ids and evidence."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bundle_of, gather
from tests.emulator import scenario as scen

SCENARIOS = sorted(p.stem for p in scen.SCENARIO_DIR.glob("*.yaml"))
CASES = [(s, m) for s in SCENARIOS for m in scen.expectations(s)]


def verify_json(kubectl, s, mig, *extra):
    r = kubectl(s, "mig-verify", mig, "-o", "json", *extra)
    assert r.stdout, r.stderr
    return r, json.loads(r.stdout)


@pytest.mark.parametrize("scenario,mig", CASES)
def test_verdict_and_findings_live_and_from_the_gathered_tarball(scenario, mig, sim, kubectl, tmp_path):
    """What each scenario file expects (its `expect:` block), read live and read back from mig-gather's tarball."""
    want = scen.expectations(scenario)[mig]
    s = sim(scenario)
    g = gather(kubectl, s, tmp_path / "out")
    assert g.returncode == 0, g.stderr
    _, tarball = bundle_of(g)
    seen = {}
    for mode, target, extra in (("live", s, ()), ("tarball", None, ("--must-gather", str(tarball)))):
        r, rep = verify_json(kubectl, target, mig, *extra)
        ids = {f["id"] for f in rep["findings"]}
        assert (rep["verdict"], r.returncode) == (want["verdict"], want["exit"]), (mode, rep["verdict"], ids, r.stderr)
        assert set(want.get("findings") or []) <= ids, (mode, ids)
        assert not (set(want.get("absent") or []) & ids), (mode, ids)
        assert rep["kind"] == "Verdict" and rep["apiVersion"] == "mig-tools/v1"
        sev = [f["severity"] for f in rep["findings"]]
        assert sev == sorted(sev, key=["error", "warning", "info"].index)          # most severe first
        for f in rep["findings"]:
            assert f["evidence"] and f["title"] and f["severity"] in ("error", "warning", "info")
        if want["verdict"] == "SUCCEEDED":
            assert not [f for f in rep["findings"] if f["severity"] == "error"]
        seen[mode] = (rep["verdict"], sorted(ids))
    assert seen["tarball"] == seen["live"]


def test_restic_timeout_evidence_and_fix(sim, kubectl):
    s = sim("restic-timeout")
    _, rep = verify_json(kubectl, s, "f7b5e1a2")
    f = next(x for x in rep["findings"] if x["id"] == "restic-timeout")
    assert f["cluster"] == "source" and f["severity"] == "error"
    assert any("timed out waiting for all PodVolumeBackups to complete" in e and "velero-7d9c4b8f5-x2x7q" in e
               for e in f["evidence"])
    assert any("still InProgress" in e and "uploads" in e and "ocp3-node-2" in e for e in f["evidence"])
    assert f["fix"][0].startswith("oc patch migrationcontroller migration-controller -n openshift-migration "
                                  "--context <context of MigCluster ocp3-source> --type merge "
                                  "-p '{\"spec\":{\"restic_timeout\":")
    value = json.loads(f["fix"][0].split("-p ", 1)[1].strip("'"))["spec"]["restic_timeout"]
    assert value.endswith("h") and int(value[:-1]) >= 2                      # more than the 1h that timed out
    assert "delays" in f["fix"][1]


def test_restarted_velero_timeout_read_through_a_download_request(sim, kubectl):
    """The pod that ran the backup is gone: the timeout comes from the backup's own log, which the emulated Velero
    serves gzipped from a loopback status.downloadURL; mig-verify leaves no DownloadRequest behind."""
    s = sim("velero-restarted")
    _, rep = verify_json(kubectl, s, "jira-final-1122")
    f = next(x for x in rep["findings"] if x["id"] == "restic-timeout")
    assert f["evidence"][0].startswith("source BackupLog jira-final-1122-stage-k7m2x (Velero's copy in object storage)")
    assert s.request_count("source", method="POST", path=r"/downloadrequests$") >= 1
    assert s.list("source", "DownloadRequest", "openshift-migration") == []


def test_verify_errors_walk_down_to_the_restic_pod(sim, kubectl):
    s = sim("restic-verify-errors")
    r = kubectl(s, "mig-verify", "registry-example-migration")
    assert r.returncode == 2
    first = r.stdout.splitlines()[0]
    assert first.startswith("SUCCEEDED WITH WARNINGS  migration registry-example-migration (plan registry-example-plan, final)")
    block = r.stdout.split("[restic-verify-errors]")[1].split("\n\n")[0]
    for needle in ("registry-example-migration-rvwcm", "registry-example-migration-rvwcm-98t49", "restic-nr2v5",
                   "checksum mismatch", "not failed", "registry-data"):
        assert needle in block, needle


def test_stuck_names_what_it_waits_on_and_timeline(sim, kubectl):
    s = sim("stuck-stage-restore")
    r = kubectl(s, "mig-verify", "6b8e1f4a", "--timeline")
    assert r.returncode == 3 and r.stdout.startswith("STUCK")
    assert "waits on Restore 6b8e1f4a-2c3d-11ea-b7f5-0a580a83000e-v5k9h: phase InProgress" in r.stdout
    assert "PodVolumeRestore 6b8e1f4a-2c3d-11ea-b7f5-0a580a83000e-v5k9h-p8d4s: phase New" in r.stdout
    row = next(ln for ln in r.stdout.splitlines() if ln.startswith("phase StageRestore "))
    assert row.rstrip().endswith("=") and "+" in row                       # still running
    r = kubectl(s, "mig-verify", "6b8e1f4a", "--stuck-after", "5h", "-o", "json")
    assert r.returncode == 3 and json.loads(r.stdout)["verdict"] == "RUNNING"


def test_usage_and_unknown_migration_and_unreachable(sim, kubectl):
    s = sim("sock-shop-success")
    r = kubectl(s, "mig-verify")
    assert r.returncode == 64 and r.stderr.startswith("error:")
    r = kubectl(s, "mig-verify", "nope")
    assert r.returncode == 1 and "not found in namespace openshift-migration" in r.stderr
    s.stop_cluster("target")
    r = kubectl(s, "mig-verify", "88435fe0", "--request-timeout", "2s", "-o", "json")
    assert r.returncode == 69, r.stderr
    assert "target" in json.loads(r.stdout)["unreachable"] and "Traceback" not in r.stderr


def test_at_most_25_requests_for_2000_pod_volume_restores(sim, kubectl):
    s = sim("sock-shop-success")
    ns, mig, uid = "openshift-migration", "big-stage-migration", "0b1c2d3e-0000-11ea-b7f5-0a580a83000e"
    s.put("host", {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigMigration",
                   "metadata": {"name": mig, "namespace": ns, "uid": uid, "creationTimestamp": "2019-08-30T01:00:00Z"},
                   "spec": {"migPlanRef": {"name": "socks-shop-mig-plan", "namespace": ns}, "stage": True},
                   "status": {"phase": "Completed", "startTimestamp": "2019-08-30T01:00:00Z", "conditions": [
                       {"type": "Succeeded", "status": "True", "category": "Advisory",
                        "lastTransitionTime": "2019-08-30T02:00:00Z"}]}})
    labels = {"migmigration": uid, "migration-stage-restore": uid}
    s.put("target", {"apiVersion": "velero.io/v1", "kind": "Restore", "metadata": {"name": f"{mig}-r1", "namespace": ns,
          "labels": labels}, "spec": {"backupName": f"{mig}-b1"}, "status": {"phase": "Completed"}})
    for i in range(2000):
        s.put("target", {"apiVersion": "velero.io/v1", "kind": "PodVolumeRestore",
                         "metadata": {"name": f"{mig}-r1-{i:04d}", "namespace": ns,
                                      "labels": {"velero.io/restore-name": f"{mig}-r1"}},
                         "spec": {"volume": f"v{i}", "pod": {"namespace": "sock-shop", "name": f"p{i}"}},
                         "status": {"phase": "Completed", "resticPod": "restic-nr2v5"}})
    s.reset_requests()
    r = kubectl(s, "mig-verify", mig, "-o", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert s.request_count() <= 25, [(q.method, q.path) for n in s.clusters for q in s.requests(n)]
