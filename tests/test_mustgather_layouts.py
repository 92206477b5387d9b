"""--must-gather reads what a customer sends: every generation of the MTC image's layout (built from the
output paths of its scripts, tests/mtc_bundles.py) as `oc adm must-gather` leaves it, tarred, zipped,
nested; what a bundle never collected is not collected (NotCollected), never absent; errors name the
path the user gave; `--role DIR=ROLE` where the bundle cannot tell."""

from __future__ import annotations

import json
import shutil
import tarfile

import pytest

from lib.errors import ApiError, MigError, NotCollected, UsageError
from lib.mustgather import open_must_gather
from lib.verify import verify
from lib.verify_text import data
from tests import mtc_bundles as mb

NS = mb.NS
MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"          # restic-timeout's failed final migration
EXPECTED = {"migration-failed", "velero-backup-failed", "restic-timeout"}


def _report(src) -> dict:
    return data(verify(src, MIG), True)


@pytest.mark.parametrize("gen", mb.GENERATIONS)
def test_every_generation_of_the_mtc_image_as_oc_adm_must_gather_leaves_it(tmp_path, gen):
    top = mb.must_gather_local(tmp_path, "restic-timeout", gen)
    src = open_must_gather(str(top))
    rep = _report(src)
    if gen == "2020-03":       # the host only (release-1.2.0/1.2.1): the remote clusters were never gathered
        assert src.roles() == ["host"] and rep["verdict"] == "FAILED", rep
        assert {"source", "target"} <= set(rep["unreachable"]) and "was not gathered" in rep["unreachable"]["source"]
        assert "velero-backup-failed" not in {f["id"] for f in rep["findings"]}
        return
    assert rep["verdict"] == "FAILED" and {f["id"] for f in rep["findings"]} >= EXPECTED, rep
    assert {r: src._cluster(r).path.name for r in ("host", "source", "target")} == \
        {"host": "host", "source": "ocp3-source", "target": "ocp4-target"}
    assert src.list("source", "Backup", NS) and src.list("host", "MigMigration", NS)
    velero = "velero-7d9c4b8f5-x2x7q"                # the source's Velero, whose log says the restic timeout
    assert any(p["metadata"]["name"] == velero for p in src.list("source", "Pod", NS))
    text = b"".join(src.logs("source", NS, velero, "velero"))
    assert b"timed out waiting for all PodVolumeBackups to complete" in text
    with pytest.raises(ApiError) as e:      # oc's error message in previous.log is not a log
        list(src.logs("source", NS, velero, "velero", previous=True))
    assert e.value.status == 404


def test_tarred_zipped_nested_or_extracted_by_hand_it_reads_the_same(tmp_path):
    top = mb.must_gather_local(tmp_path / "d", "restic-timeout", "2021-03")
    want = sorted(mb.as_json(x) for x in open_must_gather(str(top)).list("source", "Backup", NS))
    tgz = mb.tar_of(top, tmp_path / "case-0042.tar.gz")
    zipped = mb.zip_of(top, tmp_path / "case-0042.zip")
    outer = tmp_path / "outer"
    outer.mkdir()
    shutil.copy(zipped, outer / "from-customer.zip")
    nested = mb.tar_of(outer, tmp_path / "attachments.tar")          # a zip inside a tar, the image's tarball inside
    by_hand = tmp_path / "by-hand"
    shutil.copytree(top, by_hand / top.name)
    image = by_hand / top.name / mb.IMAGE_DIR
    with tarfile.open(image / "must-gather.tar.gz") as tf:
        tf.extractall(image)
    (image / "must-gather.tar.gz").unlink()
    for path in (tgz, zipped, nested, by_hand):
        src = open_must_gather(str(path))
        assert sorted(mb.as_json(x) for x in src.list("source", "Backup", NS)) == want, path
        assert _report(src)["verdict"] == "FAILED", path


def test_what_the_image_never_collected_is_not_collected_never_absent(tmp_path):
    src = open_must_gather(str(mb.must_gather_local(tmp_path, "restic-timeout", "2021-03")))
    assert src.list("source", "Backup", "rocket-chat") == []          # the image lists its CRs in every namespace
    assert src.list("source", "Pod", NS)                              # oc adm inspect ns/openshift-migration
    for call in (lambda: src.list("source", "StatefulSet", "rocket-chat"),   # application namespaces: never gathered
                 lambda: src.list("target", "Node"), lambda: src.list("target", "StorageClass"),
                 lambda: src.list("target", "Namespace"), lambda: src.get("target", "Namespace", "rocket-chat"),
                 lambda: src.get("source", "PersistentVolumeClaim", "uploads-data", "rocket-chat")):
        with pytest.raises(NotCollected):
            call()
    assert src.get("target", "Namespace", NS)["metadata"]["name"] == NS
    rep = _report(src)
    assert any("not collected" in u for u in rep["unchecked"]), rep["unchecked"]


def test_a_cluster_the_image_could_not_log_in_to(tmp_path):
    top = mb.must_gather_local(tmp_path, "restic-timeout", "2021-03", login_failed=("ocp3-source",))
    src = open_must_gather(str(top))
    with pytest.raises(NotCollected) as e:
        src.list("source", "Backup", NS)
    assert "Login to migcluster ocp3-source unsuccessful" in str(e.value)
    rep = _report(src)
    assert "velero-backup-failed" not in {f["id"] for f in rep["findings"]}     # no Backup read: not "no Backup"
    assert "source" in rep["unreachable"] and "nothing was collected" in rep["unreachable"]["source"]


def test_errors_name_the_path_the_user_gave(tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi\n")
    archive = mb.tar_of(empty, tmp_path / "case.tar.gz")
    with pytest.raises(MigError) as e:
        open_must_gather(str(archive))
    assert str(e.value).startswith(f"must-gather {archive}: no cluster data found") and "mig-mustgather" not in str(e.value)
    inner = tmp_path / "wrap"
    (inner / "must-gather.local.1" / "img").mkdir(parents=True)
    (inner / "must-gather.local.1" / "img" / "must-gather.tar.gz").write_bytes(b"not a tarball at all" * 20)
    outer = mb.tar_of(inner, tmp_path / "wrapped.tar.gz")
    with pytest.raises(MigError) as e:
        open_must_gather(str(outer))
    assert str(e.value).startswith(f"must-gather {outer}:wrap/must-gather.local.1/img/must-gather.tar.gz: "
                                   "not a readable tar archive"), str(e.value)
    evil = tmp_path / "evil"
    (evil / "x").mkdir(parents=True)
    (evil / "x" / "must-gather.tar.gz").write_bytes(mb.tar_bytes({"../../escape.yaml": b"a: 1\n"}))
    with pytest.raises(MigError) as e:
        open_must_gather(str(evil))
    assert "refusing entry '../../escape.yaml'" in str(e.value) and str(evil) in str(e.value)


def test_role_flag_where_the_bundle_cannot_tell(tmp_path):
    """Directories named opaquely and no MigCluster naming them: the user says which is which."""
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    clusters = top / "clusters"
    for old, new in (("host", "cluster-a"), ("ocp3-source", "cluster-b"), ("ocp4-target", "cluster-c")):
        (clusters / old).rename(clusters / new)
    src = open_must_gather(str(top), roles=["cluster-a=host", "cluster-b=source", "clusters/cluster-c=target"])
    rep = _report(src)
    assert {r: src._cluster(r).path.name for r in ("host", "source", "target")} == \
        {"host": "cluster-a", "source": "cluster-b", "target": "cluster-c"}
    assert {f["id"] for f in rep["findings"]} >= EXPECTED
    with pytest.raises(UsageError) as e:
        open_must_gather(str(top), roles=["cluster-z=source"])
    assert "cluster-a" in str(e.value) and "cluster-z" in str(e.value)
    with pytest.raises(UsageError):
        open_must_gather(str(top), roles=["cluster-a=boss"])


def test_kubectl_reads_the_tarball_a_customer_attached(tmp_path, kubectl):
    top = mb.must_gather_local(tmp_path / "d", "restic-timeout", "2021-01")
    tgz = mb.tar_of(top, tmp_path / "must-gather.local.tar.gz")
    r = kubectl(None, "mig-verify", MIG, "-o", "json", "--must-gather", str(tgz))
    assert r.returncode == 1 and {f["id"] for f in json.loads(r.stdout)["findings"]} >= EXPECTED, r.stderr
    r = kubectl(None, "mig-crs", MIG, "--must-gather", str(tgz), "--role", "nowhere=source")
    assert r.returncode == 64 and r.stderr.count("\n") == 1 and "nowhere" in r.stderr, r.stderr
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"garbage" * 100)
    r = kubectl(None, "mig-crs", "--must-gather", str(bad))
    assert r.returncode == 1 and str(bad) in r.stderr and "mig-mustgather-" not in r.stderr


def test_gather_index_records_what_each_cluster_covered(tmp_path):
    """Our own bundles: the migrated namespaces come from gather.json; elsewhere it is not collected."""
    root = tmp_path / "must-gather.local.1"
    (root / "host_host" / "namespaces" / NS / "core").mkdir(parents=True)
    (root / "host_host" / "namespaces" / NS / "core" / "pods.yaml").write_text(
        "apiVersion: v1\nkind: PodList\nitems: []\n")
    (root / "gather.json").write_text(json.dumps({
        "namespace": NS, "clusters": [{"name": "host", "dir": "host_host", "roles": ["host", "source", "target"],
                                       "namespaces": ["app"], "full": False,
                                       "missing": [{"what": "Secret in openshift-migration", "why": "403"}]}]}))
    src = open_must_gather(str(root))
    assert src.list("host", "Pod", NS) == [] and src.list("host", "Pod", "app") == []
    assert src.list("host", "Node") == []
    for call in (lambda: src.list("host", "ConfigMap", "app"), lambda: src.list("host", "Pod", "other"),
                 lambda: src.list("host", "Secret", NS)):
        with pytest.raises(NotCollected):
            call()


def test_logs_inspect_could_only_read_insecurely(tmp_path):
    """An OCP 3.11 source whose kubelet certificate oc cannot verify: inspect leaves `current.log` empty and
    writes `current.insecure.log` (openshift/oc release-4.5 pkg/cli/admin/inspect/pod.go); that is the log."""
    top = mb.must_gather_local(tmp_path, "restic-timeout", "2021-03", insecure=("ocp3-source",))
    src = open_must_gather(str(top))
    velero = "velero-7d9c4b8f5-x2x7q"
    text = b"".join(src.logs("source", NS, velero, "velero", timestamps=True))
    assert b"timed out waiting for all PodVolumeBackups to complete" in text
    assert text[:4].isdigit(), text[:80]          # inspect's copy (with the API server's stamps), not the image's


@pytest.mark.parametrize("gen", mb.GENERATIONS[1:])
def test_velero_logs_the_image_saved_are_velero_s_copy(tmp_path, gen):
    """`velero backup|restore logs` as each generation saved it (velero-backup-logs/<b>-backup.log, later
    migplans/.../backup-<b>/backup-<b>.log) is what `velero backup logs` would answer; what the image
    never saves (results, resource lists) is not collected; a file holding only the CLI's error is no log."""
    src = open_must_gather(str(mb.must_gather_local(tmp_path, "restic-timeout", gen)))
    backups = src.list("source", "Backup", NS)
    assert backups
    for b in backups:
        name = b["metadata"]["name"]
        assert f'msg="backup {name} processed"'.encode() in src.download("source", "BackupLog", name)
        for kind in ("BackupResults", "BackupResourceList"):
            with pytest.raises(NotCollected):
                src.download("source", kind, name)
    with pytest.raises(NotCollected):
        src.download("source", "BackupLog", "no-such-backup")
    restores = src.list("target", "Restore", NS)
    assert restores
    for r in restores:
        name = r["metadata"]["name"]
        assert f'msg="restore {name} processed"'.encode() in src.download("target", "RestoreLog", name)
        with pytest.raises(NotCollected):
            src.download("target", "RestoreResults", name)


def test_a_velero_log_the_image_could_not_fetch_is_not_a_log(tmp_path):
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    logs = sorted(top.glob("migplans/*/*/backup-*/backup-*.log"))
    assert logs
    said = "An error occurred: timed out waiting for download URL"
    logs[0].write_text(said + "\n")
    name = logs[0].parent.name[len("backup-"):]
    with pytest.raises(NotCollected) as e:
        open_must_gather(str(top)).download("source", "BackupLog", name)
    assert said in str(e.value)


@pytest.mark.parametrize("gen", ("2020-05", "2021-03"))
def test_when_gathered_is_oc_s_timestamp_not_when_the_files_were_copied(tmp_path, gen):
    """A bundle checked out or copied without its files' times: `oc adm must-gather` (and inspect, from oc
    4.5: openshift/oc cb895bcb7 logTimestamp) wrote when it ran to `timestamp`; that is the bundle's now."""
    import datetime as dt
    import os
    top = mb.must_gather_local(tmp_path / "d", "restic-timeout", gen)
    image = top / mb.IMAGE_DIR
    if (image / "must-gather.tar.gz").exists():       # extracted by hand, then copied: every file stamped today
        with tarfile.open(image / "must-gather.tar.gz") as tf:
            tf.extractall(image)
        (image / "must-gather.tar.gz").unlink()
    later = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc).timestamp()
    for p in top.rglob("*"):
        os.utime(p, (later, later))
    gathered = dt.datetime(2019, 9, 2, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)
    assert abs((open_must_gather(str(top)).now - gathered).total_seconds()) < 1e-3
    (top / "timestamp").unlink()               # only the image's inspect stamps are left (from oc 4.5)
    src = open_must_gather(str(top))
    if gen >= "2021-01":
        assert abs((src.now - dt.datetime(2019, 9, 2, 11, 59, 31, 750000, tzinfo=dt.timezone.utc)).total_seconds()) < 1e-3
    else:                                      # oc 4.4 wrote none: the files' times are all there is
        assert src.now == dt.datetime.fromtimestamp(later, dt.timezone.utc)


def test_pods_of_every_namespace_are_not_collected_when_the_image_gathered_one(tmp_path):
    """The image (gather: `oc adm inspect ns/<MTC ns>`, gather_crs: MTC and Velero CRs) never gathers the
    application namespaces' pods: MTC's rsync, stage and hook pods there are unknown, not absent."""
    src = open_must_gather(str(mb.must_gather_local(tmp_path, "stage-pods-left", "2021-03")))
    assert src.list("source", "Pod", NS) and src.list("source", "Backup", None)     # CRs: every namespace
    with pytest.raises(NotCollected) as e:
        src.list("source", "Pod", None, labels="app.kubernetes.io/part-of=openshift-migration")
    assert f"only from namespace {NS}" in str(e.value)
    mig = sorted(src.list("host", "MigMigration", NS), key=lambda m: m["metadata"]["creationTimestamp"])[-1]
    rep = data(verify(src, mig["metadata"]["uid"]), True)
    assert any("hook pods on source" in u and "not from every namespace" in u for u in rep["unchecked"]), rep


@pytest.mark.parametrize("gen", mb.GENERATIONS)
def test_direct_volume_migrations_where_each_generation_files_them(tmp_path, gen):
    """DVMs and DVMPs under crs/ until 2021-01, then only in migplans/.../dvm-<dvm>/ (gather_crs c9f9985)."""
    src = open_must_gather(str(mb.must_gather_local(tmp_path, "dvm-rsync-failed", gen)))
    assert src.list("host", "DirectVolumeMigrationProgress", NS)
    rep = data(verify(src, "4b1c6d10-5f5e-11eb-9a4b-0a580a81020c"), True)
    assert "dvm-rsync-failed" in {f["id"] for f in rep["findings"]}, rep


def test_the_image_run_on_each_cluster_and_sent_together(tmp_path):
    """Support asks for the image run on the source too: each run calls its own cluster `host`. The host
    is the run holding the MTC CRs, whichever the archive lists first."""
    case = tmp_path / "case"
    mb.self_run(tmp_path / "src-run", "restic-timeout", "source")
    mb.tar_of(tmp_path / "src-run", tmp_path / "src.tar.gz")
    first = case / "must-gather.local.1" / mb.IMAGE_DIR
    first.mkdir(parents=True)
    (tmp_path / "src.tar.gz").rename(first / "must-gather.tar.gz")
    host_run = mb.must_gather_local(tmp_path / "h", "restic-timeout", "2021-03", login_failed=("ocp3-source",))
    host_run.rename(case / "must-gather.local.2")
    src = open_must_gather(str(case))
    assert [c.path.name for c in src.clusters].count("host") == 2
    assert src.list("host", "MigMigration", NS) and src.list("host", "MigPlan", NS)


def test_a_remote_cluster_never_gathered_is_not_the_host_s_directory(tmp_path):
    """CAM 1.2.0/1.2.1's image gathered the host only (release-1.2.0 447a846 gather): a plan whose source is
    a remote MigCluster has no source in the bundle; one whose source is the host reads the host."""
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2020-03")
    src = open_must_gather(str(top))
    with pytest.raises(ApiError) as e:
        src.list("source", "Pod", NS)
    assert "MigCluster ocp3-source" in str(e.value)
    host_mc = {"kind": "MigCluster", "metadata": {"name": "host", "namespace": NS}, "spec": {"isHostCluster": True}}
    src.bind("source", host_mc)
    assert src.list("source", "Pod", NS) == src.list("host", "Pod", NS)


def test_an_essential_only_gather_reads_the_image_s_own_pod_logs(tmp_path):
    """`gather_<N>h_essential` (3a3d153, release-1.4.3..1.8 `gather`): inspect's pod logs deleted; the image's
    `oc logs --all-containers` copy in namespaces/<ns>/logs/<pod>/current.log is the log."""
    src = open_must_gather(str(mb.must_gather_local(tmp_path, "restic-timeout", "2021-03", essential=True)))
    velero = "velero-7d9c4b8f5-x2x7q"
    assert b"timed out waiting for all PodVolumeBackups to complete" in b"".join(src.logs("source", NS, velero, "velero"))
    assert {f["id"] for f in _report(src)["findings"]} >= EXPECTED


def test_an_essential_gather_s_log_window_is_not_collected_never_absent(tmp_path):
    """`gather_1h_essential` (3a3d153): the image's `oc logs --since 1h` copy is the only log; what Velero
    logged before its first line, since the migration started, is not in the bundle: said, not absent."""
    top = mb.must_gather_local(tmp_path, "restic-timeout", "2021-03", essential=True, logs_since=3600)
    rep = _report(open_must_gather(str(top)))
    assert any(u.startswith("velero logs on source before 2019-09-02T11:") and "not in the must-gather" in u
               and "--since" in u for u in rep["unchecked"]), rep["unchecked"]
    full = _report(open_must_gather(str(mb.must_gather_local(tmp_path / "full", "restic-timeout", "2021-03"))))
    assert not any("--since" in u for u in full["unchecked"]), full["unchecked"]


DVM_MIG = "4b1c6d10-5f5e-11eb-9a4b-0a580a81020c"      # dvm-rsync-failed: rsync-7dk2x exits 24, named by the DVM/DVMP
VANISHED = "rsync warning: some files vanished before they could be transferred (code 24)"


def _dvm_bundle(tmp_path, gen: str, server_log: str = "", app_pod: bool = False):
    """dvm-rsync-failed as the image of `gen` leaves it; `server_log`: a line the target's rsync-server logged;
    `app_pod`: an application pod of sock-shop that a stage backup labelled part-of (MC-1.6+ stage.go), with a log."""
    sc = mb.load("dvm-rsync-failed")
    if server_log:
        (tmp_path / "server.log").write_text(f"2021-01-25T22:46:11.000000000Z {server_log}\n")
        sc["logs"].setdefault("target", {})["sock-shop/rsync-server/rsync"] = tmp_path / "server.log"
    if app_pod:
        (tmp_path / "app.log").write_text("2021-01-25T22:46:12.000000000Z rsync warning: not MTC's, the app's own\n")
        sc["objects"]["source"].append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "stage-db-0", "namespace": "sock-shop",
                         "labels": {"app.kubernetes.io/part-of": "openshift-migration",
                                    "migration.openshift.io/is-application-pod": "True"}},
            "spec": {"containers": [{"name": "db"}]}, "status": {"phase": "Running"}})
        sc["logs"]["source"]["sock-shop/stage-db-0/db"] = tmp_path / "app.log"
    return open_must_gather(str(mb.must_gather_local(tmp_path / gen, "dvm-rsync-failed", gen, scenario=sc)))


def test_helper_pods_the_1_8_image_saved_only_the_logs_of(tmp_path):
    """migtools/must-gather release-1.8 (fdc3d9a logs/gather_logs_helper_pods) saves `oc logs --all-containers` of
    every part-of=openshift-migration pod outside the MTC namespace, never the pod: the Source gives such a pod
    its namespace, name and part-of label, nothing it does not know (no spec, no status, no container)."""
    src = _dvm_bundle(tmp_path, "2022-12", app_pod=True)
    pods = {p["metadata"]["name"]: p for p in src.logged_pods("source")}
    assert set(pods) == {"rsync-7dk2x", "stage-db-0"}
    p = pods["rsync-7dk2x"]
    assert set(p) == {"apiVersion", "kind", "metadata", "mustGatherSavedLog"}
    assert p["metadata"] == {"name": "rsync-7dk2x", "namespace": "sock-shop",
                             "labels": {"app.kubernetes.io/part-of": "openshift-migration"}}
    assert p["mustGatherSavedLog"]["file"] == "clusters/ocp3-source/namespaces/sock-shop/logs/rsync-7dk2x/current.log"
    assert src.logged_pods("host") == [] and not any(p["metadata"]["namespace"] == NS for p in src.logged_pods("source"))
    with pytest.raises(NotCollected):      # the pods of the application namespaces are still not collected
        src.list("source", "Pod", "sock-shop")
    # the graph takes what the objects prove: the rsync client the DVM and DVMP name, not an application pod
    # named like a stage pod (MC-1.6+ labels those part-of too)
    from lib.graph import build
    g = build(src, DVM_MIG)
    assert [(p["metadata"]["name"], g.helper_kind(p)) for p in g.logged["source"]] == [("rsync-7dk2x", "rsync")]
    assert g.helpers["source"] == [] and "saved logs of 1 of them" in g.missing["source"]
    assert "DirectVolumeMigration" in g.logged["source"][0]["mustGatherSavedLog"]["why"]
    from lib.crs import chain, chain_objects
    row = next(r for r in chain(g) if r.name == "rsync-7dk2x")      # mig-crs: shown, with nothing it does not know
    assert (row.cluster, row.kind, row.role, row.phase, row.errors, row.obj) == \
        ("source", "Pod", "rsync (log only)", "", "", None) and "saved log" in row.message
    assert not any(x["kind"] == "Pod" for x in chain_objects(g))     # -o json/yaml: no Pod made up
    assert _dvm_bundle(tmp_path / "old", "2021-03").logged_pods("source") == []


@pytest.mark.parametrize("gen", ("2021-03", "2022-12"))
def test_dvm_rsync_failed_quotes_the_rsync_log_the_1_8_image_saved(tmp_path, gen):
    rep = data(verify(_dvm_bundle(tmp_path, gen), DVM_MIG), True)
    f = next(f for f in rep["findings"] if f["id"] == "dvm-rsync-failed")
    ev = "\n".join(f["evidence"])
    assert "exit code 24" in f["title"]                      # from the DVMP: the pod's own status is not known
    if gen == "2021-03":
        assert VANISHED not in ev and "saved log" not in ev, ev
        return
    assert f"rsync: 2021/01/25 22:49:33 [1] {VANISHED} at main.c(1189) [sender=3.1.3]" in ev.splitlines(), ev
    assert "rsync pod sock-shop/rsync-7dk2x: no Pod object in the must-gather, only its saved log " \
           "clusters/ocp3-source/namespaces/sock-shop/logs/rsync-7dk2x/current.log" in ev, ev
    assert "Pod/rsync-7dk2x" not in json.dumps(f["objects"]) and "phase Unknown" not in json.dumps(rep)


def test_mig_logs_prints_the_helper_logs_the_1_8_image_saved(tmp_path):
    import io

    from lib.logs.command import Options, execute

    def run(src, sources, clusters=()):
        out, err = io.StringIO(), io.StringIO()
        rc = execute(src, Options(migration=DVM_MIG, sources=list(sources), clusters=list(clusters)), out, err)
        return rc, out.getvalue(), err.getvalue()

    src = _dvm_bundle(tmp_path, "2022-12", server_log="rsyncd version 3.1.3 starting, listening on port 1873",
                      app_pod=True)
    for sources in (["rsync"], ["stunnel"], ["rsync", "stunnel"]):
        rc, out, err = run(src, sources, ["source"])
        lines = out.splitlines()
        assert rc == 0 and len(lines) == 6, (sources, out, err)        # the one file, read once
        assert all(ln.startswith("[source/rsync-7dk2x/all-containers] ") for ln in lines), out
        assert f"[source/rsync-7dk2x/all-containers] 2021/01/25 22:49:33 [1] {VANISHED} at main.c(1189) " \
               "[sender=3.1.3]" in lines, out
        assert "not MTC's" not in out
    rc, out, err = run(src, ["rsync"], ["target"])       # the server, by the fixed name MTC gives it
    assert rc == 0 and out == "[target/rsync-server/all-containers] rsyncd version 3.1.3 starting, listening on " \
                              "port 1873\n", (out, err)
    rc, out, err = run(src, ["stage", "hook"])
    assert out == "" and "no log lines matched" in err
    rc, out, err = run(_dvm_bundle(tmp_path / "old", "2021-03"), ["rsync"])
    assert out == "" and "no log lines matched" in err


def test_the_1_8_image_saves_no_log_of_hook_pods(tmp_path):
    """Hook Job pods carry no part-of label (MC hooks.go baseJobTemplate: the pod template has none), so
    gather_logs_helper_pods (fdc3d9a) never saves their logs: the hook check still says what it could not read."""
    top = mb.image_output(tmp_path / "mg", "hook-failed", "2022-12")
    assert not list(top.glob("clusters/*/namespaces/sock-shop/logs/*"))
    src = open_must_gather(str(top))
    assert src.logged_pods("source") == []


def test_kubectl_mig_logs_and_verify_read_the_saved_rsync_log(tmp_path, kubectl):
    top = mb.must_gather_local(tmp_path / "d", "dvm-rsync-failed", "2022-12")
    tgz = mb.tar_of(top, tmp_path / "must-gather.local.tar.gz")
    r = kubectl(None, "mig-logs", DVM_MIG, "--log-source", "rsync", "--must-gather", str(tgz))
    assert r.returncode == 0, r.stderr
    assert f"[source/rsync-7dk2x/all-containers] 2021/01/25 22:49:33 [1] {VANISHED}" in r.stdout, r.stdout
    r = kubectl(None, "mig-verify", DVM_MIG, "-o", "json", "--must-gather", str(tgz))
    f = next(f for f in json.loads(r.stdout)["findings"] if f["id"] == "dvm-rsync-failed")
    assert any(VANISHED in e for e in f["evidence"]) and any("saved log" in e for e in f["evidence"]), f


def test_a_stage_pod_named_by_a_podvolumebackup_is_read_from_its_saved_log(tmp_path):
    """restic-timeout-json's stage backup: its PodVolumeBackup names stage pod erp/stage-erp-db-0-t5v7w (spec.pod);
    the 1.8 image saved that pod's log (it carries part-of, MC stage.go stagePodLabels), not the pod. mig-logs
    --log-source stage prints it; no check reports a state of the pod, which the bundle does not hold."""
    import io

    from lib.logs.command import Options, execute

    sc = mb.load("restic-timeout-json")
    pod = "stage-erp-db-0-t5v7w"
    (tmp_path / "stage.log").write_text("2025-02-24T19:12:30.000000000Z sleep: cannot read realtime clock\n")
    sc["objects"]["source"].append({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod, "namespace": "erp",
                     "labels": {"app.kubernetes.io/part-of": "openshift-migration",
                                "migmigration": "3c4d5e6f-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
                                "migration.openshift.io/is-stage-pod": "True"}},
        "spec": {"containers": [{"name": "sleep-0"}]}, "status": {"phase": "Pending"}})
    sc["logs"]["source"][f"erp/{pod}/sleep-0"] = tmp_path / "stage.log"
    for gen in ("2021-03", "2022-12"):
        src = open_must_gather(str(mb.must_gather_local(tmp_path / gen, "restic-timeout-json", gen, scenario=sc)))
        out, err = io.StringIO(), io.StringIO()
        execute(src, Options(migration="erp-final-0224", sources=["stage"]), out, err)
        if gen == "2021-03":
            assert out.getvalue() == "", out.getvalue()
            continue
        assert out.getvalue() == f"[source/{pod}/all-containers] sleep: cannot read realtime clock\n", err.getvalue()
        rep = data(verify(src, "erp-final-0224"), True)
        assert "stage-pod-unhealthy" not in {f["id"] for f in rep["findings"]}      # its phase is not known
