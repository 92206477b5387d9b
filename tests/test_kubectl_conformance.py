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


def test_create_secret_generic_sends_protobuf_and_is_stored(s, kubectl):
    r = k(kubectl, s, "--context", "target", "create", "secret", "generic", "creds", "-n", NS,
          "--from-literal=password=s3cr3t", "--from-literal=user=admin")
    assert r.returncode == 0 and "secret/creds created" in r.stdout, r.stderr
    got = s.get("target", "Secret", "creds", NS)
    assert got["data"] == {"password": "czNjcjN0", "user": "YWRtaW4="} and got["type"] == "Opaque"
    r = k(kubectl, s, "--context", "target", "create", "configmap", "cfg", "-n", NS, "--from-literal=a=b")
    assert r.returncode == 0 and s.get("target", "ConfigMap", "cfg", NS)["data"] == {"a": "b"}
    r = k(kubectl, s, "--context", "target", "create", "serviceaccount", "sa1", "-n", NS)
    assert r.returncode == 0 and s.get("target", "ServiceAccount", "sa1", NS) is not None


def test_create_and_apply_files_validate_through_openapi_v3(s, kubectl, tmp_path):
    f = tmp_path / "objs.yaml"
    f.write_text(f"""apiVersion: v1
kind: ConfigMap
metadata: {{name: applied, namespace: {NS}}}
data: {{a: "1"}}
---
apiVersion: migration.openshift.io/v1alpha1
kind: MigPlan
metadata: {{name: plan-from-file, namespace: {NS}}}
spec: {{namespaces: [demo]}}
""")
    s.reset_requests("host")
    r = k(kubectl, s, "create", "-f", str(f))
    assert r.returncode == 0, r.stderr
    assert any(q.path == "/openapi/v3" for q in s.requests("host"))
    posts = [q for q in s.requests("host") if q.method == "POST"]
    assert posts and all("fieldValidation=Strict" in q.query for q in posts)     # validated by the server
    f.write_text(f.read_text().replace('a: "1"', 'a: "2"'))
    r = k(kubectl, s, "apply", "-f", str(f))
    assert r.returncode == 0, r.stderr
    assert s.get("host", "ConfigMap", "applied", NS)["data"] == {"a": "2"}
    r = k(kubectl, s, "get", "--raw", "/openapi/v3/apis/migration.openshift.io/v1alpha1")
    doc = json.loads(r.stdout)
    plan = next(v for n, v in doc["components"]["schemas"].items() if n.endswith(".MigPlan"))
    assert "spec" in plan["properties"]                                      # the CRD's own schema
    r = k(kubectl, s, "get", "--raw", "/openapi/v2")
    assert r.returncode == 0 and json.loads(r.stdout)["swagger"] == "2.0"


def test_edit_non_interactive(s, kubectl, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: [0-9]*/replicas: 4/' \"$1\"\n")
    editor.chmod(0o755)
    r = k(kubectl, s, "--context", "source", "edit", "deployment/carts", "-n", "sock-shop",
          env={"KUBE_EDITOR": str(editor)})
    assert r.returncode == 0 and "edited" in r.stdout, r.stderr
    assert s.get("source", "Deployment", "carts", "sock-shop")["spec"]["replicas"] == 4


def test_get_watch_sees_changes_until_its_timeout(s, kubectl):
    import subprocess
    import threading
    import time

    out: dict = {}

    def watch():
        out["r"] = k(kubectl, s, "--context", "target", "get", "configmaps", "-n", "sock-shop", "-w",
                     "--request-timeout", "4s", "-o", "name")

    t = threading.Thread(target=watch)
    t.start()
    deadline = time.monotonic() + 30
    while not any("watch=true" in q.query for q in s.requests("target")) and time.monotonic() < deadline:
        time.sleep(0.05)
    s.put("target", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late", "namespace": "sock-shop"}})
    t.join(60)
    r = out["r"]
    assert "configmap/late" in r.stdout.split(), (r.stdout, r.stderr)
    assert r.stdout.split().count("configmap/front-end-config") == 1          # listed once, not re-sent
    del subprocess


def test_stop_is_prompt_with_open_connections(sim):
    import socket
    import time

    e = sim("sock-shop-success")
    host = e.cluster("host")
    port = int(host.url.rsplit(":", 1)[1])
    silent = socket.create_connection(("127.0.0.1", port))          # never starts TLS
    idle = socket.create_connection(("127.0.0.1", port))
    try:
        time.sleep(0.2)
        t0 = time.monotonic()
        e.stop()
        assert time.monotonic() - t0 < 1.0
    finally:
        silent.close()
        idle.close()


def test_sigterm_stops_the_emulator_process_within_a_second(tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    from tests.simproc import ROOT

    kc = tmp_path / "kubeconfig"
    p = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--scenario", "sock-shop-success",
                          "--kubeconfig-out", str(kc)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not kc.exists() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        import yaml

        url = yaml.safe_load(kc.read_text())["clusters"][0]["cluster"]["server"]
        held = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        watcher = subprocess.Popen(["kubectl", "--kubeconfig", str(kc), "get", "pods", "-A", "-w"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={k: v for k, v in os.environ.items() if not k.startswith("KUBE")})
        time.sleep(2)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        assert time.monotonic() - t0 < 1.0
        watcher.wait(10)
        held.close()
    finally:
        if p.poll() is None:
            p.kill()
