"""Fields of the wrong type in the objects the graph and mig-crs read (a hostile or corrupted bundle, a
live server sending what no API server sends): each reads as absent, never a crash of the command."""

from __future__ import annotations

import copy

import pytest

from lib import crs, graph
from lib import objects as o
from lib.logs.download import download
from lib.logs.select import Target
from tests.unit.fakes import DictSource
from tests.unit.test_graph import MIG, estate


def _bent(path: tuple, value) -> dict:
    objs = copy.deepcopy(estate())
    kind, name = path[0], path[1]
    for items in objs.values():
        for x in items:
            if x["kind"] == kind and (name is None or x["metadata"]["name"].startswith(name)):
                node = x
                for p in path[2:-1]:
                    node = node.setdefault(p, {})
                node[path[-1]] = value
    return objs


@pytest.mark.parametrize("path,value", [
    (("MigMigration", MIG, "spec", "migPlanRef"), "x"),
    (("MigMigration", MIG, "status", "pipeline"), "x"),
    (("MigMigration", MIG, "status", "errors"), 7),
    (("MigMigration", MIG, "metadata", "creationTimestamp"), 7),
    (("MigPlan", None, "spec", "namespaces"), 7),
    (("MigPlan", None, "spec", "destMigClusterRef"), 7),
    (("MigPlan", None, "spec", "migStorageRef"), 7),
    (("Backup", None, "metadata", "annotations"), "x"),
    (("Backup", None, "status", "errors"), "x"),
    (("PodVolumeBackup", None, "spec", "pod"), 7),
    (("PodVolumeRestore", None, "status", "errors"), "many"),
    (("MigPlan", None, "spec", "hooks"), "x"),
    (("MigPlan", None, "spec", "hooks"), ["x"]),
    (("MigPlan", None, "spec", "hooks"), [{"phase": "PreBackup", "reference": "x"}]),
])
def test_an_odd_field_reads_as_absent(path, value):
    g = graph.build(DictSource(_bent(path, value)), MIG[:8])
    rows = crs.chain(g)
    assert rows and rows[0].kind == "MigPlan" or path[2:] == ("spec", "migPlanRef")
    crs.chain_objects(g)          # -o json/yaml/name: the cluster annotation on every object


def test_times_and_counts_no_clock_or_int_can_hold():
    assert o.parse_time(1.0e300) is None and o.parse_time(float("nan")) is None
    assert o.number("3") == 3 and o.number("x") == 0 and o.number(float("inf")) == 0 and o.number(None) == 0
    assert o.namespace_pairs({"spec": {"namespaces": 7}}) == []
    assert o.plan_name({"spec": {"migPlanRef": "x"}}) == ""


def test_logs_are_never_written_outside_the_output_directory(tmp_path):
    bad = Target(cluster="source", source="velero", pod="velero-1", container="../" * 8 + "escaped",
                 namespace="openshift-migration")
    (tmp_path / "out").mkdir()
    index = download(DictSource({"host": [], "source": [], "target": []}), [bad], tmp_path / "out", None,
                     previous=False)
    assert not list(tmp_path.rglob("escaped*"))
    assert index["files"] == [] and "would be outside" in index["failed"][0]["error"]


def test_a_hook_job_count_that_is_not_a_number_reads_as_none():
    from lib.checks.hooks import job_failure

    assert job_failure({"status": {"failed": "x"}}) == ""


def test_a_canceled_pod_volume_restore_counts_as_an_error_in_the_chain():
    """Velero 1.17 cancels a PVR (Canceled): mig-verify calls it failed, and so does mig-crs's row."""
    g = graph.build(DictSource(_bent(("PodVolumeRestore", None, "status"), {"phase": "Canceled"})), MIG[:8])
    row = next(r for r in crs.chain(g) if r.kind == "PodVolumeRestore")
    assert row.phase == "Canceled" and row.errors == 1


def test_a_migcluster_of_odd_fields_is_one_error_and_never_an_insecure_connection():
    """spec.isHostCluster / insecure as the string "false" are not true (a remote cluster is not the host, its TLS
    is verified); a url, secret ref or saToken of the wrong type is one MigError, not a traceback."""
    import base64

    import pytest

    from lib import objects as o
    from lib.clusters import Clusters
    from lib.errors import MigError

    tok = base64.b64encode(b"sa-token").decode()

    class Host:
        def get(self, kind, name, namespace=None):
            return {"data": {"saToken": {"ok": tok, "list": ["x"], "junk": "%%%notbase64"}.get(name, tok)}}

    c = object.__new__(Clusters)
    c._host, c.timeout = Host(), 5.0

    def mc(**spec):
        return {"kind": "MigCluster", "metadata": {"name": "src", "namespace": "openshift-migration"}, "spec": spec}

    ok = dict(url="https://10.0.0.1:6443", serviceAccountSecretRef={"name": "ok", "namespace": "openshift-config"})
    assert not o.is_host_cluster(mc(isHostCluster="false"))
    client = c._from_migcluster("source", mc(isHostCluster="false", insecure="false", **ok))
    assert client.config.host == "https://10.0.0.1:6443" and client.config.verify_ssl is True
    for odd in (dict(ok, url=7), dict(ok, serviceAccountSecretRef="ok"), dict(ok, serviceAccountSecretRef={"name": 7}),
                dict(ok, serviceAccountSecretRef={"name": "list"}), dict(ok, serviceAccountSecretRef={"name": "junk"})):
        with pytest.raises(MigError):
            c._from_migcluster("source", mc(**odd))


def test_a_host_list_the_graph_could_not_read_is_said_under_unchecked():
    """A 503 on the DirectVolumeMigration list: the report is partial (69) and says what it lacks, never a quiet
    SUCCEEDED WITH WARNINGS without the DVM."""
    from lib.errors import ApiError
    from lib.verify import verify
    from tests.unit.scenario_source import ScenarioSource

    class Failing(ScenarioSource):
        def list(self, role, kind, namespace=None, labels=None, fields=None):
            if getattr(kind, "kind", kind) == "DirectVolumeMigration":
                raise ApiError("the server is currently unable to handle the request", 503)
            return super().list(role, kind, namespace, labels, fields)

    src = Failing("dvm-rsync-failed")
    rep = verify(src, "4b1c6d10", now=src.now)
    assert rep.exit_code == 69
    assert any("DirectVolumeMigration on host" in p for p in rep.problems), rep.problems
