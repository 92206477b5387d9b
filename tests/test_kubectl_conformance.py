"""The real kubectl against the emulator: if kubectl accepts it, our client must too."""

from __future__ import annotations

import json

import pytest

NS = "openshift-migration"


@pytest.fixture
def s(sim):
    return sim("sock-shop-success")


def k(kubectl, s, *args, **kw):
    r = kubectl(s, "--cache-dir", str(s.workdir / "kcache"), *args, **kw)
    return r


def test_get_json_label_and_field_selectors(s, kubectl):
    r = k(kubectl, s, "--context", "source", "get", "pods", "-n", NS, "-l", "name in (restic)", "-o", "json")
    assert r.returncode == 0, r.stderr
    names = sorted(i["metadata"]["name"] for i in json.loads(r.stdout)["items"])
    assert names == ["restic-8x7vq", "restic-hj4kd"]
    r = k(kubectl, s, "--context", "source", "get", "pods", "-n", NS, "-l", "name!=restic,component=velero", "-o", "name")
    assert r.stdout.split() == ["pod/velero-7d9c4b8f5-x2x7q"]
    r = k(kubectl, s, "--context", "source", "get", "pods", "-A", "--field-selector", "spec.nodeName=ocp3-node-2", "-o", "name")
    assert r.stdout.split() == ["pod/restic-hj4kd"], r.stderr
    r = k(kubectl, s, "--context", "target", "get", "pods", "-n", "sock-shop", "--field-selector", "status.phase!=Running")
    assert r.returncode == 0 and "No resources found" in r.stderr


def test_chunked_list_uses_limit_and_continue(s, kubectl):
    s.reset_requests("target")
    r = k(kubectl, s, "--context", "target", "get", "pods", "-n", "sock-shop", "--chunk-size", "2", "-o", "name")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.split()) == 5
    lists = [q for q in s.requests("target") if q.path.endswith("/pods") and q.method == "GET"]
    assert len(lists) == 3 and all("limit=2" in q.query for q in lists)
    assert sum("continue=" in q.query for q in lists) == 2


def test_crd_kinds_and_api_resources(s, kubectl):
    r = k(kubectl, s, "get", "migmigrations.migration.openshift.io", "-n", NS)
    assert r.returncode == 0, r.stderr
    assert "88435fe0-c9f8-11e9-85e6-5d593ce65e10" in r.stdout and r.stdout.startswith("NAME")
    r = k(kubectl, s, "api-resources", "--api-group", "velero.io", "-o", "name")
    assert r.returncode == 0, r.stderr
    assert {"backups.velero.io", "podvolumerestores.velero.io", "backupstoragelocations.velero.io"} <= set(r.stdout.split())
    r = k(kubectl, s, "get", "bsl", "-n", NS, "--context", "source", "-o", "name")
    assert r.stdout.strip() == "backupstoragelocation.velero.io/myrepo-vpzq9"


def test_scale_patch_and_delete(s, kubectl):
    r = k(kubectl, s, "--context", "source", "scale", "deployment/carts", "-n", "sock-shop", "--replicas", "3")
    assert r.returncode == 0, r.stderr
    assert s.get("source", "Deployment", "carts", "sock-shop")["spec"]["replicas"] == 3
    r = k(kubectl, s, "--context", "source", "patch", "deployment", "carts", "-n", "sock-shop", "--type", "merge",
          "-p", '{"metadata":{"annotations":{"migration.openshift.io/preQuiesceReplicas":null}}}')
    assert r.returncode == 0, r.stderr
    assert "migration.openshift.io/preQuiesceReplicas" not in s.get("source", "Deployment", "carts", "sock-shop")["metadata"].get("annotations", {})
    r = k(kubectl, s, "--context", "target", "delete", "configmap", "front-end-config", "-n", "sock-shop")
    assert r.returncode == 0 and 'configmap "front-end-config" deleted' in r.stdout
    assert s.get("target", "ConfigMap", "front-end-config", "sock-shop") is None
    r = k(kubectl, s, "--context", "target", "delete", "configmap", "front-end-config", "-n", "sock-shop")
    assert r.returncode == 1 and "NotFound" in r.stderr


def test_logs_plain_tail_and_follow_that_ends(s, kubectl):
    r = k(kubectl, s, "--context", "source", "logs", "-n", NS, "velero-7d9c4b8f5-x2x7q")
    assert r.returncode == 0 and "Backup completed" in r.stdout and not r.stdout.startswith("20")
    r = k(kubectl, s, "--context", "source", "logs", "-n", NS, "velero-7d9c4b8f5-x2x7q", "--tail", "1", "--timestamps")
    assert len(r.stdout.splitlines()) == 1 and r.stdout.startswith("2019-08-29T01:02:36")
    s.terminate("source", NS, "restic-8x7vq", "velero")
    r = k(kubectl, s, "--context", "source", "logs", "-f", "-n", NS, "restic-8x7vq", timeout=20)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2
    r = k(kubectl, s, "--context", "host", "logs", "-n", NS, "migration-controller-78c469849c-v6wcf")
    assert r.returncode == 0 and 'Defaulted container "mtc"' in r.stderr and '"msg": "[COMPLETED]"' in r.stdout
