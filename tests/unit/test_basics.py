"""Readers, durations, renderers and flags: the small shared pieces every plugin uses."""

import io
import json

import pytest

from lib import flags, logline, render
from lib import objects as o
from lib.errors import UsageError


@pytest.mark.parametrize("secs,text", [(5, "5s"), (119, "119s"), (402, "6m42s"), (600, "10m"),
                                        (3 * 3600 + 240, "3h4m"), (30 * 3600, "30h"), (2 * 86400 + 3600, "2d1h"),
                                        (45 * 86400, "45d"), (3 * 365 * 86400 + 20 * 86400, "3y20d")])
def test_human_duration_matches_kubectl(secs, text):
    assert o.human_duration(secs) == text


def test_parse_time_accepts_nanoseconds_and_epoch():
    assert o.parse_time("2020-05-01T20:49:12.123456789Z").microsecond == 123456
    assert o.parse_time(1567040555).year == 2019
    assert o.parse_time("garbage") is None


def test_table_pads_columns_and_hides_wide_ones():
    out = io.StringIO()
    cols = [render.Column("NAME", lambda r: r[0]), render.Column("X", lambda r: r[1], wide=True)]
    render.table([("a", 1), ("long-name", 2)], cols, out=out)
    assert out.getvalue() == "NAME\na\nlong-name\n"
    out = io.StringIO()
    render.table([("a", 1)], cols, wide=True, out=out)
    assert out.getvalue().splitlines()[1].split() == ["a", "1"]


def test_json_output_is_a_kubectl_list():
    out = io.StringIO()
    render.objects([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}], "json", out)
    data = json.loads(out.getvalue())
    assert data["kind"] == "List" and data["items"][0]["metadata"]["name"] == "p"
    out = io.StringIO()
    render.objects([{"apiVersion": "velero.io/v1", "kind": "Backup", "metadata": {"name": "b"}}], "name", out)
    assert out.getvalue() == "backup.velero.io/b\n"


def test_unknown_output_format_is_a_usage_error():
    with pytest.raises(UsageError):
        render.check_format("xml")


@pytest.mark.parametrize("text,secs", [("30s", 30), ("1h30m", 5400), ("250ms", 0.25), ("90", 90)])
def test_durations(text, secs):
    assert flags.duration(text) == secs


def test_bad_flag_is_one_line_usage_error():
    p = flags.parser("kubectl mig-x", "d", "  kubectl mig-x")
    with pytest.raises(UsageError) as e:
        p.parse_args(["--request-timeout", "soon"])
    assert "\n" not in e.value.message and e.value.code == 64


def test_logrus_line_with_quotes_and_dots():
    line = logline.parse('time="2019-08-29T01:02:40Z" level=error msg="Error backing up item" '
                         'backup=openshift-migration/b1 error="timed out waiting for all PodVolumeBackups to complete" '
                         'error.file="/go/src/github.com/heptio/velero/pkg/restic/backupper.go:165" group=v1')
    assert (line.level, line.msg, line.time) == ("error", "Error backing up item", "2019-08-29T01:02:40Z")
    assert line.fields["error.file"].endswith("backupper.go:165")
    assert logline.at_least(line, "warning") and not logline.at_least(logline.parse('level=info msg=x'), "error")
    assert logline.at_least(logline.parse("not structured"), "error")


def test_since_is_whole_seconds_rounded_up():
    """mig-logs --since 500ms sent sinceSeconds=0, which the API server refuses for every container."""
    assert [flags.since_seconds(flags.duration(t)) for t in ("500ms", "1.2s", "1h")] == [1, 2, 3600]
    assert flags.since_seconds(None) is None and flags.since_seconds(0) is None


@pytest.mark.parametrize("argv", [["--since", "99999999999999999999h"], ["--since", "9" * 400 + "h"],
                                  ["--since", "9" * 400], ["--tail", "99999999999999999999999"],
                                  ["--since-time", "2021-13-45T99:99:99Z"], ["--since-time", "9999-12-31T23:59:59-01:00"]])
def test_a_number_or_time_past_what_kubectl_takes_is_one_usage_line(argv, capsys):
    # they were `unexpected OverflowError` / `unexpected ValueError: cannot convert float NaN`, or no error at all
    from plugins import mig_logs
    with pytest.raises(UsageError) as e:
        mig_logs.main(["mig-1", "--must-gather", "/nonexistent"] + argv)
    assert "\n" not in e.value.message and argv[0] in e.value.message, e.value.message
    assert flags.duration("2562047h") == 2562047 * 3600 and flags.int64("9223372036854775807") == (1 << 63) - 1
