"""kubectl mig-logs through plugin discovery against the emulated clusters."""

from __future__ import annotations

import json
import tarfile
import threading
import time

from lib import graph
from lib.clusters import Clusters
from lib.logs import lines
from lib.source import LiveSource

NS = "openshift-migration"
RT = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
TIMEOUT = "timed out waiting for all PodVolumeBackups to complete"


def test_filter_keeps_the_restic_timeout_and_drops_other_migrations(sim, kubectl):
    s = sim("restic-timeout")
    r = kubectl(s, "mig-logs", RT[:8])
    assert r.returncode == 0, r.stderr
    assert TIMEOUT in r.stdout
    assert "e13a1b60-c927-11e9-9555-d129df7f3b96" not in r.stdout          # the other migration, same log
    allr = kubectl(s, "mig-logs", RT, "--all-lines")
    assert "e13a1b60-c927-11e9-9555-d129df7f3b96" in allr.stdout
    stamps = [ln.split('time="')[1][:20] for ln in r.stdout.splitlines() if 'time="' in ln]
    assert stamps == sorted(stamps)                                       # merged in time order
    err = kubectl(s, "mig-logs", RT, "--cluster", "source", "--log-source", "velero", "--level", "error", "-o", "json")
    rows = [json.loads(x) for x in err.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["level"] == "error" and rows[0]["fields"]["error"] == TIMEOUT
    assert rows[0]["cluster"] == "source" and rows[0]["pod"] == "velero-7d9c4b8f5-x2x7q"


def test_unknown_migration_and_pod(sim, kubectl):
    s = sim("restic-timeout")
    r = kubectl(s, "mig-logs", "does-not-exist")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not found in namespace openshift-migration" in r.stderr
    r = kubectl(s, "mig-logs", RT, "--pod", "velero-nope")
    assert r.returncode == 1 and 'pod "velero-nope"' in r.stderr


def test_follow_across_two_pods_with_a_cut_stream_yields_every_line_once(sim, tmp_path):
    s = sim("restic-timeout", follow_idle_close=1.5)
    src = LiveSource(Clusters(s.kubeconfig), NS)
    g = graph.build(src, RT)
    s.fault("source", path=r"restic-hj4kd/log$", cut_after_lines=1, times=1)
    new = [f'time="2019-09-02T11:2{i}:00Z" level=info msg="Backup progress {i}" backup=openshift-migration/{RT}-4jq7n'
           for i in range(4)]

    def writer():
        time.sleep(0.4)
        for i, ln in enumerate(new):
            pod = "restic-hj4kd" if i % 2 else "restic-8x7vq"
            s.append_log("source", NS, pod, "velero", ln, ts=f"2019-09-02T11:2{i}:00.000000000Z")
            time.sleep(0.1)

    threading.Thread(target=writer, daemon=True).start()
    got = [e.line.msg for e in lines(src, g, roles=["source"], sources=["restic"], follow=True)]
    assert sorted(got) == sorted(["Backup starting", "Backup starting", "Backup completed"]
                                 + [f"Backup progress {i}" for i in range(4)])


def test_download_tree_index_and_archive(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    out = tmp_path / "logs"
    r = kubectl(s, "mig-logs", "--output-dir", str(out))
    assert r.returncode == 0, r.stderr
    index = json.loads((out / "index.json").read_text())
    paths = {f["path"] for f in index["files"]}
    assert "source/velero/velero-7d9c4b8f5-x2x7q/velero.log" in paths
    assert "host/controller/migration-controller-78c469849c-v6wcf/mtc.log" in paths
    assert "target/restic/restic-nr2v5/velero.log" in paths
    assert index["failed"] == [] and index["filtered"] is False
    raw = (out / "source/velero/velero-7d9c4b8f5-x2x7q/velero.log").read_bytes()
    assert b"e13a1b60-c927-11e9-9555-d129df7f3b96" in raw and not raw.startswith(b"2019-")   # unfiltered, as-is
    arc = tmp_path / "logs.tar.gz"
    r = kubectl(s, "mig-logs", "88435fe0", "--archive", str(arc))
    assert r.returncode == 0, r.stderr
    with tarfile.open(arc) as t:
        names = t.getnames()
        vel = t.extractfile(next(n for n in names if n.endswith("source/velero/velero-7d9c4b8f5-x2x7q/velero.log"))).read()
    assert any(n.endswith("index.json") for n in names)
    assert b"88435fe0" in vel and b"e13a1b60" not in vel                  # a migration was named: filtered
    assert not list(tmp_path.glob("*.part"))


def test_a_cluster_that_cannot_be_read_is_reported_and_the_rest_completes(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    s.fault("target", method="GET", path=r"/pods$", status=403)
    r = kubectl(s, "mig-logs", "88435fe0", "--output-dir", str(tmp_path / "o"))
    assert r.returncode == 69
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert any(f["cluster"] == "target" for f in index["failed"])
    assert any(f["path"].startswith("source/") for f in index["files"])
    assert "Traceback" not in r.stderr


def test_download_and_archive_are_redacted_with_the_rules_of_mig_gather(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    planted = {"CanaryLogsBearer0001": 'header="Authorization: Bearer CanaryLogsBearer0001"',
               "CanaryLogsPw0002": "password=CanaryLogsPw0002",
               "CanaryLogsUrl0003": "repo s3://restic:CanaryLogsUrl0003@bucket/restic"}
    for i, text in enumerate(planted.values()):
        s.append_log("source", "openshift-migration", "velero-7d9c4b8f5-x2x7q", "velero",
                     f'time="2019-09-02T11:1{i}:00Z" level=info msg="88435fe0-c9f8-11e9-85e6-5d593ce65e10 request" {text}')
    r = kubectl(s, "mig-logs", "--output-dir", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert "secrets redacted" in r.stderr
    tree = b"".join(p.read_bytes() for p in (tmp_path / "o").rglob("*") if p.is_file())
    arc = tmp_path / "l.tar.gz"
    assert kubectl(s, "mig-logs", "88435fe0", "--archive", str(arc)).returncode == 0
    with tarfile.open(arc) as t:
        packed = b"".join(t.extractfile(m).read() for m in t.getmembers() if m.isfile())
    for blob in (tree, packed):
        assert b"Authorization: Bearer REDACTED-TOKEN-" in blob and b"s3://restic:REDACTED-URL-PASSWORD-" in blob
        assert not [c for c in planted if c.encode() in blob]
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert index["complete"] is True and index["redaction"]["rules"]["token"] >= 1


def test_the_canary_suite_leaves_no_form_of_any_secret_in_the_written_logs(sim, kubectl, tmp_path):
    """tests/redaction_canaries.py as mig-gather's test plants them: secrets known only from the objects of
    the host and source clusters (Secrets, ConfigMaps, kubeconfigs, env and args, last-applied, a BSL's
    config) and every text form, in a Velero log; none survives in the tree, the tarball or on stderr."""
    from tests import redaction_canaries as rc

    s = sim("restic-timeout")
    rc.plant(s)
    r = kubectl(s, "mig-logs", "--output-dir", str(tmp_path / "o"), "--log-source", "velero")
    assert r.returncode == 0, r.stderr
    tree = b"\n".join(p.read_bytes() for p in (tmp_path / "o").rglob("*") if p.is_file())
    arc = tmp_path / "l.tar.gz"
    a = kubectl(s, "mig-logs", "--archive", str(arc), "--log-source", "velero", "--cluster", "source")
    assert a.returncode == 0, a.stderr
    with tarfile.open(arc) as t:
        packed = b"\n".join(t.extractfile(m).read() for m in t.getmembers() if m.isfile())
    for blob in (tree, packed, r.stderr.encode(), a.stderr.encode()):
        assert rc.leaks(blob) == []
    for kept in ("secret=openshift-migration/cloud-credentials", "keyFile=/etc/pki/tls/private/server.key",
                 "timed out waiting for all PodVolumeBackups to complete", "secretName: velero-restic-credentials"):
        assert kept.encode() in tree and kept.encode() in packed, kept
    redaction = json.loads((tmp_path / "o" / "index.json").read_text())["redaction"]
    assert redaction["rules"]["known-value"] > 0 and redaction["learntFrom"] > 0 and redaction["notRead"] == []


def test_secrets_that_cannot_be_read_are_said_once_and_the_logs_are_written_by_the_rules(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    s.fault("source", method="GET", path=r"/namespaces/openshift-migration/secrets$", status=403)
    r = kubectl(s, "mig-logs", "88435fe0", "--output-dir", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    warned = [ln for ln in r.stderr.splitlines() if "Secret in openshift-migration could not be read" in ln]
    assert len(warned) == 1 and warned[0].startswith("warning: source: "), r.stderr
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert [n["cluster"] for n in index["redaction"]["notRead"]] == ["source"]
    assert any(f["path"].startswith("source/") for f in index["files"])


def test_the_canary_suite_leaves_no_form_of_any_secret_in_printed_lines(sim, kubectl):
    """Lines printed on stdout (text and -o json) are redacted as the files are: the secrets of the objects
    around the pods learnt first, a private key's lines dropped; the evidence around them stays."""
    from tests import redaction_canaries as rc

    s = sim("restic-timeout")
    rc.plant(s)
    for args in ([], ["-o", "json"], ["--timestamps"]):
        r = kubectl(s, "mig-logs", "--log-source", "velero", "--cluster", "source", *args)
        assert r.returncode == 0, r.stderr
        assert rc.leaks((r.stdout + r.stderr).encode()) == [], args
        for kept in ("secret=openshift-migration/cloud-credentials", TIMEOUT, "secretName: velero-restic-credentials"):
            assert kept in r.stdout, (args, kept)
        assert "REDACTED-PRIVATE-KEY-" in r.stdout and "REDACTED-KNOWN" not in r.stdout
    j = kubectl(s, "mig-logs", "--log-source", "velero", "--cluster", "source", "-o", "json")
    rows = [json.loads(x) for x in j.stdout.splitlines()]
    assert any("REDACTED-URL-PASSWORD-" in x["msg"] for x in rows)


def test_a_warning_quoting_a_migcluster_url_does_not_carry_its_password(sim, kubectl):
    s = sim("sock-shop-success")
    mc = s.get("host", "MigCluster", "ocp4-target", NS)
    mc["spec"]["url"] = "https://admin:CanaryLogsWarn98pP@127.0.0.1:9"        # nothing listens there
    s.put("host", mc)
    r = kubectl(s, "mig-logs", "88435fe0", "--request-timeout", "2")
    assert r.returncode == 69
    warned = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: target") and "cannot reach" in ln]
    assert warned and all("https://admin:REDACTED-URL-PASSWORD-" in ln for ln in warned), r.stderr
    assert "CanaryLogsWarn98pP" not in r.stdout + r.stderr
