"""mig-logs --output-dir: the logs are redacted, and the tree always has its index.json: written
before the first log, rewritten at the end, left saying `complete: false` on Ctrl-C or a full disk."""

from __future__ import annotations

import _thread
import errno
import json
import time

import pytest

from lib.logs.download import download
from lib.logs.select import Target

T = [Target("source", "velero", "velero-1", "velero", "openshift-migration"),
     Target("source", "restic", "restic-1", "restic", "openshift-migration")]


class Src:
    def __init__(self, fail_with: BaseException | None = None):
        self.fail_with = fail_with

    def logs(self, cluster, namespace, pod, container, previous=False, **_):
        if previous:
            from lib.errors import ApiError

            raise ApiError("previous terminated container not found", 400)
        yield b'level=info msg="Authorization: Bearer CanaryDl0001xyz" password=CanaryDl0002\n'
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
    assert b"Canary" not in text and b"Authorization: Bearer REDACTED-TOKEN-1" in text
    assert json.loads((tmp_path / "index.json").read_text())["redaction"]["rules"]["password"] == 2


def test_ctrl_c_leaves_the_tree_with_its_index_and_no_part_file(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        download(Src(KeyboardInterrupt()), T, tmp_path, None)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["complete"] is False and index["interrupted"] is True
    assert not list(tmp_path.rglob("*.part"))


def test_a_full_disk_is_said_per_file_and_the_index_stays(tmp_path):
    index = download(Src(OSError(errno.ENOSPC, "No space left on device")), T, tmp_path, None)
    assert any("No space left on device" in f["error"] for f in index["failed"])
    assert json.loads((tmp_path / "index.json").read_text())["complete"] is True
    assert not list(tmp_path.rglob("*.part"))
