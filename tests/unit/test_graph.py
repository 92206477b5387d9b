"""The migration graph from plain dicts: resolution by name/UID/prefix, linking, role of each CR."""

import pytest

from lib import crs, graph
from lib.errors import MigError
from tests.unit.fakes import DictSource

NS = "openshift-migration"
MIG = "88435fe0-c9f8-11e9-85e6-5d593ce65e10"
MIG_UID = "8886de4c-c9f8-11e9-95ad-0205fe66cbb6"


def obj(kind, name, ns=NS, labels=None, spec=None, status=None, uid=None, api="migration.openshift.io/v1alpha1"):
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}, "uid": uid or f"uid-{name}",
                         "creationTimestamp": "2019-08-29T01:01:29Z"},
            "spec": spec or {}, "status": status or {}}


def estate():
    plan = obj("MigPlan", "socks-shop-mig-plan", spec={
        "srcMigClusterRef": {"name": "src"}, "destMigClusterRef": {"name": "host"},
        "migStorageRef": {"name": "myrepo"}, "namespaces": ["sock-shop"]},
        status={"conditions": [{"type": "Ready", "status": "True", "category": "Required"}]})
    mig = obj("MigMigration", MIG, uid=MIG_UID, spec={"migPlanRef": {"name": "socks-shop-mig-plan"}, "stage": False},
              status={"phase": "Completed", "conditions": [{"type": "Succeeded", "status": "True"}]})
    other = obj("MigMigration", "e13a1b60-c927-11e9-9555-d129df7f3b96", uid="other-uid",
                spec={"migPlanRef": {"name": "other-plan"}})
    host = [plan, mig, other,
            obj("MigCluster", "host", spec={"isHostCluster": True}),
            obj("MigCluster", "src", spec={"url": "https://src:6443"}),
            obj("MigStorage", "myrepo")]
    v = "velero.io/v1"
    b1 = obj("Backup", f"{MIG}-initial-abcde", api=v, labels={"migmigration": MIG_UID, "migration-initial-backup": MIG_UID},
             spec={"storageLocation": "myrepo-vpzq9"}, status={"phase": "Completed"})
    b2 = obj("Backup", f"{MIG}-59gb7", api=v, labels={"migmigration": MIG_UID, "migration-stage-backup": MIG_UID},
             spec={"storageLocation": "myrepo-vpzq9"}, status={"phase": "Completed"})
    bx = obj("Backup", "other-backup", api=v, labels={"migmigration": "other-uid"})
    pvb = obj("PodVolumeBackup", f"{MIG}-59gb7-x1", api=v, labels={"velero.io/backup-name": f"{MIG}-59gb7"},
              spec={"node": "node-1", "volume": "data", "pod": {"namespace": "sock-shop", "name": "carts-db-0"}},
              status={"phase": "Completed"})
    source = [b1, b2, bx, pvb, obj("BackupStorageLocation", "myrepo-vpzq9", api=v),
              obj("BackupStorageLocation", "unrelated", api=v)]
    r1 = obj("Restore", f"{MIG}-stage-xyz", api=v, labels={"migmigration": MIG_UID, "migration-stage-restore": MIG_UID},
             spec={"backupName": f"{MIG}-59gb7"}, status={"phase": "Completed"})
    r2 = obj("Restore", f"{MIG}-final-xyz", api=v, labels={"migmigration": MIG_UID, "migration-final-restore": MIG_UID},
             spec={"backupName": f"{MIG}-initial-abcde"}, status={"phase": "Completed", "warnings": 15})
    pvr = obj("PodVolumeRestore", f"{MIG}-stage-xyz-p1", api=v, labels={"velero.io/restore-name": f"{MIG}-stage-xyz"},
              status={"phase": "Failed", "errors": 1})
    return {"host": host, "source": source, "target": [r1, r2, pvr]}


def test_resolves_by_name_uid_and_unique_prefix():
    src = DictSource(estate())
    for ref in (MIG, MIG_UID, "8843", "8886de4c"):
        assert graph.build(src, ref).migration["metadata"]["name"] == MIG


def test_unknown_migration_names_namespace_and_closest():
    with pytest.raises(MigError) as e:
        graph.build(DictSource(estate()), "88435fe0-c9f8-11e9-85e6-5d593ce65e1X")
    assert f"not found in namespace {NS}" in e.value.message
    assert MIG in e.value.message


def test_ambiguous_prefix_is_refused():
    est = estate()
    est["host"].append(obj("MigMigration", "88435fe0-ffff", spec={"migPlanRef": {"name": "socks-shop-mig-plan"}}))
    with pytest.raises(MigError, match="ambiguous"):
        graph.build(DictSource(est), "88435fe0")


def test_links_backups_restores_and_volume_crs_by_labels():
    g = graph.build(DictSource(estate()), MIG)
    assert {b["metadata"]["name"] for b in g.backups} == {f"{MIG}-initial-abcde", f"{MIG}-59gb7"}
    assert len(g.restores) == 2 and len(g.pvbs) == 1 and len(g.pvrs) == 1
    assert sorted(graph.velero_role(b) for b in g.backups) == ["initial backup (Kubernetes objects)",
                                                               "stage backup (PV data)"]
    assert {graph.velero_role(r) for r in g.restores} == {"stage restore (PV data)", "final restore (Kubernetes objects)"}
    assert [b["metadata"]["name"] for b in g.bsls["source"]] == ["myrepo-vpzq9"]


def test_constant_number_of_requests_per_kind():
    src = DictSource(estate())
    graph.build(src, MIG)
    calls = [(c[0], c[1]) for c in src.calls]
    assert len(calls) == len(set(calls)), calls


def test_unreachable_cluster_is_reported_and_the_rest_kept():
    est = estate()
    del est["source"]
    g = graph.build(DictSource(est), MIG)
    assert "source" in g.unreachable and g.restores
    rows = crs.chain(g)
    assert any(r.role == "unreachable" and r.cluster == "source" for r in rows)


def test_chain_rows_count_errors_and_results():
    g = graph.build(DictSource(estate()), MIG)
    rows = {(r.kind, r.name): r for r in crs.chain(g)}
    assert rows[("PodVolumeRestore", f"{MIG}-stage-xyz-p1")].errors == 1
    assert rows[("Restore", f"{MIG}-final-xyz")].warnings == 15
    assert crs.result(g.migration) == "Succeeded"
    objs = crs.chain_objects(g)
    assert objs[0]["kind"] == "MigPlan"
    assert all("mig-tools/cluster" in o["metadata"]["annotations"] for o in objs)
    # the graph's own objects are not modified by the annotation
    assert "annotations" not in g.plan["metadata"]


def _registry_pod(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": labels, "uid": f"uid-{name}",
                         "creationTimestamp": "2019-08-29T01:01:29Z"},
            "spec": {"containers": [{"name": "registry"}]}, "status": {"phase": "Running"}}


@pytest.mark.parametrize("mtc_version", ["1.4", "1.5+"])
def test_indirect_image_migration_registry_pods_of_every_mtc(mtc_version):
    """MC-1.4 labels its registry pods app, deployment, migplan=<plan UID> and the registry label only (no
    part-of: migplan_types.go:393-398); MC-1.5 merges the correlation labels in. Both are the plan's."""
    objs = estate()
    plan = objs["host"][0]
    plan["spec"]["indirectImageMigration"] = True
    labels = {"app": "registry", "deployment": "registry", "migplan": "uid-socks-shop-mig-plan",
              "migration.openshift.io/migration-registry": "True"}
    if mtc_version == "1.5+":
        labels["app.kubernetes.io/part-of"] = "openshift-migration"
    others = dict(labels, migplan="uid-another-plan")
    objs["source"] += [_registry_pod("registry-abc", labels), _registry_pod("registry-other", others)]
    g = graph.build(DictSource(objs), MIG)
    assert [p["metadata"]["name"] for p in g.helpers["source"]] == ["registry-abc"]


def _cam13_stage_pods(est):
    """A CAM 1.3 migration: status.itinerary and phase, no status.pipeline (MC release-1.3.2 migmigration_types.go);
    stage pods labelled by release-1.3.2 stage.go stagePodLabels (correlation labels + stage-backup label only)."""
    mig = next(m for m in est["host"] if m["metadata"]["name"] == MIG)
    mig["status"] = {"phase": "StageBackupCreated", "itinerary": "Final", "conditions": [
        {"type": "StagePodsCreated", "status": "True", "category": "Advisory", "message": "[] Stage pods created."}]}

    def pod(name, labels, ns="sock-shop"):
        return obj("Pod", name, ns=ns, api="v1", labels=labels, spec={"containers": [{"name": "sleep-0"}]})

    corr = {"app.kubernetes.io/part-of": "openshift-migration", "migmigration": MIG_UID,
            "migration-included-stage-backup": MIG_UID}
    other = {**corr, "migmigration": "other-uid", "migration-included-stage-backup": "other-uid"}
    app = {"name": "carts-db", "migration-application-pod": MIG_UID}      # release-1.2.0 annotation.go annotatePods
    est["source"] += [pod("stage-carts-db-0-x2k9q", corr), pod("stage-orders-db-0-p8w1z", other),
                      pod("carts-db-0", app)]
    est["target"] += [pod("stage-carts-db-0-x2k9q", {**corr, "velero.io/restore-name": f"{MIG}-stage-xyz"})]
    return est


def test_cam_1_2_and_1_3_stage_pods_without_is_stage_pod_are_the_migration_s_helpers():
    g = graph.build(DictSource(_cam13_stage_pods(estate())), MIG)
    assert [p["metadata"]["name"] for p in g.helpers["source"]] == ["stage-carts-db-0-x2k9q"]
    assert [p["metadata"]["name"] for p in g.helpers_of("target", "stage")] == ["stage-carts-db-0-x2k9q"]
    assert graph.legacy_stage_pods(g)
    # once mig-controller removed StagePodsCreated (every stage pod terminated) and the migration succeeded, no pod
    # list is spent on them
    src = DictSource(_cam13_stage_pods(estate()))
    next(m for m in src.objects["host"] if m["metadata"]["name"] == MIG)["status"]["conditions"] = [
        {"type": "Succeeded", "status": "True"}]
    g2 = graph.build(src, MIG)
    assert not g2.helpers["source"] and not [c for c in src.calls if c[1] == "Pod"]
    # an MTC 1.6+ application pod carries the same labels but is-application-pod: never a helper
    app16 = {"metadata": {"labels": {**g.helpers["source"][0]["metadata"]["labels"],
                                     "migration.openshift.io/is-application-pod": "True"}}}
    assert graph.mtc.helper_kind(app16) == ""


def test_mc_1_4_0_to_1_4_2_rsync_pods_without_part_of_are_found_by_app():
    """MC release-1.4.0..1.4.2 directvolumemigration/task.go buildDVMLabels {app, owner} (+ purpose) and the client
    pods' {app, directvolumemigration: rsync-client}: no part-of, no DVM UID, no plan label."""
    from tests.unit.scenario_source import ScenarioSource

    src = ScenarioSource("dvm-rsync-failed")
    keep = {"app", "owner", "purpose", "directvolumemigration", "migration.openshift.io/created-for-pvc"}
    for role in ("source", "target"):
        for p in src.doc["objects"][role]:
            lb = p["metadata"].get("labels") or {}
            if p["kind"] == "Pod" and lb.get("app") == "directvolumemigration-rsync-transfer":
                p["metadata"]["labels"] = {k: v for k, v in lb.items() if k in keep}
                if "directvolumemigration" in lb:
                    p["metadata"]["labels"]["directvolumemigration"] = "rsync-client"
    g = graph.build(src, "4b1c6d10")
    assert g.dvms
    assert "rsync-7dk2x" in [p["metadata"]["name"] for p in g.helpers_of("source", "rsync")]
    assert [p["metadata"]["name"] for p in g.helpers_of("target", "rsync")] == ["rsync-server"]
    # with part-of (MC-1.4.3+) the one part-of list per cluster suffices
    src = ScenarioSource("dvm-rsync-failed")
    graph.build(src, "4b1c6d10")
    assert len([c for c in src.calls if c[1] == "Pod"]) == 2


def test_stage_pod_labels_from_a_real_dump_without_is_stage_pod():
    """Labels verbatim from https://github.com/migtools/mig-controller/pull/719 (aufi, 2020-10-28), a stage pod
    built before is-stage-pod existed (added by #738, first released in release-1.4.0)."""
    import yaml

    pod = yaml.safe_load("""
metadata:
  labels:
    app.kubernetes.io/part-of: openshift-migration
    migmigration: f45f026c-cc6f-48c4-953b-d0497f1d0fd7
    migplan: 368ee6fa-07f9-48be-af46-93e3991ed946
    migration-included-stage-backup: f45f026c-cc6f-48c4-953b-d0497f1d0fd7
  name: stage-stage-bm-amq-producer-bmxp2-9p92j
""")
    assert graph.mtc.helper_kind(pod) == "stage"
    assert graph._mine(pod, ["f45f026c-cc6f-48c4-953b-d0497f1d0fd7"], set(), "368ee6fa-07f9-48be-af46-93e3991ed946")
    assert not graph._mine(pod, ["another-migration"], set(), "368ee6fa-07f9-48be-af46-93e3991ed946")


def test_mtc_1_6_application_pod_is_a_stage_pod_only_as_the_stage_restore_s_copy_on_the_target():
    """MC release-1.6.0 stage.go GetApplicationPodsWithStageLabels: the running application pod gets stagePodLabels
    and is-application-pod; the stage restore recreates it on the target (velero plugin pod/restore.go swaps in the
    stage image) with Velero's velero.io/restore-name label."""
    est = estate()
    mig = next(m for m in est["host"] if m["metadata"]["name"] == MIG)
    mig["status"]["pipeline"] = [{"name": "StageBackup"}, {"name": "StageRestore"}]
    labels = {"app": "carts-db", "app.kubernetes.io/part-of": "openshift-migration", "migmigration": MIG_UID,
              "migplan": "uid-socks-shop-mig-plan", "migration-included-stage-backup": MIG_UID,
              "migration.openshift.io/is-stage-pod": "True", "migration.openshift.io/is-application-pod": "True"}
    app = obj("Pod", "carts-db-0", ns="sock-shop", api="v1", labels=labels)
    copy = obj("Pod", "carts-db-0", ns="sock-shop", api="v1",
               labels={**labels, "velero.io/backup-name": f"{MIG}-59gb7", "velero.io/restore-name": f"{MIG}-stage-xyz"})
    est["source"].append(app)
    est["target"].append(copy)
    g = graph.build(DictSource(est), MIG)
    assert g.helpers["source"] == []
    assert [p["metadata"]["name"] for p in g.helpers_of("target", "stage")] == ["carts-db-0"]


def test_cam_1_2_and_1_3_registry_pods_of_the_plan_by_their_deploymentconfig_labels():
    """MC release-1.3.2 migplan_types.go: Secret generateName registry-<plan UID>-, DeploymentConfig of that name
    in MTC's namespace, pod template labels {app, deploymentconfig} only; OpenShift adds `deployment`."""
    plan_uid = "368ee6fa-07f9-48be-af46-93e3991ed946"
    est = estate()
    next(p for p in est["host"] if p["kind"] == "MigPlan")["metadata"]["uid"] = plan_uid
    mig = next(m for m in est["host"] if m["metadata"]["name"] == MIG)
    mig["status"] = {"phase": "FinalRestoreCreated", "itinerary": "Final", "conditions": []}

    def reg(name, dc):
        return obj("Pod", name, api="v1", labels={"app": dc, "deploymentconfig": dc, "deployment": f"{dc}-1"},
                   spec={"containers": [{"name": "registry"}]})

    mine, theirs = f"registry-{plan_uid}-4b6xq", "registry-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-z9k2m"
    est["source"] += [reg(f"{mine}-1-hx7tq", mine), reg(f"{theirs}-1-p2wzr", theirs)]
    est["target"] += [reg(f"{mine}-1-8kd4s", mine)]
    g = graph.build(DictSource(est), MIG)
    assert [p["metadata"]["name"] for p in g.helpers_of("source", "registry")] == [f"{mine}-1-hx7tq"]
    assert [p["metadata"]["name"] for p in g.helpers_of("target", "registry")] == [f"{mine}-1-8kd4s"]
    # a succeeded CAM migration spends no request on them
    mig["status"]["conditions"] = [{"type": "Succeeded", "status": "True"}]
    src = DictSource(est)
    graph.build(src, MIG)
    assert not [c for c in src.calls if c[1] == "Pod"]


def test_mc_1_4_0_client_pod_without_created_for_pvc_is_an_rsync_client_in_the_chain():
    """MC release-1.4.0 rsync.go: client pod directvolumemigration-rsync-transfer-<pvc> labelled {app,
    directvolumemigration: rsync-client} only (no created-for-pvc before release-1.4.3)."""
    client = {"metadata": {"name": "directvolumemigration-rsync-transfer-carts-db-data", "namespace": "sock-shop",
                           "labels": {"app": "directvolumemigration-rsync-transfer",
                                      "directvolumemigration": "rsync-client"}},
              "spec": {"containers": [{"name": "rsync-client"}]}, "status": {"phase": "Running"}}
    server = {"metadata": {"name": "directvolumemigration-rsync-transfer", "namespace": "sock-shop",
                           "labels": {"app": "directvolumemigration-rsync-transfer", "owner": "directvolumemigration",
                                      "purpose": "rsync"}},
              "spec": {"containers": [{"name": "rsyncd"}, {"name": "stunnel"}]}, "status": {"phase": "Running"}}
    assert graph.mtc.is_rsync_client(client) and not graph.mtc.is_rsync_client(server)
    g = graph.Graph(NS)
    assert crs._pod_row(g, "source", client, 1).role == "rsync client"
    assert crs._pod_row(g, "target", server, 1).role == "rsync server"


def test_mc_1_4_0_dvmp_names_its_rsync_pod_in_spec_pod_ref():
    """MC release-1.4.0 rsync.go: DVMP spec {clusterRef, podRef: {name: directvolumemigration-rsync-transfer-<pvc>,
    namespace}}; podNamespace/status.podName exist from release-1.4.3."""
    dvmp = {"kind": "DirectVolumeMigrationProgress", "metadata": {"name": "6bf53d2ca1c3b2b78048edc0fa822beb"},
            "spec": {"clusterRef": {"name": "src", "namespace": NS},
                     "podRef": {"name": "directvolumemigration-rsync-transfer-carts-db-data", "namespace": "sock-shop"}},
            "status": {"phase": "Failed", "logMessage": "rsync error"}}
    g = graph.Graph(NS)
    assert g.dvmp_pod(dvmp) == ("sock-shop", "directvolumemigration-rsync-transfer-carts-db-data")
    assert "pod sock-shop/directvolumemigration-rsync-transfer-carts-db-data" in crs._dvmp_row(g, dvmp, 3).links
    new = {"spec": {"podNamespace": "sock-shop", "podRef": {"name": "old"}}, "status": {"podName": "rsync-x4n7d"}}
    assert g.dvmp_pod(new) == ("sock-shop", "rsync-x4n7d")


def test_rsync_pods_of_another_migration_s_dvm_of_the_same_plan_are_not_this_migration_s():
    """MC release-1.5.0+ directvolumemigration/task.go buildDVMLabels: directvolumemigration=<DVM UID> and
    migrated-by-migplan=<plan UID> on the same pod; a previous migration's pod shares the plan label only."""
    from tests.unit.scenario_source import ScenarioSource

    src = ScenarioSource("dvm-rsync-failed")
    g = graph.build(src, "4b1c6d10")
    before = {p["metadata"]["name"] for p in g.helpers["source"] + g.helpers["target"]}
    pod = next(p for p in src.doc["objects"]["source"] if p["kind"] == "Pod"
               and p["metadata"]["name"] == "rsync-7dk2x")
    pod["metadata"]["labels"]["directvolumemigration"] = "0b9e4a1c-5f5d-11eb-9a4b-0a580a81020c"   # an older DVM
    g = graph.build(src, "4b1c6d10")
    after = {p["metadata"]["name"] for p in g.helpers["source"] + g.helpers["target"]}
    assert "rsync-7dk2x" in before and after == before - {"rsync-7dk2x"}
