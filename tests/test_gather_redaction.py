"""Secrets never leave a cluster: 18 canaries planted in objects and logs of the emulated clusters,
in every form the redaction rules cover, are nowhere in the gathered tarball; the same secret gets
the same placeholder everywhere, and the mapping (kept outside the bundle) leads back to them."""

from __future__ import annotations

import base64
import json
import re
import tarfile
from pathlib import Path

from tests.conftest import bundle_of, gather

NS = "openshift-migration"
CLOUD_FILE = ("[default]\naws_access_key_id=AKIACANARY0000000001\n"
              "aws_secret_access_key=CanarySecretKey0002/abcdefghijklmnopqrst\n")
DOCKER = json.dumps({"auths": {"registry.example.com": {
    "auth": base64.b64encode(b"user:canarypass0004").decode()}}})
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEcanaryPrivateKeyBody0007\nAAAA\n-----END RSA PRIVATE KEY-----\n"
CANARIES = {
    "C1": "AKIACANARY0000000001", "C2": "CanarySecretKey0002/abcdefghijklmnopqrst",
    "C3": "eyJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiIwMDAzIn0.Q2FuYXJ5U2lnMDAwMw", "C4": "canarypass0004",
    "C5": "canary-kubeconfig-token-0005", "C6": "Q0FOQVJZLUNMSUVOVC1LRVktMDAwNg", "C7": "MIIEcanaryPrivateKeyBody0007",
    "C8": "canaryAwsSecretEnv0008", "C9": "canaryDbPassword0009", "C10": "canaryUrlPassword0010",
    "C11": "canaryBearerAnnotation0011", "C12": "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiIwMDEyIn0.c2lnMDAxMg",
    "C13": "canaryBearerLog0013", "C14": "AKIACANARYLOG0000014", "C15": "canaryLogPassword0015",
    "C16": "canaryLogUrlPass0016", "C17": "MIIEcanaryLogKeyBody0017", "C18": "sha256~canaryOpenShiftToken0018abcdef",
}
C = CANARIES


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def plant(s) -> None:
    s.put("source", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cloud-credentials", "namespace": NS},
                     "type": "Opaque", "data": {"cloud": _b64(CLOUD_FILE)}})
    s.put("host", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ocp3-source-sa", "namespace": NS},
                   "type": "Opaque", "stringData": {"saToken": C["C3"]}})
    s.put("host", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pull", "namespace": NS},
                   "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": _b64(DOCKER)}})
    kubeconfig = ("apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
                  f"    token: {C['C5']}\n    client-key-data: {C['C6']}\n")
    s.put("host", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "copied-config", "namespace": NS},
                   "data": {"kubeconfig": kubeconfig, "tls.key": PEM}})
    velero = s.get("source", "Pod", "velero-7d9c4b8f5-x2x7q", NS)
    velero["spec"]["containers"][0]["env"] = [{"name": "AWS_SECRET_ACCESS_KEY", "value": C["C8"]},
                                              {"name": "DB_PASSWORD", "value": C["C9"]},
                                              {"name": "LOG_LEVEL", "value": "debug"}]
    s.put("source", velero)
    bsl = s.get("source", "BackupStorageLocation", "myrepo-vpzq9", NS)
    bsl["spec"]["config"]["s3Url"] = f"https://minio:{C['C10']}@minio.example.com:9000"
    s.put("source", bsl)
    storage = s.get("host", "MigStorage", "myrepo", NS)
    storage["metadata"].setdefault("annotations", {})["note"] = f"tested with Authorization: Bearer {C['C11']}"
    s.put("host", storage)
    lines = [f'time="2019-09-02T11:11:00Z" level=info msg="loaded token {C["C12"]}"',
             f'time="2019-09-02T11:11:01Z" level=debug msg="request" header="Authorization: Bearer {C["C13"]}"',
             f'time="2019-09-02T11:11:02Z" level=info msg="using access key {C["C14"]}"',
             f'time="2019-09-02T11:11:03Z" level=info msg="db login" password={C["C15"]}',
             f'time="2019-09-02T11:11:04Z" level=info msg="repo s3://restic:{C["C16"]}@bucket/restic"',
             f'time="2019-09-02T11:11:05Z" level=info msg="oauth" token={C["C18"]}',
             f'time="2019-09-02T11:11:06Z" level=warning msg="credentials file mentions {C["C2"]}"',
             "-----BEGIN PRIVATE KEY-----", C["C17"], "BBBBCCCC", "-----END PRIVATE KEY-----"]
    for ln in lines:
        s.append_log("source", NS, "velero-7d9c4b8f5-x2x7q", "velero", ln)
    s.append_log("target", NS, "velero-6c7b5d9d4f-qk2mz", "velero",
                 f'time="2019-09-02T11:12:00Z" level=debug msg="request" header="Authorization: Bearer {C["C13"]}"')


def _forms(value: str) -> set[str]:
    return {value, _b64(value), _b64(value).rstrip("=")}


def test_no_canary_anywhere_in_the_bundle_and_placeholders_are_consistent(sim, kubectl, tmp_path):
    assert len(CANARIES) >= 15
    s = sim("restic-timeout")
    plant(s)
    r = gather(kubectl, s, tmp_path / "out")
    assert r.returncode == 0, r.stderr
    _, tarball = bundle_of(r)
    extracted = tmp_path / "x"
    with tarfile.open(tarball) as tf:
        tf.extractall(extracted)
    files = [p for p in extracted.rglob("*") if p.is_file()]
    blob = b"\n".join(p.read_bytes() for p in files)
    for key, value in CANARIES.items():
        for form in _forms(value):
            assert form.encode() not in blob, f"canary {key} ({form}) leaked"
    for form in _forms(CLOUD_FILE) | _forms(DOCKER) | _forms(PEM):
        assert form.encode() not in blob
    text = blob.decode("utf-8", "replace")

    # Evidence stays useful: the same secret, the same placeholder, across files and clusters.
    root = next(extracted.iterdir())
    src_log = (root / "source_ocp3-source/namespaces/openshift-migration/pods/velero-7d9c4b8f5-x2x7q/velero/velero/logs"
               "/current.log").read_text()
    tgt_log = (root / "target_ocp4-target/namespaces/openshift-migration/pods/velero-6c7b5d9d4f-qk2mz/velero/velero"
               "/logs/current.log").read_text()
    bearer = re.findall(r"Bearer (REDACTED-[A-Z-]+-\d+)", src_log)
    assert bearer and bearer == re.findall(r"Bearer (REDACTED-[A-Z-]+-\d+)", tgt_log)
    secret_yaml = (root / "source_ocp3-source/namespaces/openshift-migration/core/secrets.yaml").read_text()
    cloud_ph = re.search(r"cloud: (REDACTED-SECRET-DATA-\d+)", secret_yaml).group(1)
    assert f"credentials file mentions {cloud_ph}" in src_log
    env_yaml = (root / "source_ocp3-source/namespaces/openshift-migration/pods/velero-7d9c4b8f5-x2x7q/"
                "velero-7d9c4b8f5-x2x7q.yaml").read_text()
    assert "LOG_LEVEL" in env_yaml and "value: debug" in env_yaml          # only secrets go
    assert "timed out waiting for all PodVolumeBackups to complete" in src_log
    assert "REDACTED-PRIVATE-KEY-" in src_log and "BBBBCCCC" not in text

    idx = json.loads((root / "gather.json").read_text())
    rules = idx["redaction"]["rules"]
    for rule in ("secret-data", "jwt", "token", "aws-access-key", "aws-secret-key", "password", "url-password",
                 "private-key"):
        assert rules.get(rule, 0) > 0, (rule, rules)
    # The mapping is on this machine only, and holds digests, no secret.
    mapping_path = Path(r.stderr.split("not in the bundle): ")[1].split()[0])
    kept = mapping_path.read_text()
    assert not [k for k, v in CANARIES.items() if v in kept]
    assert len(json.loads(kept)["placeholders"]) >= 10
    assert not [p for p in files if p.name == mapping_path.name]


def test_no_redact_must_be_explicit(sim, kubectl, tmp_path):
    s = sim("sock-shop-success")
    s.put("host", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": NS},
                   "type": "Opaque", "data": {"k": _b64(C["C9"])}})
    r = gather(kubectl, s, tmp_path / "out", "--no-redact", "--no-archive")
    assert r.returncode == 0 and "secrets are in the bundle in clear" in r.stderr
    root, _ = bundle_of(r)
    assert _b64(C["C9"]) in (root / "host_host/namespaces/openshift-migration/core/secrets.yaml").read_text()
    assert json.loads((root / "gather.json").read_text())["redaction"]["enabled"] is False


def test_the_canary_suite_leaves_no_form_of_any_secret_in_the_tarball_or_on_stderr(sim, kubectl, tmp_path):
    """tests/redaction_canaries.py: 45 forms planted in Secrets, ConfigMaps (keys, binaryData,
    kubeconfigs), annotations, last-applied configurations, env, args, CR fields, events and
    logs (a 2.4 MB line among them); none survives in raw, any case, base64 at any alignment,
    URL-encoded or JSON-escaped form, and the evidence around them stays readable."""
    from tests import redaction_canaries as rc

    s = sim("restic-timeout")
    rc.plant(s)
    r = gather(kubectl, s, tmp_path / "out")
    assert r.returncode == 0, r.stderr
    root, tarball = bundle_of(r)
    with tarfile.open(tarball) as tf:
        packed = b"\n".join(tf.extractfile(m).read() for m in tf.getmembers() if m.isfile())
    on_disk = b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    for blob in (packed, on_disk, r.stderr.encode(), r.stdout.encode()):
        assert rc.leaks(blob) == []
    for kept in ("secret=openshift-migration/cloud-credentials", "keyFile=/etc/pki/tls/private/server.key",
                 "signature-algorithm=RS256", "credentialsSecret: cloud-credentials", "key: cloud",
                 "sessionAffinity: ClientIP", "secretName: velero-restic-credentials"):
        assert kept.encode() in packed, kept
    rules = json.loads((root / "gather.json").read_text())["redaction"]["rules"]
    for rule in ("last-applied", "binary-data", "signature", "url-password", "known-value", "private-key"):
        assert rules.get(rule, 0) > 0, (rule, rules)


def test_an_error_quoting_a_migcluster_url_carries_no_password_in_gather_json(sim, kubectl, tmp_path):
    """A MigCluster that cannot be reached: its error quotes `spec.url`; gather.json lists it at the top and
    under its cluster, report.html and stderr say it: none carries the password."""
    s = sim("sock-shop-success")
    mc = s.get("host", "MigCluster", "ocp4-target", NS)
    mc["spec"]["url"] = "https://admin:CanaryGatherUrl89qR@127.0.0.1:9"        # nothing listens there
    s.put("host", mc)
    r = gather(kubectl, s, tmp_path / "out", "--no-archive", "--request-timeout", "2")
    root, _ = bundle_of(r)
    index = json.loads((root / "gather.json").read_text())
    quoted = [m["why"] for c in index["clusters"] for m in c["missing"]] + [m["why"] for m in index["missing"]]
    assert any("https://admin:REDACTED-URL-PASSWORD-" in w for w in quoted), quoted
    blob = b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert b"CanaryGatherUrl89qR" not in blob + (r.stdout + r.stderr).encode()


def test_the_canary_suite_leaves_nothing_in_verbose_request_logs(sim, kubectl, tmp_path):
    """-v 8 logs every request and body on stderr: mig-gather holds them until every object is read, so an
    event's message listed before the Secret whose value it repeats is masked too."""
    from tests import redaction_canaries as rc

    s = sim("restic-timeout")
    rc.plant(s)
    r = gather(kubectl, s, tmp_path / "out", "--no-archive", "-v", "8")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Response Body: " in r.stderr and "SecretList" in r.stderr
    assert rc.leaks(r.stderr.encode()) == []
