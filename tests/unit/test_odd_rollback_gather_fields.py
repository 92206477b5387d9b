"""Fields of the wrong type in what mig-rollback plans from (MigPlan spec.persistentVolumes, workloads' replicas,
nodeSelectors and pod template volumes, preQuiesce annotations, PVs' claimRef and reclaim policy, owner
references) and in what mig-gather summarises (Velero Backups and Restores and their records, pods' containers,
Events, MigPlan cluster references, the redaction summary): no command ends in a traceback, a field of the wrong
type reads as absent, and mig-rollback never changes an object whose fields it could not read: it leaves it as
it is and says so in a manual line."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest

from lib.errors import MigError
from lib.gather import engine, report, velero
from lib.gather.command import cluster_jobs
from lib.rollback.plan import NODE_SELECTOR, REPLICAS, unreadable
from lib.rollback.planner import refuse_if_mounted
from tests.unit.test_rollback_plan import _storage_conversion, _with_vms, find, plan_of, scenario

ODD = ["x", 7, True, float("nan"), 10 ** 40, [1, "a", None], {"a": 1}, [{"a": ["x"]}]]
WORKLOAD_ODD = ["x", 2.5, True, [1], {"a": 1}, None]


def _acted_on(plan, kind: str, name: str, cluster: str | None = None) -> list:
    return [a for a in plan.actions if a.kind == kind and a.name == name and (cluster is None or a.cluster == cluster)]


# --- mig-rollback: the objects it would change ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["x", [1, "a", None], {"a": 1}, 2.5, True])
def test_replicas_of_the_wrong_type_leave_the_workload_alone_and_say_so(value):
    objs = scenario("rollback-needed")
    find(objs["source"], "Deployment", "api")["spec"]["replicas"] = value
    plan = plan_of(objs, "parts-prod")
    assert _acted_on(plan, "Deployment", "api", "source") == []
    assert any(m.startswith("Deployment parts/api (source): spec.replicas is ") and "left as it is" in m
               for m in plan.manual), plan.manual
    assert _acted_on(plan, "StatefulSet", "db", "source")         # the others are restored as before


@pytest.mark.parametrize("parallelism,ann", [("x", "2"), ([0], "2"), (True, "2"), (0, "²"), (0, "٣")])
def test_a_job_whose_parallelism_or_count_could_not_be_read_is_left_alone(parallelism, ann):
    objs = scenario("rollback-needed")
    objs["source"].append({"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": "batch", "namespace": "parts", "uid": "uid-batch", "resourceVersion": "1",
        "annotations": {REPLICAS: ann}}, "spec": {"parallelism": parallelism}})
    plan = plan_of(objs, "parts-prod")
    assert _acted_on(plan, "Job", "batch") == []
    assert any(m.startswith("Job parts/batch") for m in plan.manual), plan.manual


def _annotated_and_left_to_a_person(kind: str, name: str, key: str, value, says: str) -> None:
    """rollback-needed with the source `kind`/`name` annotated key=value: not acted on, a manual line saying `says`."""
    objs = scenario("rollback-needed")
    find(objs["source"], kind, name)["metadata"]["annotations"][key] = value
    plan = plan_of(objs, "parts-prod")
    assert _acted_on(plan, kind, name, "source") == []
    assert any(says in m for m in plan.manual), plan.manual


@pytest.mark.parametrize("value", [[1, "a", None], 3, {"a": "1"}, None])
def test_a_prequiesce_annotation_that_is_not_text_is_not_read(value):
    _annotated_and_left_to_a_person("Deployment", "api", REPLICAS, value, f"annotation {REPLICAS} is ")


@pytest.mark.parametrize("path,value", [
    (("spec", "template", "spec", "nodeSelector"), 7), (("spec", "template", "spec", "nodeSelector"), "a=b"),
    (("spec", "template", "spec"), ["x"]), (("metadata", "annotations", NODE_SELECTOR), 7)])
def test_a_daemonset_whose_node_selector_could_not_be_read_is_left_alone(path, value):
    objs = scenario("rollback-needed")
    x = find(objs["source"], "DaemonSet", "log-agent")
    for k in path[:-1]:
        x = x[k]
    x[path[-1]] = value
    plan = plan_of(objs, "parts-prod")
    assert _acted_on(plan, "DaemonSet", "log-agent", "source") == []
    assert any(m.startswith("DaemonSet parts/log-agent (source): ") for m in plan.manual), plan.manual


@pytest.mark.parametrize("value", ["[1, 2]", "5", '"a"'])
def test_a_node_selector_annotation_of_json_that_is_no_map_is_left_to_a_person(value):
    _annotated_and_left_to_a_person("DaemonSet", "log-agent", NODE_SELECTOR, value, f"{NODE_SELECTOR} is not a JSON map")


@pytest.mark.parametrize("value", ["x", 7, {"a": 1}])
def test_owner_references_of_the_wrong_type_are_no_owners(value):
    objs = scenario("rollback-needed")
    find(objs["target"], "ReplicationController", "web-1")["metadata"]["ownerReferences"] = value
    plan = plan_of(objs, "parts-prod")
    assert _acted_on(plan, "ReplicationController", "web-1") == []
    objs = scenario("rollback-needed")
    find(objs["target"], "ReplicationController", "web-1")["metadata"]["ownerReferences"] = [value]
    plan_of(objs, "parts-prod")


@pytest.mark.parametrize("value", ["x", 7, [1]])
def test_a_plan_whose_persistent_volumes_could_not_be_read_changes_no_pv_it_cannot_place(value):
    objs = scenario("rollback-needed")
    find(objs["host"], "MigPlan", "parts-mig-plan")["spec"]["persistentVolumes"] = value
    plan = plan_of(objs, "parts-prod", release="Delete")
    assert [a for a in plan.actions if a.kind == "PersistentVolume"] == []
    assert any("whether it was moved or copied is not known (" in m and "spec.persistentVolumes" in m
               for m in plan.manual), plan.manual


def test_a_well_formed_plan_still_releases_its_copied_pvs():
    plan = plan_of(scenario("rollback-needed"), "parts-prod", release="Delete")
    assert [a for a in plan.actions if a.kind == "PersistentVolume"]


@pytest.mark.parametrize("field,value", [("claimRef", "x"), ("claimRef", 7), ("persistentVolumeReclaimPolicy", ["R"]),
                                         ("persistentVolumeReclaimPolicy", {"a": 1})])
def test_a_pv_whose_fields_could_not_be_read_is_left_alone(field, value):
    objs = scenario("move-nfs")
    for pv in [x for x in objs["target"] + objs["source"] if x["kind"] == "PersistentVolume"]:
        pv["spec"][field] = value
    plan = plan_of(objs, "inventory", release="Recycle")
    acted = [a for a in plan.actions if a.kind == "PersistentVolume"]
    assert all(not unreadable(find(objs[a.cluster], "PersistentVolume", a.name)) for a in acted), acted


def test_a_pvc_volume_name_of_the_wrong_type_is_no_volume():
    objs = scenario("rollback-needed")
    find(objs["target"], "PersistentVolumeClaim", "db-data")["spec"]["volumeName"] = [1, "a"]
    plan_of(objs, "parts-prod")


@pytest.mark.parametrize("value", ["x", 7, [{"name": ["p"], "kind": "VirtualMachineInstance"}]])
def test_a_launcher_pod_with_odd_owner_references_runs_no_vm(value):
    objs = _with_vms(scenario("rollback-needed"))
    for p in [x for x in objs["source"] if x["kind"] == "Pod"]:
        p["metadata"]["ownerReferences"] = value
    plan_of(objs, "parts-prod")


@pytest.mark.parametrize("value", [7, "x", [1, "a"], [{"name": "d", "persistentVolumeClaim": {"claimName": ["x"]}}]])
def test_storage_conversion_volumes_that_could_not_be_read_refuse_rather_than_delete(value):
    objs = _storage_conversion(("Deployment", "api"), ("CronJob", "nightly-report"))
    find(objs["source"], "Deployment", "api")["spec"]["template"]["spec"]["volumes"] = value
    plan = plan_of(objs, "parts")
    assert [a for a in plan.actions if a.kind == "Deployment" and a.group == "swap back"] == []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        assert any("Deployment parts/api -> ? (" in b for b in plan.blocked), plan.blocked
        with pytest.raises(MigError):
            refuse_if_mounted(plan)


@pytest.mark.parametrize("pvs", [[{"pvc": "x"}], [{"pvc": {"name": ["a"]}, "selection": "copy"}], "x", 7])
def test_storage_conversion_plan_volumes_of_the_wrong_type_are_no_conversion(pvs):
    objs = _storage_conversion(("Deployment", "api"))
    for p in [x for x in objs["host"] if x["kind"] == "MigPlan"]:
        p["spec"]["persistentVolumes"] = pvs
    plan_of(objs, "parts")


@pytest.mark.parametrize("field,value", [("name", 7), ("name", ["a"]), ("uid", {"a": 1}), ("resourceVersion", [1]),
                                         ("annotations", "x")])
def test_target_objects_with_odd_metadata_are_not_deleted(field, value):
    objs = scenario("rollback-needed")
    find(objs["target"], "ConfigMap", "api-config")["metadata"][field] = value
    plan = plan_of(objs, "parts-prod")
    assert not [a for a in plan.actions if a.kind == "ConfigMap" and a.name in ("api-config", str(value))]
    assert any(m.startswith("ConfigMap parts-prod/") and "(target): metadata." in m for m in plan.manual), plan.manual


# Every field of each object the planner reads, every odd value: a plan (or a refusal), and no action on a bent
# object it could not read.
SWEEP = [("rollback-needed", "parts-prod", None), ("move-nfs", "inventory", "Recycle"),
         ("stage-pods-left", "orders", None), ("vms", "parts-prod", None), ("conv", "parts", None)]


def _objs(name: str) -> dict:
    if name == "vms":
        return _with_vms(scenario("rollback-needed"))
    if name == "conv":
        return _storage_conversion(("Deployment", "api"), ("CronJob", "nightly-report"), ("StatefulSet", "db"))
    return scenario(name)


def _paths(x, pre=()):
    if isinstance(x, dict):
        for k, v in x.items():
            yield pre + (k,)
            yield from _paths(v, pre + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x[:2]):
            yield pre + (i,)
            yield from _paths(v, pre + (i,))


@pytest.mark.parametrize("name,project,release", SWEEP)
def test_every_odd_field_gives_a_plan_and_no_change_to_what_could_not_be_read(name, project, release):
    base = _objs(name)
    kinds = {"MigPlan", "Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "CronJob", "Job",
             "ReplicationController", "PersistentVolume", "PersistentVolumeClaim", "Pod", "VirtualMachine",
             "Backup", "Restore"}
    for role, items in base.items():
        for i, x in enumerate(items):
            if x["kind"] not in kinds:
                continue
            for path in [p for p in _paths(x) if p[0] in ("spec", "status") or p[:2] in (
                    ("metadata", "annotations"), ("metadata", "ownerReferences"), ("metadata", "name"))]:
                for value in ODD[:6]:
                    objs = copy.deepcopy(base)
                    for r in (("source", "target") if name == "conv" and role != "host" else (role,)):
                        y = objs[r][i]          # a storage conversion's target is the same cluster: both copies
                        for k in path[:-1]:
                            y = y[k]
                        y[path[-1]] = copy.deepcopy(value)
                    try:
                        plan = plan_of(objs, project, release=release)
                    except MigError:        # refused (no plan of that namespace left, ...): one error line
                        continue
                    bent = objs[role][i]        # a deletion reads its metadata only, a patch its kind's fields too
                    assert not [a for a in plan.actions if a.uid == x["metadata"]["uid"] and a.kind == x["kind"]
                                and unreadable(bent, [] if a.verb in ("delete", "request-deletion") else None)], \
                        (path, value)


# --- mig-gather ------------------------------------------------------------------------------------------------

BACKUP = {"kind": "Backup", "metadata": {"name": "b", "namespace": "openshift-migration",
                                         "labels": {"migration.openshift.io/migmigration-name": "m"},
                                         "creationTimestamp": "2021-01-01T00:00:00Z"},
          "spec": {"includedNamespaces": ["a"], "excludedResources": ["y"], "storageLocation": "s"},
          "status": {"phase": "PartiallyFailed", "errors": 1, "warnings": 1,
                     "progress": {"totalItems": 2, "itemsBackedUp": 1}}}
PVB = {"metadata": {"name": "p"}, "spec": {"pod": {"namespace": "n", "name": "p"}, "volume": "v"},
       "status": {"phase": "InProgress", "progress": {"totalBytes": 10, "bytesDone": 5}}}


@pytest.mark.parametrize("section,key", [("spec", "includedNamespaces"), ("spec", "excludedNamespaces"),
                                         ("spec", "includedResources"), ("spec", "excludedResources"),
                                         ("status", "progress"), ("metadata", "annotations")])
def test_velero_describe_reads_odd_fields_as_absent(section, key):
    for value in ODD:
        b = copy.deepcopy(BACKUP)
        b[section][key] = copy.deepcopy(value)
        assert "Phase:  PartiallyFailed" in velero.describe_backup(b, [PVB], {"v1/Pod": ["n/p"]}, None)
        assert "Phase:  PartiallyFailed" in velero.describe_restore(b, [PVB], None)
    b = copy.deepcopy(BACKUP)
    b["spec"]["includedNamespaces"] = "abc"
    assert "  Included:  *" in velero.describe_backup(b, [], None, None)       # not "a, b, c"


@pytest.mark.parametrize("pod,progress", [("x", None), (None, "x"), (None, {"totalBytes": "x", "bytesDone": 1}),
                                          (None, {"totalBytes": 10, "bytesDone": [1]})])
def test_velero_pod_volume_records_of_the_wrong_type_are_no_progress(pod, progress):
    v = copy.deepcopy(PVB)
    if pod is not None:
        v["spec"]["pod"] = pod
    if progress is not None:
        v["status"]["progress"] = progress
    assert "Restic Backups:" in velero.describe_backup(BACKUP, [v], None, None)


@pytest.mark.parametrize("results", [{"errors": "x"}, {"errors": {"velero": "boom", "namespaces": {"n": "m"}}},
                                     {"errors": {"velero": [1, {"a": 1}], "cluster": 7, "namespaces": ["n"]}},
                                     {"errors": {"namespaces": {"n": [["m"]]}}}])
def test_velero_results_of_the_wrong_shape_are_read_as_far_as_they_go(results):
    assert "Errors:" in velero.describe_backup(BACKUP, [], {"v1/Pod": "n/p", "v1/Svc": 7}, results)
    assert "Errors:" in velero.describe_restore(BACKUP, [], results)


def test_velero_records_sort_whatever_their_creation_time_is():
    a, b, c = (copy.deepcopy(BACKUP) for _ in range(3))
    b["metadata"]["creationTimestamp"] = 7
    c["metadata"]["creationTimestamp"] = ["x"]
    b["metadata"]["name"], c["metadata"]["name"] = "b2", "c"
    assert [velero.o.name(x) for x in velero.of_migrations([b, a, c], {"m"})][0] == "b"
    wellformed = [copy.deepcopy(BACKUP) for _ in range(2)]
    wellformed[1]["metadata"].update(name="new", creationTimestamp="2021-02-01T00:00:00Z")
    assert [velero.o.name(x) for x in velero.of_migrations(wellformed, {"m"})] == ["new", "b"]


@pytest.mark.parametrize("field,value", [("containers", "x"), ("containers", [1, {"name": ["a"]}, {"name": "ok"}]),
                                         ("initContainers", 7)])
def test_log_jobs_of_a_pod_of_the_wrong_shape_are_the_logs_that_can_be_named(field, value):
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "ok"}]},
           "status": {"containerStatuses": [{"name": "ok", "restartCount": "x"}, "y", {"name": ["b"]}],
                      "initContainerStatuses": "z"}}
    assert engine.log_jobs([("ns", pod)]) == [("ns", "p", "ok", False)]
    pod["spec"][field] = value
    assert engine.log_jobs([("ns", pod)]) == ([("ns", "p", "ok", False)] if field == "initContainers" or isinstance(value, list) else [])
    pod["spec"]["containers"] = [{"name": "ok"}]
    pod["status"]["containerStatuses"] = [{"name": "ok", "restartCount": 2}]
    assert engine.log_jobs([("ns", pod)])[-1] == ("ns", "p", "ok", True)
    assert engine.log_jobs([("ns", {"metadata": {"name": ["p"]}, "spec": {"containers": [{"name": "c"}]}})]) == []


@pytest.mark.parametrize("io", ["x", 7, {"kind": ["Pod"], "name": "p"}, {"kind": "Pod", "name": {"a": 1}}])
def test_an_event_about_an_object_of_the_wrong_shape_is_about_none(io):
    assert engine.involves({"involvedObject": io}, {("Pod", "p")}) is False
    assert engine.involves({"involvedObject": {"kind": "Pod", "name": "p"}}, {("Pod", "p")}) is True


def _gather_src(plan_spec: dict) -> SimpleNamespace:
    mcs = [{"kind": "MigCluster", "metadata": {"name": "host"}, "spec": {"isHostCluster": True}},
           {"kind": "MigCluster", "metadata": {"name": "remote"}, "spec": {"isHostCluster": "false"}}]
    plan = {"kind": "MigPlan", "metadata": {"name": "p"}, "spec": {"namespaces": ["app"], **plan_spec}}
    mig = {"kind": "MigMigration", "metadata": {"name": "m", "creationTimestamp": "2021-01-01T00:00:00Z"},
           "spec": {"migPlanRef": {"name": "p"}}}

    def for_role(role, mc):
        raise MigError("not reachable")
    host = SimpleNamespace(list=lambda kind, ns: {"MigCluster": mcs, "MigPlan": [plan]}[kind])
    return SimpleNamespace(namespace="openshift-migration", clusters=SimpleNamespace(host=host, overrides={},
                                                                                       for_role=for_role),
                           list=lambda role, kind, ns: [mig])


@pytest.mark.parametrize("ref", ["remote", 7, ["remote"], {"name": ["remote"]}])
def test_cluster_references_of_the_wrong_type_give_no_role(ref):
    jobs, _ = cluster_jobs(_gather_src({"srcMigClusterRef": ref, "destMigClusterRef": {"name": "host"}}), None)
    roles = {j.name: j.roles for j in jobs}
    assert roles["host"] == ["host", "target"]
    assert roles["remote"] == ["remote"]          # isHostCluster "false" is no host, the odd ref no source


@pytest.mark.parametrize("summary", ["x", ["a"], 7, {"rules": "x", "distinctValues": 2}, {"rules": [1]}])
def test_a_redaction_summary_of_the_wrong_shape_is_none(summary):
    assert "<h2>" not in report._redaction(summary)


def test_a_kept_redaction_report_of_the_wrong_shape_is_none(tmp_path):
    from tests import mtc_bundles as mb
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    (top / "mig-tools-redaction.json").write_text(json.dumps(["redaction"]))
    out = report.for_bundle(str(top), None, "openshift-migration", limit=1, redact=False,
                            err=SimpleNamespace(write=lambda s: None))
    assert "no redaction summary in this bundle" in out.read_text()



@pytest.mark.parametrize("storage", ["x", 7, {"caCert": 7}, {"caCert": ["x"]}, {"caCert": "not base64!"}])
def test_a_backup_storage_location_of_the_wrong_shape_adds_no_ca(storage):
    assert velero._context(object(), [{"spec": {"objectStorage": storage}}, {"spec": "x"}, "y"])


@pytest.mark.parametrize("url", [["https://x"], {"a": 1}, 7])
def test_a_download_url_that_is_no_text_is_one_error(url):
    client = SimpleNamespace(get=lambda kind, name, ns: {"status": {"downloadURL": url}})
    dl = velero.Downloader.__new__(velero.Downloader)
    dl.client, dl.ns = client, "openshift-migration"
    with pytest.raises(MigError, match="status.downloadURL is a"):
        dl._wait("dr-1")


@pytest.mark.parametrize("field,value", [("namespace", [1, "a"]), ("namespace", {"a": 1}), ("name", ["stage-x"])])
def test_a_pod_volume_backup_naming_its_pod_with_odd_fields_gives_a_report(tmp_path, field, value):
    import yaml

    from tests import mtc_bundles as mb
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    for f in top.rglob("podvolumebackups.velero.io/*.yaml"):
        doc = yaml.safe_load(f.read_text())
        doc["spec"]["pod"][field] = value
        f.write_text(yaml.safe_dump(doc))
    out = report.for_bundle(str(top), None, "openshift-migration", limit=1, err=SimpleNamespace(write=lambda s: None))
    assert "class=\"verdict" in out.read_text()
