"""--must-gather: every plugin reads a bundle offline (ours, the MTC image's layout, plain
`oc adm inspect`), and hostile archives are refused with one clear line, writing nothing."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from lib import objects as o
from lib.resources import BY_KIND
from tests.conftest import bundle_of, gather

NS = "openshift-migration"
MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"


@pytest.fixture
def gathered(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    r = gather(kubectl, s, tmp_path / "g")
    assert r.returncode == 0, r.stderr
    root, tarball = bundle_of(r)
    return s, root, tarball


def _json(r):
    assert r.returncode in (0, 1, 2, 3) and r.stdout, r.stderr
    return json.loads(r.stdout)


def test_every_plugin_reads_the_tarball(gathered, kubectl):
    s, root, tarball = gathered
    crs = _json(kubectl(None, "mig-crs", MIG, "--must-gather", str(tarball), "-o", "json"))
    kinds = {i["kind"] for i in crs["items"]}
    assert {"MigMigration", "MigPlan", "MigCluster", "Backup", "PodVolumeBackup"} <= kinds
    logs = kubectl(None, "mig-logs", MIG, "--must-gather", str(root), "--log-source", "velero")
    assert logs.returncode == 0, logs.stderr
    assert "timed out waiting for all PodVolumeBackups to complete" in logs.stdout and "[source/" in logs.stdout
    no = kubectl(None, "mig-verify", "nope", "--must-gather", str(tarball))
    assert no.returncode == 1 and no.stderr.count("\n") == 1 and "nope" in no.stderr


def test_rollback_plans_from_a_bundle_as_it_would_live(sim, kubectl, tmp_path):
    s = sim("rollback-needed")
    r = gather(kubectl, s, tmp_path / "g", "--namespaces")
    assert r.returncode == 0, r.stderr
    tarball = str(bundle_of(r)[1])
    live = _json(kubectl(s, "mig-rollback", "parts-prod", "-o", "json", env={"XDG_STATE_HOME": str(tmp_path)}))
    offline = _json(kubectl(None, "mig-rollback", "parts-prod", "-o", "json", "--must-gather", tarball,
                            env={"XDG_STATE_HOME": str(tmp_path)}))
    key = lambda a: (a["cluster"], a["verb"], a["kind"], a["name"], a["change"])  # noqa: E731
    assert sorted(map(key, offline["actions"])) == sorted(map(key, live["actions"])) and live["actions"]
    r = kubectl(None, "mig-rollback", "parts-prod", "--must-gather", tarball, "--yes",
                env={"XDG_STATE_HOME": str(tmp_path)})
    assert r.returncode == 1 and "can only show the plan" in r.stderr and s.writes() == []


def _cluster_objects(s, cluster):
    out = []
    for kind in ("MigCluster", "MigStorage", "MigPlan", "MigMigration", "MigrationController", "Backup", "Restore",
                 "PodVolumeBackup", "PodVolumeRestore", "BackupStorageLocation", "VolumeSnapshotLocation", "Pod"):
        out += s.list(cluster, kind, NS)
    for kind in ("Namespace", "Node", "StorageClass", "PersistentVolume", "ClusterRoleBinding",
                 "SecurityContextConstraints"):
        out += s.list(cluster, kind)
    return out


def test_the_mtc_image_layout_with_roles_inferred(gathered, kubectl, tmp_path):
    """must-gather.local.<id>/<image>/<cluster>/namespaces/<ns>/crs/<resource>/<name>.yaml, logs of all
    containers in namespaces/<ns>/logs/<pod>/current.log, migplan-<plan>/ at the top; cluster
    directories named opaquely, so the roles come from what each holds."""
    s, _, _ = gathered
    top = tmp_path / "must-gather.local.5196" / "registry-redhat-io-rhcam-openshift-migration-must-gather-rhel8"
    for cluster, dirname in (("host", "cluster-a"), ("source", "cluster-b"), ("target", "cluster-c")):
        base = top / dirname
        for obj in _cluster_objects(s, cluster):
            r = BY_KIND[obj["kind"]]
            if r.group:
                path = base / "namespaces" / NS / "crs" / r.key / f"{o.name(obj)}.yaml"
            elif r.namespaced:
                path = base / "namespaces" / NS / "core" / f"{r.plural}.yaml"
            else:
                path = base / "cluster-scoped-resources" / r.plural / f"{o.name(obj)}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as f:
                f.write("---\n" + json.dumps(obj) + "\n")
        for pod in s.list(cluster, "Pod", NS):
            text = "".join(subprocess.run(["kubectl", "--kubeconfig", s.kubeconfig, "--context", cluster, "logs", "-n",
                                           NS, o.name(pod), "-c", c["name"]], capture_output=True, text=True).stdout
                           for c in pod["spec"]["containers"])
            log = base / "namespaces" / NS / "logs" / o.name(pod) / "current.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(text)
    mig = s.get("host", "MigMigration", MIG, NS)
    plan = top / "migplan-rocketchat-mig-plan" / f"migmigration-{MIG}" / f"migmigration-{MIG}.yml"
    plan.parent.mkdir(parents=True)
    plan.write_text(json.dumps(mig))
    live = _json(kubectl(s, "mig-verify", MIG, "-o", "json"))
    offline = _json(kubectl(None, "mig-verify", MIG, "-o", "json", "--must-gather", str(tmp_path / "must-gather.local.5196")))
    assert offline["verdict"] == live["verdict"] == "FAILED"
    assert sorted(f["id"] for f in offline["findings"]) == sorted(f["id"] for f in live["findings"])


def test_plain_oc_adm_inspect_output_of_one_cluster(gathered, kubectl, tmp_path):
    """One cluster that is host and target at once, as `oc adm inspect ns/openshift-migration` writes it."""
    _, root, _ = gathered
    inspect = tmp_path / "inspect.local.123"
    for sub in ("host_host", "target_ocp4-target"):
        shutil.copytree(root / sub, inspect, dirs_exist_ok=True)
    crs = _json(kubectl(None, "mig-crs", "e13a1b60", "--must-gather", str(inspect), "-o", "json"))
    kinds = {i["kind"] for i in crs["items"]}
    assert {"MigMigration", "MigPlan", "Restore"} <= kinds


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode="w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"x: 1\n") -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    return ti, data


def _special(name: str, kind, link: str = "") -> tuple[tarfile.TarInfo, None]:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    return ti, None


class _Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def test_hostile_archives_are_refused_with_one_line(kubectl, tmp_path):
    outside = Path("/tmp") / f"mig-evil-{uuid.uuid4().hex}"
    cases = {
        "traversal": ([_file("must-gather.local.1/ok.yaml"), _file("must-gather.local.1/../../evil.yaml")],
                      "'..'"),
        "absolute": ([_file(str(outside))], "absolute path"),
        "symlink": ([_file("mg/ok.yaml"), _special("mg/passwd", tarfile.SYMTYPE, "../../../etc/passwd")],
                    "points outside the archive"),
        "abs-symlink": ([_special("mg/passwd", tarfile.SYMTYPE, "/etc/passwd")], "points outside the archive"),
        "hardlink": ([_special("mg/hard", tarfile.LNKTYPE, "../outside")], "points outside the archive"),
        "device": ([_special("mg/sda", tarfile.BLKTYPE)], "device file"),
        "fifo": ([_special("mg/pipe", tarfile.FIFOTYPE)], "device file or FIFO"),
    }
    for name, (members, why) in cases.items():
        archive = _tar(tmp_path / f"{name}.tar.gz", members)
        r = kubectl(None, "mig-verify", MIG, "--must-gather", str(archive))
        assert r.returncode == 1, (name, r.stderr)
        assert r.stderr.count("\n") == 1 and "refusing entry" in r.stderr and why in r.stderr, (name, r.stderr)
        assert "Traceback" not in r.stderr
    assert not outside.exists() and not (tmp_path.parent / "evil.yaml").exists()

    index = json.dumps({"clusters": [{"dir": "../../../../../etc", "roles": ["host"]}]}).encode()
    sneaky = _tar(tmp_path / "sneaky.tar.gz", [_file("mg/gather.json", index)])
    r = kubectl(None, "mig-crs", "--must-gather", str(sneaky))
    assert r.returncode == 1 and "no cluster data found" in r.stderr, r.stderr     # gather.json cannot point out

    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz", compresslevel=1) as tf:
        ti = tarfile.TarInfo("mg/zeros.log")
        ti.size = 200 << 20
        tf.addfile(ti, io.BufferedReader(_Zeros(ti.size), 1 << 20))
    assert bomb.stat().st_size < 2 << 20
    r = kubectl(None, "mig-verify", MIG, "--must-gather", str(bomb))
    assert r.returncode == 1 and "mg/zeros.log" in r.stderr and "decompression bomb" in r.stderr, r.stderr

    big = _tar(tmp_path / "big.tar.gz", [_file("mg/a.log", b"a" * 3_000_000)])
    r = kubectl(None, "mig-verify", MIG, "--must-gather", str(big), env={"MIG_TOOLS_MAX_EXTRACT_BYTES": "1000000"})
    assert r.returncode == 1 and "expands past" in r.stderr, r.stderr


def test_corrupt_or_truncated_archives(gathered, kubectl, tmp_path):
    _, _, tarball = gathered
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(uuid.uuid4().bytes * 100)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tarball.read_bytes()[: tarball.stat().st_size // 2])
    for path in (junk, cut):
        r = kubectl(None, "mig-verify", MIG, "--must-gather", str(path))
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not a readable tar archive" in r.stderr, r.stderr
    r = kubectl(None, "mig-crs", MIG, "--must-gather", str(tmp_path / "absent.tar.gz"))
    assert r.returncode == 1 and "no such file or directory" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = kubectl(None, "mig-crs", MIG, "--must-gather", str(empty))
    assert r.returncode == 1 and "no cluster data found" in r.stderr
