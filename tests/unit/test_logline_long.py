"""logline.parse: the same fields as before, and a 10 MB line costs memory of the order of the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lib import logline
from lib import objects as o
from lib.logline import parse

ROOT = Path(__file__).resolve().parents[2]


def test_pairs_quoted_escaped_unterminated_and_inside_tokens():
    ln = parse('time="2019-09-02T11:10:42Z" level=error msg="a \\"quoted\\" b" path=a/b=c x="open err=1 '
               'url=http://h/?a=b')
    assert ln.level == "error" and ln.msg == 'a "quoted" b' and ln.time == "2019-09-02T11:10:42Z"
    assert ln.fields["path"] == "a/b=c" and ln.fields["x"] == '"open'      # unterminated: one word
    assert "err" in ln.fields and ln.fields["url"] == "http://h/?a=b" and "a" not in ln.fields


def test_a_10_mb_line_costs_tens_of_megabytes_not_gigabytes():
    code = ("import resource, sys; sys.path.insert(0, sys.argv[1]); from lib.logline import parse\n"
            "line = 'level=info msg=\"' + 'a b\\\\\"c ' * 1_500_000 + '\" x=1 ' + 'abc/def.x-' * 1_000_000\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "ln = parse(line)\n"
            "assert ln.msg.count('\"') == 1_500_000 and ln.fields['x'] == '1'\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) < 100, f"parse of a 20 MB line grew the peak RSS by {r.stdout.strip()} MB"


def test_controller_ts_in_epoch_seconds_and_in_epoch_milliseconds():
    """mig-controller's zap `ts`: epoch seconds (float) up to MTC 1.4.2, rounded epoch milliseconds from 1.4.3
    (pkg/zapmod/logger.go EpochMillisRoundedTimeEncoder, mig-controller 714957786)."""
    # https://github.com/migtools/mig-controller/pull/698 (a comment's `oc logs ... -c cam`)
    old = parse('{"level":"info","ts":1602694266.5340188,"logger":"kubebuilder.controller","msg":"Starting EventSource",'
                '"controller":"migstorage-controller","source":"kind source: /, Kind="}')
    assert old.time == "2020-10-14T16:51:06.534019Z"
    # https://github.com/migtools/mig-controller/pull/1045 (the description's line, its display line breaks joined)
    new = parse('{"level":"info","ts":1617223088168,"logger":"directvolume|78jbc","msg":"Getting Rsync Password from '
                'Secret on host MigCluster","dvm":"56dcf8d0-9260-11eb-b77e-f5309eab2e0b-tjx7r","migMigration":'
                '"56dcf8d0-9260-11eb-b77e-f5309eab2e0b","phase":"RunRsyncOperations","secret":""}')
    assert new.time == "2021-03-31T20:38:08.168000Z" and new.level == "info"
    assert new.fields["migMigration"] == "56dcf8d0-9260-11eb-b77e-f5309eab2e0b"


def test_client_go_klog_lines_of_restic_and_velero_pods_have_a_level():
    """Up to Velero 1.15 client-go's klog lines go to the pod's stderr as they are (1.16+ routes them through
    logrus): an error must not pass as an unparsed line, nor be missed because it does not say "error"."""
    # https://github.com/openshift/oadp-operator/issues/56 (restic pods)
    e = parse('E1017 21:12:21.537230       1 reflector.go:382] pkg/mod/k8s.io/client-go@v0.18.4/tools/cache/'
              'reflector.go:125: Failed to watch *v1.PersistentVolumeClaim: Get "https://172.30.0.1:443/api/v1/'
              'persistentvolumeclaims?allowWatchBookmarks=true&resourceVersion=421870593&timeout=7m21s&'
              'timeoutSeconds=441&watch=true": dial tcp 172.30.0.1:443: connect: connection refused')
    assert e.level == "error" and e.fields == {"caller": "reflector.go:382"}
    assert e.msg.startswith("pkg/mod/k8s.io/client-go@v0.18.4/tools/cache/reflector.go:125: Failed to watch")
    # https://github.com/vmware-tanzu/velero/issues/4072 (velero server)
    w = parse('W0827 22:18:53.227257       1 reflector.go:424] pkg/mod/k8s.io/client-go@v0.19.12/tools/cache/'
              'reflector.go:156: watch of *v1.PersistentVolumeClaim ended with: very short watch: pkg/mod/k8s.io/'
              'client-go@v0.19.12/tools/cache/reflector.go:156: Unexpected watch close - watch lasted less than a '
              'second and no items received', "2021-08-27T22:18:53.227257Z")
    assert w.level == "warning" and w.time == "2021-08-27T22:18:53.227257Z"
    assert parse("Ignoring this: E1017 21:12:21.537230 1 x.go:1] y").level == ""


def test_errors_logged_at_info_pass_an_error_level_filter():
    """mig-controller's liberr-wrapped errors are written at info with "error" and "stacktrace" (konveyor/controller
    pkg/logging Logger.Error: Real.Info); Velero v1.1 wrote item errors at info (pkg/restore/restore.go:1094
    Infof("error restoring %s: %v"))."""
    from lib.logline import at_least, severity

    # https://github.com/migtools/mig-controller/issues/918 (the stacktrace cut after its first frame)
    ctl = parse('{"level":"info","ts":1611442849.2483509,"logger":"direct|z9pwb","msg":"","direct":"openshift-migration/'
                '0e44ae00-5dc3-11eb-9ca8-df7e5254778b-7qtx8","error":"ConfigMap \\"migration-controller\\" not found",'
                '"stacktrace":"\\ngithub.com/konveyor/mig-controller/pkg/controller/directvolumemigration.(*Task).Run()'
                '\\n\\t/Users/jmatthews/git/jwmatthews/mig-controller/pkg/controller/directvolumemigration/task.go:314"}')
    assert ctl.level == "info" and severity(ctl) == "error" and at_least(ctl, "error")
    velero = parse('time="2019-09-02T11:10:42Z" level=info msg="error restoring web: services \\"web\\" already exists" '
                   'logSource="pkg/restore/restore.go:1094" restore=openshift-migration/r1')
    assert at_least(velero, "error")
    for raw in ('{"level":"info","ts":1617223088168,"logger":"directvolume|78jbc","msg":"Getting Rsync Password from '
                'Secret on host MigCluster","secret":""}',
                'time="2019-09-02T11:10:42Z" level=info msg="Restore completed" restore=openshift-migration/r1'):
        assert not at_least(parse(raw), "warning")


@pytest.mark.parametrize("line", [
    '{"level":"info","ts":1' + "0" * 400 + ',"msg":"m"}',                  # an int no float holds
    '{"level":"info","ts":true,"msg":"m"}',                                 # true is no time
    '{"level":"info","ts":NaN,"msg":"m"}', '{"level":"info","ts":-Infinity,"msg":"m"}',
    '{"level":"info","time":"0001-01-01T00:00:00+14:00","msg":"m"}',       # before year 1 in UTC
    'time="9999-12-31T23:59:59-01:00" level=info msg=m',                   # after year 9999 in UTC
])
def test_a_time_no_clock_holds_is_no_time(line):
    parsed = logline.parse(line)
    assert (parsed.time, parsed.level, parsed.msg) == ("", "info", "m")
    assert logline.parse(line, "2021-03-31T20:38:08Z").time == "2021-03-31T20:38:08Z"     # the API server's


def test_parse_time_takes_no_bool_and_no_time_outside_utc():
    assert o.parse_time(True) is None and o.parse_time(False) is None
    assert o.parse_time("0001-01-01T00:00:00+14:00") is None and o.parse_time("9999-12-31T23:59:59-01:00") is None
    assert o.parse_time("2021-03-24T10:15:03+01:00") == o.parse_time("2021-03-24T09:15:03Z")


def test_a_json_line_nested_past_the_decoder_s_stack_is_an_unparsed_line():
    line = '{"level":"error","msg":' + "[" * 100000 + "]" * 100000 + "}"
    parsed = parse(line)
    assert (parsed.level, parsed.msg) == ("", line)


def test_times_before_year_1000_keep_four_digits():
    # strftime's %Y writes year 1 as "1": "1-01-01T00:00:00Z" sorted after every RFC 3339 time
    assert o.format_time(o.parse_time("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00Z"
    assert parse('time="0999-01-01T00:00:00.5Z" level=info msg=x').time == "0999-01-01T00:00:00.500000Z"
