"""kubectl mig-gather against the emulated clusters: the bundle's layout and index, mig-verify on the
tarball (agreeing with live for every scenario: tests/test_verify_e2e.py), an unreachable cluster, an interrupted
gather, and the in-cluster (must-gather image) mode."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

from tests.conftest import bundle_of, foreground, gather

ROOT = Path(__file__).resolve().parent.parent


def test_bundle_layout_index_and_tarball(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    r = gather(kubectl, s, tmp_path / "out")
    assert r.returncode == 0, r.stderr
    root, tarball = bundle_of(r)
    assert root.name.startswith("must-gather.local.") and tarball == tmp_path / "out" / "must-gather.tar.gz"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [root.name, "must-gather.tar.gz"]  # no partials
    idx = json.loads((root / "gather.json").read_text())
    assert {c["dir"]: c["roles"] for c in idx["clusters"]} == {
        "host_host": ["host"], "source_ocp3-source": ["source"], "target_ocp4-target": ["target"]}
    assert idx["complete"] is True and idx["missing"] == [] and idx["redaction"]["enabled"] is True
    src = root / "source_ocp3-source"
    # oc adm inspect's layout
    assert (src / "namespaces/openshift-migration/velero.io/backups.yaml").is_file()
    assert (src / "namespaces/openshift-migration/pods/velero-7d9c4b8f5-x2x7q/velero/velero/logs/current.log").is_file()
    assert (src / "cluster-scoped-resources/core/nodes/ocp3-node-1.yaml").is_file()
    assert (root / "host_host/namespaces/openshift-migration/migration.openshift.io/migrationcontrollers.yaml").is_file()
    assert (src / "namespaces/rocket-chat/mig-gather-summary.yaml").is_file()
    log = (src / "namespaces/openshift-migration/pods/velero-7d9c4b8f5-x2x7q/velero/velero/logs/current.log").read_text()
    assert "timed out waiting for all PodVolumeBackups to complete" in log
    report = json.loads((root / "mig-verify/f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b.json").read_text())
    assert report["verdict"] == "FAILED" and report["timeline"]
    assert "restic-timeout" in (root / "mig-verify/f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b.txt").read_text()
    with tarfile.open(tarball) as tf:
        names = tf.getnames()
    assert f"{root.name}/gather.json" in names and all(n.startswith(root.name) for n in names)
    mapping = Path(r.stderr.split("not in the bundle): ")[1].split()[0])
    assert root not in mapping.parents and oct(mapping.stat().st_mode & 0o777) == "0o600"


def test_one_cluster_unreachable_the_others_are_gathered(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    s.stop_cluster("target")
    r = gather(kubectl, s, tmp_path / "out", "f7b5e1a2")
    assert r.returncode == 69, r.stderr
    assert "Traceback" not in r.stderr and "not collected: ocp4-target everything" in r.stderr
    root, _ = bundle_of(r)
    idx = json.loads((root / "gather.json").read_text())
    assert idx["complete"] is False
    assert [m["cluster"] for m in idx["missing"] if m["what"] == "everything"] == ["ocp4-target"]
    assert (root / "source_ocp3-source/namespaces/openshift-migration/velero.io/backups.yaml").is_file()
    assert not list((root / "target_ocp4-target").glob("**/*.yaml"))


def test_a_forbidden_list_is_recorded_and_the_rest_gathered(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    s.fault("target", method="GET", path="/secrets$", status=403)
    r = gather(kubectl, s, tmp_path / "out", "--no-archive")
    assert r.returncode == 77, r.stderr
    root, tarball = bundle_of(r)
    assert tarball is None
    idx = json.loads((root / "gather.json").read_text())
    assert [(m["cluster"], m["what"], m["status"]) for m in idx["missing"]] == [
        ("ocp4-target", "Secret in openshift-migration", 403)]
    assert (root / "target_ocp4-target/namespaces/openshift-migration/velero.io/restores.yaml").is_file()


def test_an_interrupted_gather_leaves_nothing_that_looks_complete(sim, tmp_path, dist_dir):
    s = sim("restic-timeout")
    s.fault("source", path="/log", latency=5)
    out = tmp_path / "out"
    env = dict(os.environ, KUBECONFIG=s.kubeconfig, PATH=f"{dist_dir}:{os.environ['PATH']}", HOME=str(tmp_path),
               XDG_STATE_HOME=str(tmp_path / "state"))
    p = subprocess.Popen(foreground("kubectl", "mig-gather", "--dest-dir", str(out)), env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(out.glob(".must-gather.local.*.partial/*/version.yaml")):
        time.sleep(0.05)
    assert list(out.glob(".must-gather.local.*.partial"))
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert list(out.iterdir()) == []            # no bundle, no tarball, no partial left behind


def test_in_cluster_mode_from_the_service_account(sim, tmp_path, dist_dir):
    """The image's entrypoint (container/gather) with what a pod has: KUBERNETES_SERVICE_HOST/PORT and
    the service account's token and CA (mounted elsewhere than /var/run/secrets here)."""
    s = sim("restic-timeout")
    host = s.cluster("host")
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text(host.token)
    (sa / "ca.crt").write_bytes(host.ca_pem)
    port = host.url.rsplit(":", 1)[1]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "127.0.0.1",
           "KUBERNETES_SERVICE_PORT": port, "MIG_TOOLS_SERVICEACCOUNT_DIR": str(sa),
           "MIG_GATHER_ZIPAPP": str(dist_dir / "kubectl-mig_gather"), "MIG_GATHER_DEST": str(tmp_path / "must-gather")}
    r = subprocess.run(["sh", str(ROOT / "container" / "gather")], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    root = Path(r.stdout.split()[0])
    assert len(r.stdout.split()) == 1 and not (tmp_path / "must-gather" / "must-gather.tar.gz").exists()
    assert "redaction mapping" not in r.stderr          # no user machine in a pod: the mapping is not kept
    idx = json.loads((root / "gather.json").read_text())
    assert {c["dir"] for c in idx["clusters"]} == {"host_host", "source_ocp3-source", "target_ocp4-target"}
    assert (root / "target_ocp4-target/namespaces/openshift-migration/velero.io/restores.yaml").is_file()


def test_the_containerfile_ships_the_entrypoint_oc_adm_must_gather_runs():
    text = (ROOT / "Containerfile").read_text()
    copies = [line.split()[1:] for line in text.splitlines() if line.startswith("COPY ")]
    assert ["dist/kubectl-mig_gather", "/usr/local/bin/kubectl-mig_gather"] in copies
    assert ["container/gather", "/usr/bin/gather"] in copies and 'ENTRYPOINT ["/usr/bin/gather"]' in text
    assert os.access(ROOT / "container" / "gather", os.X_OK)
