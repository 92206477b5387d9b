"""Shell completion through kubectl itself (`kubectl __complete mig-<name> ...` is what the shells call)."""

from __future__ import annotations

import pytest

MIG = "88435fe0-c9f8-11e9-85e6-5d593ce65e10"


@pytest.fixture
def s(sim):
    return sim("sock-shop-success")


def complete(kubectl, s, *words):
    r = kubectl(s, "__complete", *words)
    assert r.returncode == 0, r.stderr
    assert "does not provide a matching completion executable" not in r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln]
    return lines[:-1], lines[-1]


@pytest.mark.parametrize("words,expected,directive", [
    (("mig-crs", ""), [MIG, "e13a1b60-c927-11e9-9555-d129df7f3b96"], ":4"),
    (("mig-verify", "88"), [MIG], ":4"),
    (("mig-crs", "--plan", "s"), ["socks-shop-mig-plan"], ":4"),
    (("mig-rollback", ""), ["nginx-example", "sock-shop"], ":4"),
    (("mig-crs", "--context", ""), ["host", "source", "target"], ":4"),
    (("mig-crs", "--context", "source", "--source-context", "t"), ["target"], ":4"),
    (("mig-logs", "--log-source", ""), ["velero", "restic", "controller"], ":4"),
    (("mig-verify", "-o", ""), ["json", "yaml", "jsonpath="], ":4"),
    (("mig-crs", "--no-h"), ["--no-headers"], ":4"),
    (("mig-crs", "--kubeconfig", ""), [], ":0"),              # file names: the shell's own completion
    (("mig-crs", MIG, ""), [], ":4"),
])
def test_completion(s, kubectl, words, expected, directive):
    got, d = complete(kubectl, s, *words)
    assert got == expected and d == directive


def test_completion_reads_the_cluster_the_flags_name(s, kubectl):
    got, _ = complete(kubectl, s, "mig-crs", "--context", "target", "")
    assert got == []                                     # no migrations on the target
    got, _ = complete(kubectl, s, "mig-crs", "-n", "openshift-m")
    assert got == ["openshift-migration"]
