"""The rollback planner on plain dicts (the shipped scenarios, read into a DictSource): every failure point gives a
plan for what it left on either side, ownership is proven by MTC's labels and owners, moved PVs are never
recycled or deleted, several namespaces are rolled back pair by pair."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from lib.errors import MigError
from lib.rollback.command import Options, make_plan, run
from lib.rollback.planner import refuse_if_empty
from tests.emulator.scenario import load
from tests.unit.fakes import DictSource

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def scenario(name: str) -> dict:
    objs = load(SCENARIOS / f"{name}.yaml", {}, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))["objects"]
    for role, items in objs.items():
        for x in items:
            md = x.setdefault("metadata", {})
            md.setdefault("uid", f"uid-{role}-{x['kind']}-{md.get('namespace', '')}-{md['name']}")
            md.setdefault("resourceVersion", "1")
    return objs


def find(objs: list, kind: str, name: str, ns: str | None = None) -> dict:
    return next(x for x in objs if x["kind"] == kind and x["metadata"]["name"] == name
                and (ns is None or x["metadata"].get("namespace") == ns))


def plan_of(objs: dict, project: str | None = None, **kw):
    return make_plan(DictSource(objs), Options(project, journal=kw.pop("journal", "/nonexistent/j.jsonl"), **kw))[0]


def keys(plan, cluster=None, verb=None) -> set:
    return {(a.kind, a.name) for a in plan.actions if (cluster is None or a.cluster == cluster)
            and (verb is None or a.verb == verb)}


def unquiesce(objs: dict, ns: str) -> None:
    """What a finished rollback leaves on the source: no quiesce annotations, replicas back."""
    for x in objs["source"]:
        if x["metadata"].get("namespace") != ns:
            continue
        ann = x["metadata"].get("annotations") or {}
        if "migration.openshift.io/preQuiesceReplicas" in ann:
            x["spec"]["replicas"] = int(ann["migration.openshift.io/preQuiesceReplicas"])
        for k in [k for k in ann if "preQuiesce" in k]:
            del ann[k]
        sel = (((x.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
        sel.pop("migration.openshift.io/quiesceDaemonSet", None)
        if x["kind"] == "CronJob":
            x["spec"]["suspend"] = False


def test_restic_timeout_nothing_restored_gives_a_source_only_plan():
    plan = plan_of(scenario("restic-timeout"), "rocket-chat")
    assert keys(plan, "target", "delete") == set()
    assert keys(plan, "source", "patch") == {("StatefulSet", "mongodb"), ("StatefulSet", "uploads")}
    assert {a.change for a in plan.actions if a.kind == "StatefulSet"} == {"replicas 0 -> 1"}
    backups = {a.name for a in plan.actions if a.verb == "request-deletion"}
    assert backups == {"f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-x8k2p", "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b-4jq7n"}
    assert any('target namespace "rocket-chat": nothing carries' in x for x in plan.looked)
    assert any('source namespace "rocket-chat": 2 quiesced objects' in x for x in plan.looked)
    assert not [w for w in plan.warnings if "needs no rollback" in w]


def test_nothing_on_either_side_refuses_saying_what_it_looked_at():
    objs = scenario("restic-timeout")
    unquiesce(objs, "rocket-chat")
    objs["source"] = [x for x in objs["source"] if x["kind"] != "Backup"]
    plan = plan_of(objs, "rocket-chat")
    assert plan.actions == []
    with pytest.raises(MigError) as e:
        refuse_if_empty(plan, rolled_back=False)
    msg = str(e.value)
    assert 'target namespace "rocket-chat": nothing carries migration.openshift.io/migrated-by-migplan=' in msg
    assert 'source namespace "rocket-chat": nothing quiesced' in msg and "MTC leftovers: none" in msg
    refuse_if_empty(plan, rolled_back=True)       # our journal, or MTC's finished rollback: "nothing to do", no error


def test_source_never_quiesced_gives_a_target_only_plan():
    objs = scenario("rollback-needed")
    unquiesce(objs, "parts")
    plan = plan_of(objs, "parts-prod")
    assert keys(plan, "source") == set()
    assert ("DeploymentConfig", "web") in keys(plan, "target", "delete")
    assert any('source namespace "parts": nothing quiesced' in x for x in plan.looked)
    # the chapter (3.5): an application the failed migration did not stop needs no rollback; only cleanup is left
    assert plan.warnings[0].startswith("nothing in parts on the source is held down by MTC's quiesce: the "
                                       "application there needs no rollback")


def test_a_migration_that_failed_before_the_quiesce_step_needs_no_rollback_only_cleanup():
    plan = plan_of(scenario("failed-before-quiesce"), "liveservices")
    assert keys(plan, "source", "patch") == set()
    assert any("needs no rollback" in w for w in plan.warnings)
    assert {a.verb for a in plan.actions} == {"request-deletion"}


def test_an_oc_debug_pod_and_a_recreated_deploymentconfig_are_not_ours():
    objs = scenario("rollback-needed")
    web = find(objs["target"], "Pod", "web-1-x7k2p")
    debug = json.loads(json.dumps(web))
    debug["metadata"].update(name="web-debug", uid="uid-web-debug", ownerReferences=[],
                             annotations={"debug.openshift.io/source-resource": "/deploymentconfigs/web"})
    objs["target"].append(debug)
    plan = plan_of(objs, "parts-prod")
    assert ("Pod", "web-debug") not in keys(plan) and ("Pod", "web-1-x7k2p") in keys(plan)
    assert any(m.startswith("pod parts-prod/web-debug carries the labels of migrated DeploymentConfig web")
               for m in plan.manual)
    # After a finished rollback the user re-creates DeploymentConfig web (no plan label, a new UID): its RC and
    # pod are not ours, even though a journal says a DeploymentConfig named web was deleted.
    dc = find(objs["target"], "DeploymentConfig", "web")
    old_uid = dc["metadata"]["uid"]
    dc["metadata"].update(uid="uid-new-web", labels={})
    rc = find(objs["target"], "ReplicationController", "web-1")
    rc["metadata"]["ownerReferences"][0]["uid"] = "uid-new-web"
    src = DictSource(objs)
    from lib.rollback.observe import observe
    from lib.rollback.planner import build_plan
    from lib.rollback.resolve import resolve
    ctx = resolve(src, "parts-prod")
    plan = build_plan(ctx, observe(src, ctx), journaled_dcs={old_uid: ("web", "2020-02-10T10:00:00Z")})
    assert not keys(plan, "target") & {("ReplicationController", "web-1"), ("Pod", "web-1-x7k2p"),
                                       ("Pod", "web-1-deploy"), ("DeploymentConfig", "web")}
    # older clusters set no owner on RCs: an RC is ours only if it existed before the journaled deletion began
    rc["metadata"]["ownerReferences"] = []
    for created, ours in (("2020-02-10T09:30:00Z", True), ("2020-02-11T08:00:00Z", False)):
        rc["metadata"]["creationTimestamp"] = created
        plan = build_plan(ctx, observe(src, ctx), journaled_dcs={old_uid: ("web", "2020-02-10T10:00:00Z")})
        assert (("ReplicationController", "web-1") in keys(plan, "target", "delete")) is ours, created
    rc["metadata"]["ownerReferences"] = [{"kind": "DeploymentConfig", "name": "web", "uid": old_uid}]
    # an RC still owned by the DeploymentConfig an interrupted run deleted (same UID) is ours
    rc["metadata"]["ownerReferences"][0]["uid"] = old_uid
    plan = build_plan(ctx, observe(src, ctx), journaled_dcs={old_uid: ("web", "2020-02-10T10:00:00Z")})
    assert {("ReplicationController", "web-1"), ("Pod", "web-1-x7k2p")} <= keys(plan, "target", "delete")


def test_moved_nfs_pv_is_never_recycled_and_the_source_policy_comes_back():
    objs = scenario("move-nfs")
    plan = plan_of(objs, "inventory", release="Recycle")
    pv = [a for a in plan.actions if a.name == "nfs-pv-inventory"]
    assert [(a.cluster, a.verb, a.group) for a in pv] == [("target", "delete", "moved volumes"),
                                                          ("source", "patch", "restore volumes")]
    assert pv[1].patch == {"metadata": {"annotations": {"migration.openshift.io/orig-reclaim-policy": None}},
                           "spec": {"persistentVolumeReclaimPolicy": "Recycle"}}
    assert not [a for a in plan.actions if a.cluster == "target" and a.name == "nfs-pv-inventory" and a.verb == "patch"]
    assert ("PersistentVolume", "nfs-pv-reports") not in keys(plan)
    order = [(a.cluster, a.kind, a.name) for a in plan.actions]
    assert order.index(("target", "PersistentVolumeClaim", "inventory-data")) < \
        order.index(("target", "PersistentVolume", "nfs-pv-inventory")) < \
        order.index(("source", "PersistentVolume", "nfs-pv-inventory")) < order.index(("source", "Deployment", "inventory-api"))
    copied = next(a for a in plan.actions if a.name == "pvc-9e8d7c6b-6a72-11ea-9f1e-0a580a830010")
    assert copied.change == "reclaimPolicy Delete -> Recycle"
    pvc = next(a for a in plan.actions if a.kind == "PersistentVolumeClaim" and a.name == "inventory-cache")
    assert "(Recycle): scrubbed" in pvc.change
    assert any("nfs-pv-inventory" in v and "was moved" in v and "never applies" in v for v in plan.volumes)


def test_a_moved_pv_that_is_not_retain_is_protected_before_its_claim_goes():
    objs = scenario("move-nfs")
    find(objs["target"], "PersistentVolume", "nfs-pv-inventory")["spec"]["persistentVolumeReclaimPolicy"] = "Delete"
    plan = plan_of(objs, "inventory")
    order = [(a.cluster, a.verb, a.kind, a.name) for a in plan.actions]
    protect = order.index(("target", "patch", "PersistentVolume", "nfs-pv-inventory"))
    assert plan.actions[protect].patch == {"spec": {"persistentVolumeReclaimPolicy": "Retain"}}
    assert protect < order.index(("target", "delete", "PersistentVolumeClaim", "inventory-data"))


def test_copied_pv_policies_are_read_from_the_cluster():
    plan = plan_of(scenario("move-nfs"), "inventory")
    line = next(v for v in plan.volumes if "pvc-9e8d7c6b" in v)
    assert "reclaimPolicy Delete (read from the cluster)" in line and "deleted with its data" in line
    pvc = next(a for a in plan.actions if a.kind == "PersistentVolumeClaim" and a.name == "inventory-cache")
    assert "PV pvc-9e8d7c6b-6a72-11ea-9f1e-0a580a830010 (Delete)" in pvc.change
    assert any("reclaimPolicy Delete" in w for w in plan.warnings)
    plan = plan_of(scenario("rollback-needed"), "parts-prod")
    assert any("pvc-db11aa22" in v and "reclaimPolicy Retain (read from the cluster)" in v for v in plan.volumes)


def test_stage_pods_hooks_and_velero_objects_go_first_and_decoys_stay():
    plan = plan_of(scenario("stage-pods-left"), "orders")
    left = [(a.cluster, a.verb, a.kind, a.name) for a in plan.actions if a.group in ("velero", "mtc leftovers")]
    assert set(left) == {
        ("target", "delete", "Pod", "stage-postgres-0-h7x2k"), ("source", "delete", "Pod", "stage-postgres-0-h7x2k"),
        ("source", "delete", "Job", "orders-mig-plan-prebackup-7xk2q"),
        ("source", "request-deletion", "Backup", "5a6b7c8d-7b81-11ea-8a1b-0a580a840021-b5c6d"),
        ("source", "request-deletion", "Backup", "5a6b7c8d-7b81-11ea-8a1b-0a580a840021-x2w3e"),
        ("target", "delete", "Restore", "5a6b7c8d-7b81-11ea-8a1b-0a580a840021-p9q8r")}
    assert any("oc mig-gather 5a6b7c8d-7b81-11ea-8a1b-0a580a840021 first" in w for w in plan.warnings)
    assert ("Pod", "orders-api-debug") not in keys(plan) and ("Pod", "stage-reports-0-m2n3b") not in keys(plan)
    order = [(a.cluster, a.kind, a.name) for a in plan.actions]
    assert order.index(("source", "Pod", "stage-postgres-0-h7x2k")) < order.index(("source", "StatefulSet", "postgres"))
    assert sum(1 for a in plan.actions if a.cluster == "source" and a.verb == "delete") == 2     # MTC's own only


def test_stage_pods_of_cam_1_2_are_recognised_by_their_correlation_labels():
    objs = scenario("stage-pods-left")
    pod = find(objs["source"], "Pod", "stage-postgres-0-h7x2k")
    for k in ("migplan", "migration.openshift.io/is-stage-pod"):     # CAM 1.2/1.3 (part-of stays: lib/mtc.py)
        pod["metadata"]["labels"].pop(k)
    assert ("Pod", "stage-postgres-0-h7x2k") in keys(plan_of(objs, "orders"), "source", "delete")


def test_multi_namespace_plan_found_from_either_name_and_rolled_back_pair_by_pair():
    objs = scenario("multi-namespace")
    for project, pair in (("shop", ("shop", "shop-prod")), ("shop-db-prod", ("shop-db", "shop-db-prod")),
                          ("shop-db", ("shop-db", "shop-db-prod"))):
        plan = plan_of(objs, project)
        assert plan.context.pairs == [pair]
        assert {a.namespace for a in plan.actions if a.group not in ("velero",)} <= set(pair)
    plan = plan_of(objs, "shop", all_namespaces=True)
    assert plan.context.pairs == [("shop", "shop-prod"), ("shop-db", "shop-db-prod")]
    assert make_plan(DictSource(objs), Options(None, plan="shop-mig-plan", journal="/x/j.jsonl"))[0].context.pairs == \
        plan.context.pairs
    assert {("Pod", "rsync-k2j4x")} <= keys(plan, "source", "delete")
    assert ("Pod", "rsync-server") in keys(plan, "target", "delete")
    assert ("ConfigMap", "feature-flags") not in keys(plan)
    ns_order = [a.namespace for a in plan.actions]
    assert max(i for i, n in enumerate(ns_order) if n in ("shop", "shop-prod")) < \
        min(i for i, n in enumerate(ns_order) if n in ("shop-db", "shop-db-prod"))
    one = plan_of(objs, "shop")
    assert "--all-namespaces-of-plan --via-controller" in one.controller and "all 2 namespaces" in one.controller
    with pytest.raises(MigError, match='migrates a namespace to "nope" or from it'):
        plan_of(objs, "nope")


def test_rsync_pods_of_another_dvm_are_not_ours():
    objs = scenario("multi-namespace")
    find(objs["source"], "Pod", "rsync-k2j4x")["metadata"]["labels"]["directvolumemigration"] = "some-other-dvm"
    assert ("Pod", "rsync-k2j4x") not in keys(plan_of(objs, "shop-db"))


def test_cam_1_1_quiesce_keys_are_recognised():
    objs = scenario("rollback-needed")
    ds = find(objs["source"], "DaemonSet", "log-agent")
    ds["metadata"]["annotations"] = {}
    ds["spec"]["template"]["spec"]["nodeSelector"] = {"role": "worker", "openshift.io/quiesceDaemonSet": "quiesce"}
    cj = find(objs["source"], "CronJob", "nightly-report")
    cj["metadata"]["annotations"] = {}
    plan = plan_of(objs, "parts-prod")
    a = next(a for a in plan.actions if a.kind == "DaemonSet" and a.cluster == "source")
    assert a.patch == {"spec": {"template": {"spec": {"nodeSelector": {"openshift.io/quiesceDaemonSet": None}}}}}
    assert any("CronJob parts/nightly-report is suspended" in m and "CAM 1.1" in m for m in plan.manual)


def test_a_succeeded_migration_is_flagged():
    plan = plan_of(scenario("sock-shop-success"), "sock-shop")
    assert plan.warnings and "SUCCEEDED" in plan.warnings[0] and "--force" in plan.warnings[0]


class Terminal(io.StringIO):
    """A user at a terminal who would answer what is typed here."""

    def isatty(self):
        return True


def test_a_succeeded_migration_is_refused_before_the_user_is_asked():
    src, out, err, typed = DictSource(scenario("sock-shop-success")), io.StringIO(), io.StringIO(), Terminal("y\n")
    with pytest.raises(MigError, match="succeeded: rolling it back deletes .* pass --force"):
        run(src, Options("sock-shop", journal="/nonexistent/j.jsonl"), out, err, typed)
    assert "SUCCEEDED" in out.getvalue()                       # the plan is shown first
    assert "Execute this rollback?" not in err.getvalue() and typed.tell() == 0
    out, err = io.StringIO(), io.StringIO()                    # no terminal, no --yes: the plan only, as before
    assert run(src, Options("sock-shop", journal="/nonexistent/j.jsonl"), out, err, io.StringIO()) == 0
    assert "SUCCEEDED" in out.getvalue() and "run again with --yes" in err.getvalue()


class Counting(DictSource):
    def __init__(self, objects: dict):
        super().__init__(objects)
        self.listed: list[tuple] = []

    def list(self, role, kind, namespace=None, labels=None, fields=None):
        self.listed.append((role, kind, namespace, labels))
        return super().list(role, kind, namespace, labels, fields)


def test_each_namespace_s_pods_are_listed_once_for_both_readers():
    from lib.rollback.observe import observe
    from lib.rollback.resolve import resolve
    objs = scenario("rollback-needed")
    rsync = json.loads(json.dumps(find(objs["target"], "Pod", "web-1-x7k2p")))
    rsync["metadata"].update(name="rsync-abcde", uid="uid-rsync", labels={"app": "directvolumemigration-rsync-transfer"},
                             ownerReferences=[])
    objs["target"].append(rsync)
    src = Counting(objs)
    ctx = resolve(src, "parts-prod")
    src.listed.clear()
    observed = observe(src, ctx)
    pod_lists = [(role, ns) for role, kind, ns, labels in src.listed if kind == "Pod" and labels is None]
    assert sorted(pod_lists) == [("source", "parts"), ("target", "parts-prod")]
    assert {"web-1-x7k2p", "web-1-deploy"} <= {x["metadata"]["name"] for x in observed.target["parts-prod"]}
    assert [x["metadata"]["name"] for x in observed.pods["target"]] == ["rsync-abcde"]


CANCELED = {"type": "Canceled", "status": "True", "category": "Advisory", "reason": "Completed",
            "message": "The migration has been canceled."}


def test_a_canceled_migration_that_also_carries_succeeded_is_not_taken_for_a_success():
    # mig-controller (task.go) sets Canceled, then its Completed phase (migrate.go) adds Succeeded when no step
    # failed: Canceled wins, as Failed does.
    objs = scenario("sock-shop-success")
    for m in objs["host"]:
        if m["kind"] == "MigMigration":
            m["status"]["conditions"].append(dict(CANCELED))
    plan = plan_of(objs, "sock-shop")
    assert not any("SUCCEEDED" in w for w in plan.warnings)
    from lib.objects import succeeded
    mig = {"status": {"conditions": [{"type": "Succeeded", "status": "True"}]}}
    assert succeeded(mig)
    for t in ("Canceled", "Failed"):
        assert not succeeded({"status": {"conditions": mig["status"]["conditions"] + [{"type": t, "status": "True"}]}})


def test_restored_application_stage_pods_are_deleted_on_the_target_and_only_unlabelled_on_the_source():
    # MTC 1.6+ uses a running application pod as a stage pod (is-application-pod): on the source it is the
    # application's own and only loses the labels; its copy Velero restored on the target (the stage image, no
    # owner) mounts the migrated claims and goes, as mig-controller's destination stage pod cleanup (stage.go) does.
    objs = scenario("stage-pods-left")
    plan_uid, mig_uid = "c4d5e6f7-7b80-11ea-8a1b-0a580a840021", "5a6b7c8e-7b81-11ea-8a1b-0a580a840021"
    stage = {"app.kubernetes.io/part-of": "openshift-migration", "migmigration": mig_uid, "migplan": plan_uid,
             "migration.openshift.io/is-stage-pod": "true", "migration.openshift.io/is-application-pod": "true"}
    app = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "orders-api-5d8f-abcde", "namespace": "orders", "uid": "uid-app", "resourceVersion": "1",
        "labels": {"app": "orders-api", **stage},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "orders-api-5d8f", "uid": "rs"}]},
        "spec": {"containers": [{"name": "api"}]}, "status": {"phase": "Running"}}
    objs["source"].append(app)
    copy = json.loads(json.dumps(app))
    copy["metadata"].update(uid="uid-app-copy", ownerReferences=None)
    copy["metadata"]["labels"]["migration.openshift.io/migrated-by-migplan"] = plan_uid
    objs["target"].append(copy)
    other = json.loads(json.dumps(copy))      # another plan's: not ours
    other["metadata"].update(name="other-app-xyz12", uid="uid-other")
    other["metadata"]["labels"].update(migplan="0a1b2c3d-7a00-11ea-8a1b-0a580a840021", migmigration="0f1e2d3c")
    other["metadata"]["labels"].pop("migration.openshift.io/migrated-by-migplan")
    objs["target"].append(other)
    plan = plan_of(objs, "orders")
    acts = {(a.cluster, a.verb): a for a in plan.actions if a.name == "orders-api-5d8f-abcde"}
    assert set(acts) == {("target", "delete"), ("source", "patch")}
    assert acts[("target", "delete")].group == "mtc leftovers"
    assert "restored copy of an application pod" in acts[("target", "delete")].reason
    assert "kept on the source" in acts[("source", "patch")].reason
    assert ("Pod", "other-app-xyz12") not in keys(plan)
    order = [(a.cluster, a.kind, a.name) for a in plan.actions]
    assert order.index(("target", "Pod", "orders-api-5d8f-abcde")) < order.index(("source", "StatefulSet", "postgres"))


def test_a_job_gets_its_parallelism_back_only_while_it_is_still_0():
    # mig-controller's unquiesce (quiesce.go): "Only change parallelism if currently == 0"; the annotation goes anyway
    objs = scenario("rollback-needed")
    for name, cur in (("batch-held", 0), ("batch-changed", 3)):
        objs["source"].append({"apiVersion": "batch/v1", "kind": "Job", "metadata": {
            "name": name, "namespace": "parts", "uid": f"uid-{name}", "resourceVersion": "1",
            "annotations": {"migration.openshift.io/preQuiesceReplicas": "2"}}, "spec": {"parallelism": cur}})
    plan = plan_of(objs, "parts-prod")
    jobs = {a.name: a for a in plan.actions if a.kind == "Job" and a.cluster == "source"}
    assert jobs["batch-held"].patch == {"metadata": {"annotations": {"migration.openshift.io/preQuiesceReplicas": None}},
                                        "spec": {"parallelism": 2}}
    assert jobs["batch-held"].change == "parallelism 0 -> 2"
    assert jobs["batch-changed"].patch == {"metadata": {"annotations": {
        "migration.openshift.io/preQuiesceReplicas": None}}}
    assert "not 0: kept" in jobs["batch-changed"].change


def test_a_daemonset_is_unquiesced_only_with_both_the_quiesce_key_and_the_annotation():
    # mig-controller's unquiesce (quiesce.go) skips a DaemonSet without preQuiesceNodeSelector or without the
    # quiesceDaemonSet key; with the key alone only the key goes (the original selector is unknown)
    key, ann = "migration.openshift.io/quiesceDaemonSet", "migration.openshift.io/preQuiesceNodeSelector"
    objs = scenario("rollback-needed")
    ds = find(objs["source"], "DaemonSet", "log-agent")
    ds_of = lambda plan: [a for a in plan.actions if a.kind == "DaemonSet" and a.cluster == "source"]  # noqa: E731
    [a] = ds_of(plan_of(objs, "parts-prod"))                      # both: the original comes back
    assert a.patch["spec"]["template"]["spec"]["nodeSelector"] == {key: None, "role": "worker"}
    ds["metadata"]["annotations"] = {}
    ds["spec"]["template"]["spec"]["nodeSelector"] = {key: "true", "zone": "a"}
    plan = plan_of(objs, "parts-prod")
    [a] = ds_of(plan)
    assert a.patch == {"spec": {"template": {"spec": {"nodeSelector": {key: None}}}}}
    assert any("DaemonSet parts/log-agent" in m and "only that key is removed" in m for m in plan.manual)
    ds["metadata"]["annotations"] = {ann: '{"role":"worker"}'}
    ds["spec"]["template"]["spec"]["nodeSelector"] = {"zone": "a"}   # not held down: left alone
    assert ds_of(plan_of(objs, "parts-prod")) == []


def test_a_namespace_shared_with_another_plan_gets_back_only_the_workloads_mounting_this_plan_s_pvcs():
    # MTC 1.8 (quiesce.go, checkMultiplePlans/getSelectedPVCs): when several MigPlans list a namespace, only the
    # workloads whose pods mount a PVC the plan copies are unquiesced; the others may be the other plan's
    objs = scenario("rollback-needed")
    objs["host"].append({"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigPlan", "metadata": {
        "name": "parts-cache-plan", "namespace": "openshift-migration", "uid": "uid-cache-plan"},
        "spec": {"namespaces": ["parts:parts-cache"]}})
    claim = {"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}}
    find(objs["source"], "StatefulSet", "db")["spec"]["template"]["spec"]["volumes"] = [claim]
    cj = find(objs["source"], "CronJob", "nightly-report")
    cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"] = [claim]
    plan = plan_of(objs, "parts-prod", plan="parts-mig-plan")
    assert keys(plan, "source", "patch") == {("StatefulSet", "db"), ("CronJob", "nightly-report")}
    for kind, name in (("Deployment", "api"), ("DeploymentConfig", "web"), ("DaemonSet", "log-agent")):
        assert any(m.startswith(f"{kind} parts/{name} is held down but left as it is") and "parts-cache-plan" in m
                   for m in plan.manual), (kind, plan.manual)
    assert any('"parts" is also migrated by MigPlan parts-cache-plan' in x and "3 held down and left" in x
               for x in plan.looked)
    assert keys(plan, "target", "delete")          # the target side is unchanged by the sharing
    objs["host"] = [x for x in objs["host"] if x["metadata"]["name"] != "parts-cache-plan"]
    alone = plan_of(objs, "parts-prod")
    assert {("Deployment", "api"), ("DeploymentConfig", "web"), ("DaemonSet", "log-agent")} <= keys(alone, "source")


def test_a_statefulset_mounts_this_plan_s_pvc_through_its_volume_claim_templates():
    from lib.rollback.plan import mounted_claim
    sts = {"kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}], "template": {"spec": {}}}}
    assert mounted_claim(sts, {"data-db-1", "other"}) == "data-db-1"
    assert mounted_claim(sts, {"data-db-x", "data-dbx-0"}) == ""


START_VM, RUN_STRATEGY = "migration.openshift.io/start-vm", "migration.openshift.io/vm-run-strategy"


def _vm(name: str, spec: dict, ann: dict, volumes: list | None = None) -> dict:
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {
        "name": name, "namespace": "parts", "uid": f"uid-vm-{name}", "resourceVersion": "1", "annotations": ann},
        "spec": {**spec, "template": {"spec": {"domain": {}, "volumes": volumes or []}}}}


def _with_vms(objs: dict) -> dict:
    """MTC 1.8's quiesce (quiesce.go quiesceVirtualMachines): start-vm=true, vm-run-strategy when the VM had one,
    then the stop subresource (Always -> Halted, spec.running -> false); a VM without them is not MTC's."""
    objs["source"] += [
        _vm("vm-db", {"runStrategy": "Halted"}, {START_VM: "true", RUN_STRATEGY: "Always"},
            [{"name": "disk", "dataVolume": {"name": "db-data"}}]),
        _vm("vm-legacy", {"running": False}, {START_VM: "true"}),
        _vm("vm-running", {"runStrategy": "Always"}, {START_VM: "true", RUN_STRATEGY: "Always"}),
        _vm("vm-stopped-by-hand", {"runStrategy": "Halted"}, {}),
        _vm("vm-manual", {"runStrategy": "Manual"}, {START_VM: "true", RUN_STRATEGY: "Manual"}),
        _vm("vm-started-before", {"runStrategy": "Always"}, {START_VM: "true", RUN_STRATEGY: "Always"}),
        {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "virt-launcher-vm-running-x1", "namespace": "parts", "uid": "uid-launcher",
            "ownerReferences": [{"kind": "VirtualMachineInstance", "name": "vm-running", "uid": "uid-vmi"}]},
         "status": {"phase": "Running"}}]
    return objs


def test_a_vm_mtc_stopped_is_started_then_gets_its_run_strategy_back_without_the_annotations():
    from lib.rollback.plan import vm_actions
    plan = plan_of(_with_vms(scenario("rollback-needed")), "parts-prod")
    vms = [a for a in plan.actions if a.kind == "VirtualMachine"]
    assert [(a.verb, a.name) for a in vms] == [
        ("start", "vm-db"), ("patch", "vm-db"), ("start", "vm-legacy"), ("patch", "vm-legacy"), ("start", "vm-manual"),
        ("patch", "vm-manual"), ("patch", "vm-running"), ("patch", "vm-started-before")]
    assert all(a.cluster == "source" and a.uid == f"uid-vm-{a.name}" for a in vms)
    start = vms[0]
    assert start.change.endswith("PUT /apis/subresources.kubevirt.io/v1/namespaces/parts/virtualmachines/vm-db/start")
    assert start.change.startswith("stopped (runStrategy Halted) -> started") and START_VM in start.reason
    assert vms[1].patch == {"metadata": {"annotations": {START_VM: None, RUN_STRATEGY: None}},
                            "spec": {"runStrategy": "Always"}}
    assert vms[2].change.startswith("stopped (runStrategy Halted)")                               # spec.running false
    assert vms[3].patch == {"metadata": {"annotations": {START_VM: None, RUN_STRATEGY: None}}}
    assert "running already" in vms[6].reason and "runStrategy Always -> Always" in vms[6].change
    # a run killed between the start and the patch: KubeVirt refuses a second start (Always), only the patch remains
    assert "runStrategy Always runs it: not started again" in vms[7].reason
    vm = next(x for x in _with_vms(scenario("rollback-needed"))["source"] if x["metadata"]["name"] == "vm-manual")
    vm["status"] = {"stateChangeRequests": [{"action": "Start"}]}           # Manual: the start request was made
    assert [a.verb for a in vm_actions(vm, "parts", False)] == ["patch"]


def test_a_vm_of_a_namespace_another_plan_shares_is_started_only_when_it_mounts_this_plan_s_pvc():
    # MTC 1.8 unQuiesceVirtualMachines: only VMs whose volumes name a copied PVC (claim or DataVolume)
    objs = _with_vms(scenario("rollback-needed"))
    objs["host"].append({"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigPlan", "metadata": {
        "name": "parts-cache-plan", "namespace": "openshift-migration", "uid": "uid-cache-plan"},
        "spec": {"namespaces": ["parts:parts-cache"]}})
    plan = plan_of(objs, "parts-prod", plan="parts-mig-plan")
    assert {a.name for a in plan.actions if a.kind == "VirtualMachine"} == {"vm-db"}
    assert any(m.startswith("VirtualMachine parts/vm-legacy is held down but left as it is (it would be stopped")
               for m in plan.manual), plan.manual


def test_a_vm_whose_launcher_pod_is_stopping_or_done_is_not_running():
    # mig-controller's isVMActive counts any pod of the VMI; one being deleted (MTC's stop, 600 s grace) or finished
    # is the VM stopping, and taking it for running would leave the VM stopped without MTC's annotations
    from lib.rollback.observe import active_vms
    vmi = [{"kind": "VirtualMachineInstance", "name": "vm-db"}]
    pods = [{"metadata": {"name": "a", "ownerReferences": vmi, "deletionTimestamp": "2026-01-01T00:00:00Z"},
             "status": {"phase": "Running"}},
            {"metadata": {"name": "b", "ownerReferences": vmi}, "status": {"phase": "Succeeded"}},
            {"metadata": {"name": "c", "ownerReferences": [{"kind": "ReplicaSet", "name": "vm-db"}]},
             "status": {"phase": "Running"}}]
    assert active_vms(pods, "parts") == set()
    assert active_vms(pods + [{"metadata": {"name": "d", "ownerReferences": vmi}, "status": {"phase": "Pending"}}],
                      "parts") == {("parts", "vm-db")}


PLAN_UID = "7a1b2c3d-4e5f-11ea-8c9d-0a580a820016"


def _storage_conversion(*mounting: tuple) -> dict:
    """rollback-needed as a storage conversion (MTC 1.7+): one cluster (both refs name ocp3-source), namespace parts
    unmapped, the DVM's PVC db-data-new labelled with the plan, and the workloads `mounting` ((kind, name), ...)
    repointed at it by SwapPVCReferences. The target role is the same cluster: the same objects."""
    objs = scenario("rollback-needed")
    plan = find(objs["host"], "MigPlan", "parts-mig-plan")
    plan["spec"]["destMigClusterRef"] = dict(plan["spec"]["srcMigClusterRef"])
    plan["spec"]["namespaces"] = ["parts"]
    plan["spec"]["persistentVolumes"][0]["pvc"]["name"] = "db-data:db-data-new"
    for kind, name in mounting:
        x = find(objs["source"], kind, name)
        tpl = x["spec"]["jobTemplate"]["spec"]["template"] if kind == "CronJob" else x["spec"]["template"]
        tpl["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "db-data-new"}},
                                  {"name": "cfg", "configMap": {"name": "api-config"}}]
    objs["source"].append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
        "name": "db-data-new", "namespace": "parts", "uid": "uid-db-data-new", "resourceVersion": "1",
        "labels": {"migration.openshift.io/migrated-by-migplan": PLAN_UID}}, "spec": {"storageClassName": "gp3"}})
    objs["target"] = json.loads(json.dumps(objs["source"]))
    return objs


def test_a_storage_conversion_points_the_workloads_back_at_the_source_pvcs_before_the_converted_ones_go():
    # MC-1.7 task.go: the Rollback itinerary runs SwapPVCReferences (Destination -> Source, storage.go) before
    # DeleteMigrated; without it the converted PVC would be deleted under the workloads still mounting it
    objs = _storage_conversion(("Deployment", "api"), ("CronJob", "nightly-report"))
    plan = plan_of(objs, "parts")
    assert plan.context.storage_conversion and plan.blocked == []
    swaps = [a for a in plan.actions if a.group == "swap back"]
    assert [(a.cluster, a.verb, a.kind, a.name) for a in swaps] == [
        ("target", "patch", "CronJob", "nightly-report"), ("target", "patch", "Deployment", "api")]
    assert {a.change for a in swaps} == {"claimName db-data-new -> db-data"}
    want = [{"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}},
            {"name": "cfg", "configMap": {"name": "api-config"}}]
    assert swaps[1].patch == {"spec": {"template": {"spec": {"volumes": want}}}}
    assert swaps[0].patch == {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"volumes": want}}}}}}
    pvcs = [i for i, a in enumerate(plan.actions) if a.kind == "PersistentVolumeClaim" and a.verb == "delete"]
    assert [plan.actions[i].name for i in pvcs] == ["db-data-new"]           # never the source PVC
    assert max(plan.actions.index(a) for a in swaps) < pvcs[0]
    assert any('"parts" is a storage conversion' in x and "2 workloads pointed back" in x for x in plan.looked)
    out = io.StringIO()
    assert run(DictSource(objs), Options("parts", journal="/nonexistent/j.jsonl"), out, io.StringIO()) == 0
    assert "claimName db-data-new -> db-data" in out.getvalue()
    for kind, name in (("Deployment", "api"), ("CronJob", "nightly-report")):      # swapped: nothing left to swap
        for role in ("source", "target"):
            x = find(objs[role], kind, name)
            tpl = x["spec"]["jobTemplate"]["spec"]["template"] if kind == "CronJob" else x["spec"]["template"]
            tpl["spec"]["volumes"] = want
    assert not [a for a in plan_of(objs, "parts").actions if a.group == "swap back"]


def test_a_storage_conversion_refuses_to_delete_a_pvc_a_statefulset_still_mounts():
    objs = _storage_conversion(("Deployment", "api"), ("StatefulSet", "db"))
    plan = plan_of(objs, "parts")
    assert plan.blocked == ["StatefulSet parts/db -> db-data-new"]
    assert any("--via-controller" in w for w in plan.warnings)
    with pytest.raises(MigError) as e:
        run(DictSource(objs), Options("parts", journal="/nonexistent/j.jsonl"), io.StringIO(), io.StringIO())
    assert e.value.code == 1 and "\n" not in e.value.message
    assert "StatefulSet parts/db -> db-data-new" in e.value.message and "--via-controller" in e.value.message


def test_storage_conversion_is_one_cluster_and_unmapped_namespaces_only():
    from lib.rollback.resolve import storage_conversion
    plan = {"spec": {"namespaces": ["parts"]}}
    host = {"metadata": {"name": "host"}, "spec": {"isHostCluster": True}}
    a = {"metadata": {"name": "a"}, "spec": {"url": "https://api.one.example:6443"}}
    b = {"metadata": {"name": "b"}, "spec": {"url": "https://api.one.example:6443/"}}
    c = {"metadata": {"name": "c"}, "spec": {"url": "https://api.two.example:6443"}}
    assert storage_conversion(plan, {"source": host, "target": host})
    assert storage_conversion(plan, {"source": a, "target": b})
    assert not storage_conversion(plan, {"source": a, "target": c})
    assert not storage_conversion(plan, {"source": host, "target": c})
    assert not storage_conversion({"spec": {"namespaces": ["parts:parts-new"]}}, {"source": host, "target": host})


def test_a_two_cluster_plan_is_not_a_storage_conversion_and_swaps_nothing():
    objs = scenario("rollback-needed")
    find(objs["target"], "Deployment", "api")["spec"]["template"]["spec"]["volumes"] = [
        {"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}}]
    plan = plan_of(objs, "parts-prod")
    assert not plan.context.storage_conversion and plan.blocked == []
    assert not [a for a in plan.actions if a.group == "swap back"]
    assert ("PersistentVolumeClaim", "db-data") in keys(plan, "target", "delete")
    assert ("Deployment", "api") in keys(plan, "target", "delete")


def test_a_cam_stage_pod_needs_mtc_s_part_of_label_as_mig_verify_and_mig_crs_see_it():
    """mig-rollback deletes as a stage pod only what mtc.is_legacy_stage_pod calls one (CAM 1.2/1.3 labels: part-of,
    migmigration and the same migration's stage-backup label): an application pod with the last two is not."""
    from types import SimpleNamespace

    from lib import mtc
    from lib.rollback.leftovers import stage_pod_proof

    ctx = SimpleNamespace(migration_uids=["uid-1"], plan_uid="plan-1")
    labels = {mtc.MIGMIGRATION: "uid-1", mtc.INCLUDED_IN_STAGE_BACKUP: "uid-1"}
    app = {"kind": "Pod", "metadata": {"name": "db-0", "labels": dict(labels)}}
    stage = {"kind": "Pod", "metadata": {"name": "stage-db-0", "labels": {**labels, mtc.PART_OF: mtc.PART_OF_VALUE}}}
    assert stage_pod_proof(ctx, app, "source") == ""
    assert stage_pod_proof(ctx, stage, "source").startswith("stage pod (CAM 1.2/1.3 labels)")


def test_a_storage_conversion_is_not_refused_for_the_copies_a_swapped_workload_owns():
    """Every Deployment has ReplicaSets with its template, every CronJob finished Jobs: their owner is repointed,
    they are not what still mounts the converted PVC (a running Job still is)."""
    objs = _storage_conversion(("Deployment", "api"), ("CronJob", "nightly-report"))
    api = find(objs["source"], "Deployment", "api")
    job_tpl = find(objs["source"], "CronJob", "nightly-report")["spec"]["jobTemplate"]["spec"]["template"]
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
        "name": "api-5d9f", "namespace": "parts", "uid": "uid-api-5d9f", "resourceVersion": "1",
        "ownerReferences": [{"kind": "Deployment", "name": "api", "uid": api["metadata"].get("uid", "")}]},
        "spec": {"template": json.loads(json.dumps(api["spec"]["template"]))}}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": "nightly-report-2890", "namespace": "parts", "uid": "uid-job-2890", "resourceVersion": "1",
        "ownerReferences": [{"kind": "CronJob", "name": "nightly-report"}]},
        "spec": {"template": json.loads(json.dumps(job_tpl))},
        "status": {"conditions": [{"type": "Complete", "status": "True"}]}}
    for role in ("source", "target"):
        objs[role] += [json.loads(json.dumps(rs)), json.loads(json.dumps(job))]
    assert plan_of(objs, "parts").blocked == []
    for role in ("source", "target"):
        find(objs[role], "Job", "nightly-report-2890")["status"] = {"active": 1}
    assert plan_of(objs, "parts").blocked == ["Job parts/nightly-report-2890 -> db-data-new"]
