"""Output as kubectl has it: jsonpath, custom-columns, --no-headers, empty lists, pipes, -o name round trips."""

from __future__ import annotations

import pytest

import build

NS = "openshift-migration"
MIG = "88435fe0-c9f8-11e9-85e6-5d593ce65e10"


@pytest.fixture
def s(sim):
    return sim("sock-shop-success")


def test_jsonpath_prints_what_kubectl_prints(s, kubectl):
    for template in ("{.items[*].metadata.name}",
                     '{range .items[*]}{.kind}{"\\t"}{.metadata.name}{"\\n"}{end}',
                     "{.items[0].spec.migPlanRef}",
                     '{.items[?(@.spec.stage==false)].metadata.name}'):
        ours = kubectl(s, "mig-crs", "-o", f"jsonpath={template}")
        theirs = kubectl(s, "get", "migmigrations", "-n", NS, "-o", f"jsonpath={template}")
        assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
        assert ours.stdout == theirs.stdout, template
        assert ours.stdout.strip()


def test_custom_columns_and_no_headers_as_kubectl(s, kubectl):
    spec = "NAME:.metadata.name,PLAN:.spec.migPlanRef.name,NOPE:.spec.nothing"
    for extra in ([], ["--no-headers"]):
        ours = kubectl(s, "mig-crs", "-o", f"custom-columns={spec}", *extra)
        theirs = kubectl(s, "get", "migmigrations", "-n", NS, "-o", f"custom-columns={spec}", *extra)
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout.split() == theirs.stdout.split()
    r = kubectl(s, "mig-crs", "--no-headers")
    assert r.returncode == 0 and r.stdout.split()[0] == MIG
    chain = kubectl(s, "mig-crs", MIG, "-o", "custom-columns=CLUSTER:.metadata.annotations.mig-tools/cluster,"
                                          "KIND:.kind,NAME:.metadata.name", "--no-headers")
    rows = [ln.split() for ln in chain.stdout.splitlines()]
    assert ["host", "MigMigration", MIG] in rows and any(r[0] == "source" and r[1] == "Backup" for r in rows)


def test_bad_templates_and_formats_are_usage_errors_in_every_plugin(s, kubectl):
    for plugin in (p for p in build.PLUGINS if p != "gather"):       # mig-gather writes files, it has no -o
        r = kubectl(s, f"mig-{plugin}", "x", "-o", "xml")
        assert r.returncode == 64 and "allowed formats" in r.stderr and "Traceback" not in r.stderr, plugin
    r = kubectl(s, "mig-crs", "-o", "jsonpath={.items[")
    assert r.returncode == 64 and "error parsing jsonpath" in r.stderr
    r = kubectl(s, "mig-crs", "-o", "custom-columns=NAME")
    assert r.returncode == 64 and "custom-columns" in r.stderr


def test_an_empty_list_prints_nothing_on_stdout(s, kubectl):
    for fmt in ([], ["-o", "wide"], ["-o", "name"], ["-o", "custom-columns=N:.metadata.name"]):
        r = kubectl(s, "mig-crs", "-n", "empty", *fmt)
        assert r.returncode == 0 and r.stdout == "", fmt
        assert "No MigMigrations found in empty namespace." in r.stderr
    r = kubectl(s, "mig-crs", "-n", "empty", "-o", "json")
    assert '"items": []' in r.stdout


def test_no_tree_glyphs_when_piped(s, kubectl):
    r = kubectl(s, "mig-crs", MIG)
    assert r.returncode == 0
    assert "└" not in r.stdout
    header = r.stdout.splitlines()[0]
    at = header.index("NAME")
    names = [ln[at:].split(" ")[0] for ln in r.stdout.splitlines()[1:]]
    assert MIG in names and all(names), names          # every NAME cell starts at the column: no indent


def test_name_output_round_trips_into_the_plugins(s, kubectl):
    names = kubectl(s, "mig-crs", "-o", "name").stdout.split()
    assert f"migmigration.migration.openshift.io/{MIG}" in names and all(n.startswith("migmigration.") for n in names)
    r = kubectl(s, "mig-verify", f"migmigration.migration.openshift.io/{MIG}", "-o", "jsonpath={.migration} {.verdict}")
    assert r.returncode == 0 and r.stdout == f"{MIG} SUCCEEDED"
    r = kubectl(s, "mig-crs", f"migmigration/{MIG}", "-o", "name")
    assert f"migmigration.migration.openshift.io/{MIG}" in r.stdout.split()
    r = kubectl(s, "mig-crs", "migplan.migration.openshift.io/socks-shop-mig-plan", "-o", "name")
    assert r.returncode == 0 and "migplan.migration.openshift.io/socks-shop-mig-plan" in r.stdout.split()
    r = kubectl(s, "mig-verify", "backup.velero.io/x")
    assert r.returncode == 64 and "expected migmigration" in r.stderr
