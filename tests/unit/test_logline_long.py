"""logline.parse: the same fields as before, and a 10 MB line costs memory of the order of the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
