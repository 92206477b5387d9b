"""A 429 whose Retry-After no sleep can take (negative, NaN, an HTTP date) is waited out with the usual
backoff, then retried: it used to end the command with `unexpected ValueError` from time.sleep."""

from __future__ import annotations

import json

import pytest

from plugins import mig_verify


def _verify(s, capsys) -> tuple[int, dict]:
    code = mig_verify.main(["e13a1b60", "--kubeconfig", s.kubeconfig, "-o", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("retry_after", [-1, float("nan"), "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_retry_after_no_sleep_can_take_is_the_usual_backoff(sim, capsys, retry_after):
    s = sim("restic-timeout")
    s.fault("host", method="GET", path="migmigrations", status=429, retry_after=retry_after, times=1)
    got, report = _verify(s, capsys)
    assert got == 1 and report["verdict"] == "FAILED", report
