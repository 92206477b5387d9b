"""When a bundle was gathered, from oc's `timestamp` files and the files' times, when they say a time no clock
can hold or one still to come: the bundle opens, and such a time is not taken as when it was gathered."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from lib.mustgather import open_must_gather

NS = "openshift-migration"
WHEN = dt.datetime(2021, 3, 24, 9, 15, 3, tzinfo=dt.timezone.utc)


def _bundle(tmp_path: Path, stamp: bytes) -> Path:
    top = tmp_path / "bundle"
    core = top / "cluster" / "namespaces" / NS / "core"
    core.mkdir(parents=True)
    pods = core / "pods.yaml"
    pods.write_text(f"apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n"
                    f"  metadata: {{name: velero-1, namespace: {NS}}}\n")
    os.utime(pods, (WHEN.timestamp(), WHEN.timestamp()))
    (top / "timestamp").write_bytes(stamp)
    return top


@pytest.mark.parametrize("stamp", [
    b"9999-12-31 23:59:59.999999999 +0000 UTC m=+0.041234567\n",      # past year 9999 in UTC
    b"9999-12-31 23:59:59 -1400 -14\n",
    b"2999-01-01 00:00:00 +0000 UTC m=+0.1\n",                         # still to come
    b"\xff\xfe garbage \x00\n",
])
def test_a_stamp_no_clock_can_hold_or_still_to_come_is_not_when_it_was_gathered(tmp_path, stamp):
    src = open_must_gather(str(_bundle(tmp_path, stamp)))
    assert src.now == WHEN


def test_a_stamp_among_others_that_cannot_be_is_still_read(tmp_path):
    src = open_must_gather(str(_bundle(tmp_path, b"2021-03-24 10:15:03.5 +0100 CET m=+0.04\n"
                                                 b"9999-12-31 23:59:59 -1400 -14\n")))
    assert src.now == WHEN.replace(microsecond=500000)


def test_a_file_dated_centuries_ahead_is_not_when_it_was_gathered(tmp_path):
    top = _bundle(tmp_path, b"")
    later = top / "cluster" / "namespaces" / NS / "core" / "events.yaml"
    later.write_text("apiVersion: v1\nkind: EventList\nitems: []\n")
    os.utime(later, (15032385535, 15032385535))          # year 2446, the latest ext4 holds
    src = open_must_gather(str(top))
    assert src.now == WHEN


@pytest.mark.parametrize("finished", ["9999-12-31T23:59:59-01:00", "9999-12-31T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_a_gather_json_time_no_clock_holds_falls_back_to_the_files(tmp_path, finished):
    import json
    top = _bundle(tmp_path, b"")
    (top / "cluster" / "namespaces" / NS / "core" / "pods.yaml").rename(top / "pods.yaml")
    (top / "cluster").rename(top / "c1")
    core = top / "c1" / "namespaces" / NS / "core"
    (top / "pods.yaml").rename(core / "pods.yaml")
    (top / "gather.json").write_text(json.dumps({"namespace": NS, "started": "garbage", "finished": finished,
                                                 "clusters": [{"dir": "c1", "name": "c1", "roles": ["host"]}]}))
    assert open_must_gather(str(top)).now == WHEN


def test_a_since_window_reaching_before_year_one_is_the_whole_log(tmp_path):
    import json
    top = _bundle(tmp_path, b"")
    log = top / "cluster" / "namespaces" / NS / "pods" / "velero-1" / "velero" / "velero" / "logs" / "current.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(b'0001-01-01T00:30:00Z time="0001-01-01T00:30:00Z" level=info msg=m\n')
    (top / "cluster").rename(top / "c1")
    (top / "gather.json").write_text(json.dumps({"namespace": NS, "finished": "0001-01-01T01:00:00Z",
                                                 "clusters": [{"dir": "c1", "name": "c1", "roles": ["host"]}]}))
    src = open_must_gather(str(top))
    assert b"msg=m" in b"".join(src.logs("host", NS, "velero-1", "velero", since_seconds=48 * 3600))
