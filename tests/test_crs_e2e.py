"""kubectl mig-crs through kubectl's plugin discovery, against the emulated clusters of each scenario."""

from __future__ import annotations

import json

import pytest

from tests.conftest import table_rows

SCENARIOS = ["sock-shop-success", "restic-timeout", "restic-verify-errors", "stuck-stage-restore"]


def _migrations(kubectl, s) -> list[dict]:
    r = kubectl(s, "get", "migmigrations", "-n", "openshift-migration", "-o", "json")
    assert r.returncode == 0, r.stderr
    return r and json.loads(r.stdout)["items"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_chain_of_every_migration_in_every_scenario(scenario, sim, kubectl):
    s = sim(scenario)
    migs = _migrations(kubectl, s)
    listed = kubectl(s, "mig-crs")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == ["NAME", "PLAN", "TYPE", "PHASE", "RESULT", "AGE"]
    for m in migs:
        assert m["metadata"]["name"] in listed.stdout

    mig = migs[0]
    name, uid = mig["metadata"]["name"], mig["metadata"]["uid"]
    r = kubectl(s, "mig-crs", name[:8] if sum(x["metadata"]["name"].startswith(name[:8]) for x in migs) == 1 else name)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["CLUSTER", "KIND", "NAME", "ROLE"]
    kinds = {ln.split()[1] for ln in lines[1:]}
    assert {"MigPlan", "MigMigration", "MigCluster", "MigStorage"} <= kinds

    out = json.loads(kubectl(s, "mig-crs", uid, "-o", "json").stdout)
    assert out["kind"] == "List"
    by_kind: dict = {}
    for item in out["items"]:
        by_kind.setdefault(item["kind"], []).append(item)
    # every Velero object of the chain belongs to this migration, and sits on the right cluster
    for b in by_kind.get("Backup", []):
        assert b["metadata"]["labels"]["migmigration"] == uid
        assert b["metadata"]["annotations"]["mig-tools/cluster"] == "source"
    for rs in by_kind.get("Restore", []):
        assert rs["metadata"]["labels"]["migmigration"] == uid
        assert rs["metadata"]["annotations"]["mig-tools/cluster"] == "target"
    restores = {x["metadata"]["name"] for x in by_kind.get("Restore", [])}
    for pvr in by_kind.get("PodVolumeRestore", []):
        assert pvr["metadata"]["labels"]["velero.io/restore-name"] in restores


def test_sock_shop_chain_shows_the_seed_objects(sim, kubectl):
    s = sim("sock-shop-success")
    r = kubectl(s, "mig-crs", "88435fe0-c9f8-11e9-85e6-5d593ce65e10", "-o", "wide")
    assert r.returncode == 0, r.stderr
    rows = table_rows(r.stdout)
    plan = next(x for x in rows if x["KIND"] == "MigPlan")
    assert plan["NAME"] == "socks-shop-mig-plan" and plan["PHASE"] == "Ready"
    mig = next(x for x in rows if x["KIND"] == "MigMigration")
    assert (mig["ROLE"], mig["PHASE"], mig["LINKS"]) == ("final", "Completed", "Succeeded")
    backups = [x for x in rows if x["KIND"] == "Backup"]
    restores = [x for x in rows if x["KIND"] == "Restore"]
    assert len(backups) == 2 and all(x["CLUSTER"] == "source (ocp3-source)" for x in backups)
    assert len(restores) == 2 and all(x["CLUSTER"] == "target (ocp4-target)" for x in restores)
    final = next(x for x in restores if x["ROLE"].startswith("final"))
    assert final["WARNINGS"] == "2" and final["LINKS"] == "backup 88435fe0-c9f8-11e9-85e6-5d593ce65e10-wdpd2"
    text = r.stdout
    assert "initial backup (Kubernetes objects)" in text and "stage backup (PV data)" in text
    assert "stage restore (PV data)" in text and "final restore (Kubernetes objects)" in text
    assert "BackupStorageLocation" in text and "VolumeSnapshotLocation" in text
    names = kubectl(s, "mig-crs", "88435fe0", "-o", "name").stdout.splitlines()
    assert "migmigration.migration.openshift.io/88435fe0-c9f8-11e9-85e6-5d593ce65e10" in names


def test_plan_mode_and_yaml(sim, kubectl):
    s = sim("sock-shop-success")
    r = kubectl(s, "mig-crs", "--plan", "socks-shop-mig-plan", "-o", "yaml")
    assert r.returncode == 0, r.stderr
    import yaml

    doc = yaml.safe_load(r.stdout)
    assert doc["kind"] == "List" and doc["items"][0]["metadata"]["name"] == "socks-shop-mig-plan"


def test_unknown_migration_is_one_line_naming_namespace_and_closest(sim, kubectl):
    s = sim("sock-shop-success")
    r = kubectl(s, "mig-crs", "88435fe0-c9f8-11e9-85e6-5d593ce65e11")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert "not found in namespace openshift-migration" in r.stderr and "88435fe0-c9f8-11e9-85e6-5d593ce65e10" in r.stderr
    r = kubectl(s, "mig-crs", "--plan", "no-such-plan")
    assert r.returncode == 1 and "migplan \"no-such-plan\" not found" in r.stderr


def test_unreachable_target_is_marked_and_the_rest_prints(sim, kubectl):
    s = sim("sock-shop-success")
    s.stop_cluster("target")
    r = kubectl(s, "mig-crs", "88435fe0", "--request-timeout", "2s")
    assert r.returncode == 69
    assert "unreachable" in r.stdout and "Backup" in r.stdout
    assert "Traceback" not in r.stderr and "target" in r.stderr


def test_bad_kubeconfig_context_and_credentials(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    r = kubectl(s, "mig-crs", "--context", "nope")
    assert r.returncode == 1 and r.stderr.strip() == f'error: kubeconfig {s.kubeconfig}: context "nope" does not exist'
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text("{not yaml")
    r = kubectl(bad, "mig-crs")
    assert r.returncode == 1 and r.stderr.startswith("error: kubeconfig") and "Traceback" not in r.stderr
    # a token the host does not know: 401, one line, exit 77
    import yaml

    cfg = yaml.safe_load(open(s.kubeconfig))
    for u in cfg["users"]:
        u["user"]["token"] = "wrong-token"
    bad.write_text(yaml.safe_dump(cfg))
    r = kubectl(bad, "mig-crs")
    assert r.returncode == 77, r.stderr
    assert r.stderr.count("\n") == 1 and "Unauthorized" in r.stderr and "host" in r.stderr
