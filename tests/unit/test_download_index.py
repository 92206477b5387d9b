"""mig-logs --output-dir: the logs are redacted, and the tree always has its index.json: written
before the first log, rewritten at the end, left saying `complete: false` on Ctrl-C or a full disk."""

from __future__ import annotations

import _thread
import base64
import errno
import json
import signal
import time

import pytest

from lib.errors import ApiError
from lib.logs.download import download
from lib.logs.select import Target
from tests.redaction_canaries import leaks

T = [Target("source", "velero", "velero-1", "velero", "openshift-migration"),
     Target("source", "restic", "restic-1", "restic", "openshift-migration")]


KNOWN = "CanaryDlKnown0003"        # only a Secret holds it: no rule finds it in a log line
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cloud-credentials", "namespace": "openshift-migration"},
          "data": {"cloud": base64.b64encode(f"[default]\naws_secret_access_key={KNOWN}\n".encode()).decode()}}


class Src:
    namespace = "openshift-migration"

    def __init__(self, fail_with: BaseException | None = None, objects=None, refuse=None):
        self.fail_with = fail_with
        self.objects = {("source", "Secret"): [SECRET]} if objects is None else objects
        self.refuse = refuse or {}           # (role, kind) -> the ApiError listing it raises
        self.listed: list = []

    def roles(self):
        return ["host", "source"]

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        self.listed.append((role, kind, namespace))
        if (role, kind) in self.refuse:
            raise self.refuse[(role, kind)]
        return [x for x in self.objects.get((role, kind), []) if x["metadata"]["namespace"] == namespace]

    def logs(self, cluster, namespace, pod, container, previous=False, **_):
        if previous:
            raise ApiError("previous terminated container not found", 400)
        yield b'level=info msg="Authorization: Bearer CanaryDl0001xyz" password=CanaryDl0002\n'
        yield f'level=info msg="secret in use {KNOWN.upper()} {base64.b64encode(KNOWN.encode()).decode()}"\n'.encode()
        if self.fail_with is not None and pod == "restic-1":
            if isinstance(self.fail_with, KeyboardInterrupt):   # Ctrl-C reaches the main thread
                _thread.interrupt_main()
                time.sleep(0.3)
            else:
                raise self.fail_with
        yield b"level=info msg=done\n"


def test_written_redacted_and_indexed(tmp_path):
    index = download(Src(), T, tmp_path, None)
    assert index["complete"] is True and len(index["files"]) == 2
    text = (tmp_path / "source/velero/velero-1/velero.log").read_bytes()
    assert leaks(text, ["CanaryDl0001xyz", "CanaryDl0002", KNOWN]) == []
    assert b"Authorization: Bearer REDACTED-TOKEN-1" in text
    assert b'msg="secret in use REDACTED-SECRET-DATA-1 REDACTED-SECRET-DATA-1' in text    # upper case, base64
    redaction = json.loads((tmp_path / "index.json").read_text())["redaction"]
    assert redaction["rules"]["password"] == 2 and redaction["rules"]["known-value"] == 4
    assert redaction["learntFrom"] == 1 and redaction["notRead"] == []


def test_the_secrets_are_learnt_in_mtc_namespace_everywhere_and_beside_the_pods_read():
    from lib.logs.secrets import APP_KINDS, MTC_KINDS, learn
    from lib.redact import Redactor

    src = Src()
    learn(src, T + [Target("source", "rsync", "rsync-1", "rsync", "app-ns", whole=True)], Redactor())
    assert sorted(set(src.listed)) == sorted({(role, k, "openshift-migration") for role in ("host", "source")
                                              for k in MTC_KINDS} | {("source", k, "app-ns") for k in APP_KINDS})


def test_a_cluster_not_reached_is_asked_once_and_said_once():
    from lib.logs.secrets import learn
    from lib.redact import Redactor

    src = Src(refuse={("host", "Secret"): ApiError("dial tcp 10.0.0.1:6443: connection refused", 0)})
    learnt = learn(src, T, Redactor())
    assert [(n["cluster"], n["what"]) for n in learnt.not_read] == [("host", "objects in openshift-migration")]
    assert [x for x in src.listed if x[0] == "host"] == [("host", "Secret", "openshift-migration")]
    assert learnt.objects == 1


def test_secrets_that_cannot_be_read_are_said_and_the_logs_still_written_by_the_rules(tmp_path):
    refused = ApiError('secrets is forbidden: User "dev" cannot list "secrets", token=CanaryDlTok0004', 403)
    missing = ApiError("the server could not find the requested resource", 404)
    src = Src(refuse={("source", "Secret"): refused, ("host", "BackupStorageLocation"): missing})
    index = download(src, T, tmp_path, None, failed=[{"cluster": "target", "error": "GET https://u:CanaryDlPw0005@x/"}])
    assert [(n["cluster"], n["what"]) for n in index["redaction"]["notRead"]] == [("source", "Secret in openshift-migration")]
    raw = (tmp_path / "index.json").read_text()
    assert "CanaryDlTok0004" not in raw and "CanaryDlPw0005" not in raw and "forbidden" in raw
    assert KNOWN.upper() in (tmp_path / "source/velero/velero-1/velero.log").read_text()    # unknown, as said


def test_ctrl_c_leaves_the_tree_with_its_index_and_no_part_file(tmp_path):
    # Ctrl-C as in a terminal: a suite started with SIGINT ignored (CI may) has interrupt_main do nothing
    default = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            download(Src(KeyboardInterrupt()), T, tmp_path, None)
    finally:
        signal.signal(signal.SIGINT, default)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["complete"] is False and index["interrupted"] is True
    assert not list(tmp_path.rglob("*.part"))


def test_a_full_disk_is_said_per_file_and_the_index_stays(tmp_path):
    index = download(Src(OSError(errno.ENOSPC, "No space left on device")), T, tmp_path, None)
    assert any("No space left on device" in f["error"] for f in index["failed"])
    assert json.loads((tmp_path / "index.json").read_text())["complete"] is True
    assert not list(tmp_path.rglob("*.part"))
