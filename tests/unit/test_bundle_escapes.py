"""Nothing a bundle names is read from outside it, and nothing in it blocks: an inner archive that is
a FIFO or a symlink out, a login_error.txt linked to a file elsewhere (its text is shown to the user),
and Velero's copy of a Backup log found by the Backup's name, which comes from the bundle too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lib.errors import NotCollected
from lib.mustgather import open_must_gather
from plugins import mig_verify
from tests import mtc_bundles as mb
from tests.unit.fakes import alarm

MIG = "f7b5e1a2"
CANARY = "CanaryOutside7731Qq"


class Blocked(Exception):
    """Not an OSError: the code under test catches those, and would open the FIFO again."""


@pytest.fixture(autouse=True)
def _bounded():
    """A FIFO opened for reading blocks until a writer comes: never wait for one."""
    with alarm(20, Blocked("blocked on a FIFO in the bundle")):
        yield


def _outside(tmp_path: Path, name: str) -> Path:
    p = tmp_path / "elsewhere" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(f"{CANARY}\n")
    return p


def test_inner_archives_that_are_fifos_or_leave_the_bundle_are_skipped(tmp_path, capsys):
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    os.mkfifo(top / "must-gather.tar.gz")
    other = mb.tar_of(mb.image_output(tmp_path / "other" / "must-gather", "sock-shop-success", "2021-03"),
                      tmp_path / "other.tar.gz")
    (top / "clusters.tar.gz").symlink_to(other)
    src = open_must_gather(str(top))
    assert sorted(c.path.name for c in src.clusters) == ["host", "ocp3-source", "ocp4-target"]
    err = capsys.readouterr().err
    assert "must-gather.tar.gz: skipped: not a regular file" in err, err
    assert "clusters.tar.gz: skipped: a symlink to" in err and "outside the bundle" in err, err


def test_a_login_error_linked_out_of_the_bundle_is_not_shown(tmp_path, capsys):
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03", login_failed=("ocp3-source",))
    login = top / "clusters" / "ocp3-source" / "login_error.txt"
    login.unlink()
    login.symlink_to(_outside(tmp_path, "secret.txt"))
    code = mig_verify.main([MIG, "--must-gather", str(top)])
    out, err = capsys.readouterr()
    assert code == 69 and "nothing was collected from this cluster (login failed)" in out, (out, err)
    assert CANARY not in out + err
    assert "login_error.txt: a symlink to" in err


def test_velero_records_are_read_by_name_only_inside_the_bundle(tmp_path, capsys):
    evil = "../" * 40 + str(tmp_path / "elsewhere").lstrip("/")
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    renamed = 0
    for f in (top / "clusters" / "ocp3-source").rglob("*.yaml"):     # the Backup's name is a path now
        text = f.read_text()
        if "name: f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n" in text:
            f.write_text(text.replace("name: f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n", f"name: {evil}"))
            renamed += 1
    assert renamed
    log = _outside(tmp_path, "backup.log")
    log.write_text(f'time="2019-09-02T11:10:42Z" level=error msg="Error backing up item" backup={CANARY} '
                   'error="timed out waiting for all PodVolumeBackups to complete"\n')
    code = mig_verify.main([MIG, "-o", "json", "--must-gather", str(top)])
    out, err = capsys.readouterr()
    assert code == 1 and CANARY not in out + err, out
    assert any("BackupLog" in u and "is not in the must-gather" in u for u in json.loads(out)["unchecked"]), out

    src = open_must_gather(str(top))
    records = src._cluster("source").path / "velero" / "backups" / "b1"
    records.mkdir(parents=True)
    (records / "backup.log").symlink_to(log)
    with pytest.raises(NotCollected, match="outside the bundle"):
        src.download("source", "BackupLog", "b1")
    os.mkfifo(records / "results.json")
    with pytest.raises(NotCollected, match="not a regular file"):
        src.download("source", "BackupResults", "b1")


def test_a_summary_linked_out_of_the_bundle_does_not_decide_what_was_collected(tmp_path):
    top = tmp_path / "mg"
    ns = top / "host" / "namespaces" / "app"
    ns.mkdir(parents=True)
    (top / "host" / "namespaces" / "openshift-migration").mkdir()
    (top / "gather.json").write_text(json.dumps({"namespace": "openshift-migration",
                                                 "clusters": [{"dir": "host", "roles": ["host"]}]}))
    (ns / "mig-gather-summary.yaml").symlink_to(_outside(tmp_path, "summary.yaml").parent / "full.yaml")
    (tmp_path / "elsewhere" / "full.yaml").write_text("full: true\n")
    cov = open_must_gather(str(top)).clusters[0].coverage
    assert not cov.full and "app" not in cov.app_namespaces


def test_a_cluster_directory_linked_out_of_the_bundle_is_not_a_cluster(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "cluster"
    (elsewhere / "namespaces" / "openshift-migration").mkdir(parents=True)
    (elsewhere / "velero" / "backups" / "b1").mkdir(parents=True)
    (elsewhere / "velero" / "backups" / "b1" / "backup.log").write_text(f"{CANARY}\n")
    top = tmp_path / "mg"
    (top / "host" / "namespaces" / "openshift-migration").mkdir(parents=True)
    (top / "linked").symlink_to(elsewhere)
    (top / "gather.json").write_text(json.dumps({"namespace": "openshift-migration", "clusters": [
        {"dir": "host", "roles": ["host"]}, {"dir": "linked", "roles": ["source"]}]}))
    src = open_must_gather(str(top))
    assert [c.path.name for c in src.clusters] == ["host"]
    with pytest.raises(NotCollected):
        src.download("source", "BackupLog", "b1")


def test_report_only_does_not_wait_on_a_fifo_named_like_the_scrub_report(tmp_path):
    from lib.gather import report

    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    os.mkfifo(top / "mig-tools-redaction.json")
    assert report.for_bundle(str(top), None, "openshift-migration").is_file()
