"""A check whose read a cluster does not answer (503, a dropped connection) or refuses (403) is
`unchecked`, and the exit code says the report is partial (69, 77): it used to be the verdict's,
so a 503 on a pod list turned a FAILED migration into SUCCEEDED with exit 0, and
`oc mig-verify X && oc delete ...` would have gone ahead."""

from __future__ import annotations

import json

import pytest

from plugins import mig_verify

NGINX = "e13a1b60"      # restic-timeout's earlier migration: FAILED, its namespace is missing on the target


def _verify(s, capsys) -> tuple[int, dict]:
    code = mig_verify.main([NGINX, "--kubeconfig", s.kubeconfig, "-o", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("fault, code", [
    ({"status": 503}, 69),
    ({"drop": True}, 69),
    ({"status": 403}, 77),
])
def test_a_check_left_unchecked_by_a_cluster_makes_the_report_partial(sim, capsys, fault, code):
    s = sim("restic-timeout")
    assert _verify(s, capsys)[0] == 1                                  # target-incomplete: FAILED
    for cluster in ("source", "target"):
        s.fault(cluster, method="GET", path=r"/(pods|persistentvolumeclaims)$", **fault)
    got, report = _verify(s, capsys)
    assert got == code and report["exitCode"] == code, report
    assert any("target-incomplete" in u for u in report["unchecked"]), report["unchecked"]


def test_a_missing_log_is_not_a_partial_report(sim, capsys):
    s = sim("restic-timeout")
    s.fault("source", method="GET", path=r"/log$", status=404)
    got, report = _verify(s, capsys)
    assert got == report["exitCode"] == {"FAILED": 1, "SUCCEEDED WITH WARNINGS": 2}[report["verdict"]], report
