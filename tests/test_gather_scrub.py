"""`kubectl mig-gather --redact PATH`: a bundle the official MTC image made is not scrubbed at all; the
scrubbed copy holds none of issue 6's canaries (planted in the image's own files: inspect's lists,
gather_crs' CRs, gather_logs' logs, Velero's describe output), reads the same with --must-gather, and
`--redaction-map` gives a secret the same placeholder in every bundle of a case."""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest

from lib.gather.scrub import redact_bundle
from lib.mustgather import open_must_gather
from lib.verify import verify
from lib.verify_text import data
from tests import mtc_bundles as mb
from tests.test_gather_redaction import CANARIES, CLOUD_FILE, DOCKER, PEM

C = CANARIES
NS = mb.NS
MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
VELERO = "velero-7d9c4b8f5-x2x7q"


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _forms(value: str) -> set:
    return {value, _b64(value), _b64(value).rstrip("=")}


def planted(tmp: Path) -> dict:
    """restic-timeout with the canaries where a customer's clusters hold them."""
    sc = copy.deepcopy(mb.load("restic-timeout"))
    objs = sc["objects"]
    objs["source"].append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"cloud": _b64(CLOUD_FILE)},
                           "metadata": {"name": "cloud-credentials", "namespace": NS}})
    objs["host"] += [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ocp3-source-sa", "namespace": NS},
         "type": "Opaque", "stringData": {"saToken": C["C3"]}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pull", "namespace": NS},
         "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": _b64(DOCKER)}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "copied-config", "namespace": NS},
         "data": {"kubeconfig": "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
                                f"    token: {C['C5']}\n    client-key-data: {C['C6']}\n", "tls.key": PEM}}]
    for x in objs["source"]:
        if x["kind"] == "Pod" and x["metadata"]["name"] == VELERO:
            x["spec"]["containers"][0]["env"] = [{"name": "AWS_SECRET_ACCESS_KEY", "value": C["C8"]},
                                                 {"name": "DB_PASSWORD", "value": C["C9"]},
                                                 {"name": "LOG_LEVEL", "value": "debug"}]
        if x["kind"] == "BackupStorageLocation":
            x["spec"].setdefault("config", {})["s3Url"] = f"https://minio:{C['C10']}@minio.example.com:9000"
    for x in objs["host"]:
        if x["kind"] == "MigStorage":
            x["metadata"].setdefault("annotations", {})["note"] = f"tested with Authorization: Bearer {C['C11']}"
    key = f"{NS}/{VELERO}/velero"
    log = tmp / "velero.log"
    lines = [f'2019-09-02T11:11:00Z time="2019-09-02T11:11:00Z" level=info msg="loaded token {C["C12"]}"',
             f'2019-09-02T11:11:01Z header="Authorization: Bearer {C["C13"]}"',
             f'2019-09-02T11:11:02Z msg="using access key {C["C14"]}"',
             f'2019-09-02T11:11:03Z msg="db login" password={C["C15"]}',
             f'2019-09-02T11:11:04Z msg="repo s3://restic:{C["C16"]}@bucket/restic"',
             f'2019-09-02T11:11:05Z msg="oauth" token={C["C18"]}',
             f'2019-09-02T11:11:06Z msg="credentials file mentions {C["C2"]}"',
             "2019-09-02T11:11:07Z -----BEGIN PRIVATE KEY-----", C["C17"], "BBBBCCCC", "-----END PRIVATE KEY-----"]
    log.write_text(sc["logs"]["source"][key].read_text() + "\n".join(lines) + "\n")
    sc["logs"]["source"][key] = log
    return sc


def _blob(root: Path) -> bytes:
    out = []
    for p in root.rglob("*"):
        if p.is_file():
            out.append(p.read_bytes())
            if p.name.endswith(".tar.gz"):
                with tarfile.open(p) as tf:
                    out += [tf.extractfile(m).read() for m in tf if m.isfile()]
    return b"\n".join(out)


def _leaks(blob: bytes) -> list:
    found = [k for k, v in CANARIES.items() for f in _forms(v) if f.encode() in blob]
    return found + [f[:20] for f in _forms(CLOUD_FILE) | _forms(DOCKER) | _forms(PEM) if f.encode() in blob]


def test_the_official_images_bundle_is_scrubbed_and_still_reads(tmp_path, kubectl):
    top = mb.must_gather_local(tmp_path / "in", "restic-timeout", "2021-03", scenario=planted(tmp_path))
    tgz = mb.tar_of(top, tmp_path / "case-0042.tar.gz")
    assert len(_leaks(_blob(tmp_path / "in"))) >= 15        # the image scrubs nothing
    mapping = tmp_path / "keys" / "case-0042.map.json"
    r = kubectl(None, "mig-gather", "--redact", str(tgz), "--dest-dir", str(tmp_path / "out"),
                "--redaction-map", str(mapping))
    assert r.returncode == 0, r.stderr
    out_dir, out_tgz = (Path(x) for x in r.stdout.split())
    assert out_dir.name == "case-0042.redacted" and out_tgz.name == "case-0042.redacted.tar.gz"
    assert _leaks(_blob(tmp_path / "out")) == []
    report = json.loads((out_dir / "mig-tools-redaction.json").read_text())
    for rule in ("secret-data", "jwt", "token", "aws-access-key", "aws-secret-key", "password", "url-password",
                 "private-key"):
        assert report["redaction"]["rules"].get(rule, 0) > 0, (rule, report)
    assert report["archivesExpanded"] and "redacted:" in r.stderr
    assert oct(mapping.stat().st_mode & 0o777) == "0o600"
    assert _leaks(mapping.read_bytes()) == []          # the mapping holds digests, no secret
    assert len(json.loads(mapping.read_text())["placeholders"]) >= 8
    # the evidence survives and the same secret reads the same in a Secret and in a log line
    text = _blob(out_dir).decode("utf-8", "replace")
    assert "timed out waiting for all PodVolumeBackups to complete" in text and "LOG_LEVEL" in text
    cloud = re.search(r"cloud: (REDACTED-SECRET-DATA-\d+)", text).group(1)
    assert f"credentials file mentions {cloud}" in text
    v = kubectl(None, "mig-verify", MIG, "-o", "json", "--must-gather", str(out_tgz))
    assert {"migration-failed", "restic-timeout"} <= {f["id"] for f in json.loads(v.stdout)["findings"]}, v.stderr

    # a second bundle of the same case (oc adm inspect of the host, zipped): the same placeholders
    inspect = tmp_path / "inspect.local.77"
    shutil.copytree(top.parent / "staging" / "must-gather" / "clusters" / "host", inspect)
    zipped = mb.zip_of(inspect, tmp_path / "inspect.zip")
    r2 = kubectl(None, "mig-gather", "--redact", str(zipped), "--dest-dir", str(tmp_path / "out2"),
                 "--redaction-map", str(mapping), "--no-archive")
    assert r2.returncode == 0 and "known values keep their placeholders" in r2.stderr, r2.stderr
    text2 = _blob(Path(r2.stdout.split()[0])).decode()
    assert _leaks(text2.encode()) == []
    token = re.search(r"saToken: (REDACTED-[A-Z-]+-\d+)", text).group(1)
    assert f"saToken: {token}" in text2
    assert open_must_gather(r2.stdout.split()[0]).list("host", "MigCluster", NS)     # (MigMigrations: migplans/)


@pytest.mark.parametrize("gen", mb.GENERATIONS)
def test_every_generation_of_the_image_is_scrubbed(tmp_path, gen):
    top = mb.must_gather_local(tmp_path / "in", "restic-timeout", gen, scenario=planted(tmp_path))
    host_only = gen == "2020-03"       # release-1.2.0/1.2.1 (447a846) gathered the host only: not the source's
    assert len(_leaks(_blob(tmp_path / "in"))) >= (5 if host_only else 15)
    out, err = io.StringIO(), io.StringIO()
    assert redact_bundle(str(top), str(tmp_path / "out"), str(tmp_path / "map.json"), archive=False,
                         out=out, err=err) == 0, err.getvalue()
    result = Path(out.getvalue().split()[0])
    assert _leaks(_blob(result)) == []
    src = open_must_gather(str(result))
    ids = {f["id"] for f in data(verify(src, MIG), True)["findings"]}
    assert ({"migration-failed"} if host_only else {"migration-failed", "restic-timeout", "velero-backup-failed"}) \
        <= ids, ids


def test_redact_refuses_what_it_cannot_do_with_one_line(tmp_path, kubectl):
    r = kubectl(None, "mig-gather", "--redact", str(tmp_path / "absent"), "--dest-dir", str(tmp_path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no such file" in r.stderr
    r = kubectl(None, "mig-gather", "--redact", str(tmp_path), "--namespaces")
    assert r.returncode == 64 and r.stderr.count("\n") == 1
    bad_map = tmp_path / "map.json"
    bad_map.write_text('["not", "a", "mapping"]')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.log").write_text("password=hunter2hunter2\n")
    r = kubectl(None, "mig-gather", "--redact", str(tmp_path / "b"), "--redaction-map", str(bad_map),
                "--dest-dir", str(tmp_path / "o"))
    assert r.returncode == 1 and "--redaction-map" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    evil = mb.tar_bytes({"../../escape.log": b"x\n"})
    (tmp_path / "evil.tar.gz").write_bytes(evil)
    r = kubectl(None, "mig-gather", "--redact", str(tmp_path / "evil.tar.gz"), "--dest-dir", str(tmp_path / "o"))
    assert r.returncode == 1 and "refusing entry" in r.stderr and not (tmp_path.parent / "escape.log").exists()
