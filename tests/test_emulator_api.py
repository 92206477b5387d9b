"""The emulator's API behaviour, driven through our own client (lib.client) as the plugins use it."""

from __future__ import annotations

import time

import pytest

from lib.client import Client
from lib.clusters import Clusters
from lib.errors import ApiError

NS = "openshift-migration"


@pytest.fixture
def s(sim):
    return sim("sock-shop-success")


def client(s, ctx="target") -> Client:
    """The client a plugin makes for --source-context/--target-context `ctx`."""
    return Clusters(s.kubeconfig, timeout=5).from_context(ctx, ctx)


def test_selectors_and_paging(s):
    c = client(s)
    assert len(c.list("PodVolumeRestore", NS, labels="velero.io/restore-name in (88435fe0-c9f8-11e9-85e6-5d593ce65e10-zb8p4)")) == 2
    assert len(c.list("PodVolumeRestore", NS, labels="velero.io/restore-name notin (88435fe0-c9f8-11e9-85e6-5d593ce65e10-zb8p4)")) == 0
    assert {p["metadata"]["name"] for p in c.list("Pod", NS, labels="!component")} == set()
    assert len(c.list("Pod", "sock-shop", labels="name", limit=2)) == 5
    with pytest.raises(ApiError) as e:
        c.list("Pod", NS, labels="name in restic")
    assert e.value.status == 400


def test_conflict_generation_and_status_subresource(s):
    c = client(s)
    d = c.get("Deployment", "carts", "sock-shop")
    gen, rv = d["metadata"]["generation"], d["metadata"]["resourceVersion"]
    d["spec"]["replicas"] = 4
    new = c.replace("Deployment", d)
    assert new["metadata"]["generation"] == gen + 1 and new["metadata"]["resourceVersion"] != rv
    d["spec"]["replicas"] = 5
    with pytest.raises(ApiError) as e:
        c.replace("Deployment", d)           # stale resourceVersion
    assert e.value.status == 409 and e.value.reason == "Conflict"
    st = c.patch("Deployment", "carts", "sock-shop", {"status": {"readyReplicas": 9}, "spec": {"replicas": 1}},
                 sub="status")
    assert st["status"]["readyReplicas"] == 9 and st["spec"]["replicas"] == 4   # status only
    sc = c.patch("Deployment", "carts", "sock-shop", {"spec": {"replicas": 0}}, sub="scale")
    assert sc["kind"] == "Scale" and c.get("Deployment", "carts", "sock-shop")["spec"]["replicas"] == 0


def test_json_and_strategic_patches(s):
    c = client(s)
    c.patch("Deployment", "carts", "sock-shop", [{"op": "add", "path": "/metadata/annotations", "value": {"a": "1"}}], "json")
    c.patch("Deployment", "carts", "sock-shop", {"spec": {"template": {"spec": {"containers": [
        {"name": "carts", "image": "new"}]}}}}, "strategic")
    d = c.get("Deployment", "carts", "sock-shop")
    assert d["metadata"]["annotations"] == {"a": "1"}
    assert d["spec"]["template"]["spec"]["containers"] == [{"name": "carts", "image": "new"}]


def test_delete_cascades_unless_orphaned_and_checks_uid(s):
    c = client(s)
    owner = c.get("StatefulSet", "carts-db", "sock-shop")
    pod = c.get("Pod", "carts-db-0", "sock-shop")
    pod["metadata"]["ownerReferences"] = [{"kind": "StatefulSet", "name": "carts-db", "uid": owner["metadata"]["uid"]}]
    c.replace("Pod", pod)
    with pytest.raises(ApiError) as e:
        c.delete("StatefulSet", "carts-db", "sock-shop", uid="not-the-uid")
    assert e.value.status == 409
    c.delete("StatefulSet", "carts-db", "sock-shop")
    assert c.get_or_none("Pod", "carts-db-0", "sock-shop") is None
    with pytest.raises(ApiError) as e:
        c.get("StatefulSet", "carts-db", "sock-shop")
    assert e.value.not_found and 'statefulsets.apps "carts-db" not found' in str(e.value)


def test_reads_retry_on_429_500_and_drops(s):
    c = client(s)
    s.fault("target", method="GET", path="/restores", status=429, retry_after=0.1, times=1)
    s.fault("target", method="GET", path="/restores", status=500, times=1)
    s.fault("target", method="GET", path="/restores", drop=True, times=1)
    s.reset_requests("target")
    assert len(c.list("Restore", NS)) == 3
    assert s.request_count("target", "GET", "/restores") == 4
    s.fault("target", method="GET", path="/restores", status=500)
    with pytest.raises(ApiError) as e:
        c.list("Restore", NS)
    assert e.value.status == 500 and e.value.code == 69


def test_latency_and_timeouts(s):
    c = client(s)
    s.fault("target", path="/restores", latency=0.3, times=1)
    t0 = time.monotonic()
    c.list("Restore", NS)
    assert time.monotonic() - t0 >= 0.3


def test_tokens_401_and_403(s):
    s.add_token("source", "ro-token", allow=[{"verbs": ["get", "list"], "resources": ["pods", "pods/log"]}])
    cfg = client(s, "source").config
    cfg.refresh_api_key_hook = None          # else the kubeconfig's token comes back on every call
    cfg.api_key = {"authorization": "Bearer ro-token"}
    c = Client(cfg, "source", timeout=5)
    assert c.list("Pod", NS)
    with pytest.raises(ApiError) as e:
        c.list("Backup", NS)
    assert e.value.status == 403 and e.value.code == 77 and "cannot list resource" in str(e.value)
    cfg.api_key = {"authorization": "Bearer nope"}
    with pytest.raises(ApiError) as e:
        Client(cfg, "source", timeout=5).list("Pod", NS)
    assert e.value.status == 401


def test_logs_params_and_a_cut_stream(s):
    c = client(s, "source")
    pod, ctr = "velero-7d9c4b8f5-x2x7q", "velero"
    full = b"".join(c.log_stream(NS, pod, ctr)).decode().splitlines()
    assert len(full) == 10
    assert b"".join(c.log_stream(NS, pod, ctr, tail_lines=2)).decode().splitlines() == full[-2:]
    since = b"".join(c.log_stream(NS, pod, ctr, since_time="2019-08-29T01:02:35Z", timestamps=True)).decode()
    assert len(since.splitlines()) == 3 and since.startswith("2019-08-29T01:02:35")
    assert len(b"".join(c.log_stream(NS, pod, ctr, limit_bytes=10))) == 10
    s.fault("source", path="/log$", cut_after_lines=3, times=1)
    got = []
    with pytest.raises(ApiError) as e:
        for chunk in c.log_stream(NS, pod, ctr):
            got.append(chunk)
    assert e.value.status == 0 and b"".join(got).count(b"\n") == 3
    s.append_log("source", NS, pod, ctr, "a new line")
    assert b"".join(c.log_stream(NS, pod, ctr, tail_lines=1)) == b"a new line\n"


def test_scenario_templating_of_urls_tokens_and_times(sim):
    s = sim("stuck-stage-restore")
    mc = s.get("host", "MigCluster", "ocp4-target", NS)
    assert mc["spec"]["url"] == s.cluster("target").url and mc["spec"]["caBundle"]
    mig = s.list("host", "MigMigration", NS)[0]
    assert mig["metadata"]["creationTimestamp"].startswith(time.strftime("%Y-", time.gmtime()))


def test_a_status_fault_reads_the_body_first_so_the_connection_stays_usable(s):
    """A 409 injected on a PATCH, then the same PATCH again on the same connection: the first
    answer must not leave the body on the wire (it was read as the next request line)."""
    c = client(s)
    s.fault("target", method="PATCH", path=r"/deployments/carts$", status=409, times=1)
    body = {"metadata": {"annotations": {"retry": "x" * 4000}}}
    with pytest.raises(ApiError) as e:
        c.patch("Deployment", "carts", "sock-shop", body)
    assert e.value.status == 409
    d = c.patch("Deployment", "carts", "sock-shop", body)        # the retry a 409 calls for
    assert d["metadata"]["annotations"]["retry"] == "x" * 4000
    assert c.get("Deployment", "carts", "sock-shop")["metadata"]["name"] == "carts"
    assert [r.status for r in s.requests("target") if r.path.endswith("/deployments/carts")][-3:] == [409, 200, 200]


def test_download_request_serves_what_object_storage_kept(sim):
    """A scenario's `downloads:` is what the emulated Velero serves for that target (a replaced Velero pod no
    longer logs it), gzipped from a loopback URL that needs no credentials; verify's live Source reads it."""
    import gzip
    import urllib.request

    from lib.gather import velero

    s = sim("velero-restarted")
    c = client(s, "source")
    text = velero.Downloader(c, NS, []).fetch("BackupLog", "jira-final-1122-stage-k7m2x").decode()
    assert "timed out waiting for all PodVolumeBackups to complete" in text and "Backing up item" in text
    assert c.list("DownloadRequest", NS) == []                        # deleted once read
    req = c.create("DownloadRequest", {"apiVersion": "velero.io/v1", "kind": "DownloadRequest",
                                       "metadata": {"generateName": "t-"},
                                       "spec": {"target": {"kind": "BackupLog", "name": "jira-final-1122-stage-k7m2x"}}},
                   NS)
    url = c.get("DownloadRequest", req["metadata"]["name"], NS)["status"]["downloadURL"]
    ctx = __import__("ssl").create_default_context(cadata=s.cluster("source").ca_pem.decode())
    with urllib.request.urlopen(url, context=ctx) as r:              # no Authorization header: pre-signed
        assert gzip.decompress(r.read()).decode() == text


def test_kubevirt_start_and_stop_subresources_answer_as_virt_api(sim):
    """tests/emulator/kubevirt.py: 202 without a body on success, 404 for a VM that does not exist, 409 where virt-api
    refuses (kubevirt pkg/virt-api/rest/lifecycle.go), only PUT."""
    s = sim("vm-quiesced")
    c = client(s, "source")
    path = "/apis/subresources.kubevirt.io/v1/namespaces/vms/virtualmachines/{}/{}"
    assert c.request("PUT", path.format("rhel9-vm", "start"), body={}) == {}
    assert c.get("VirtualMachine", "rhel9-vm", "vms")["spec"]["runStrategy"] == "Always"      # Halted -> Always
    assert [(r.method, r.status) for r in s.requests("source") if r.path.endswith("/rhel9-vm/start")] == [("PUT", 202)]
    for name, action, status in (("rhel9-vm", "start", 409),      # Always does not support manual start requests
                                 ("no-such-vm", "start", 404), ("rhel9-vm", "restart", 404)):
        with pytest.raises(ApiError) as e:
            c.request("PUT", path.format(name, action), body={})
        assert e.value.status == status, (name, action)
    with pytest.raises(ApiError) as e:
        c.request("POST", path.format("rhel9-vm", "stop"), body={})
    assert e.value.status == 405
    assert c.request("PUT", path.format("rhel9-vm", "stop"), body={}) == {}
    assert c.get("VirtualMachine", "rhel9-vm", "vms")["spec"]["runStrategy"] == "Halted"
    c.patch("VirtualMachine", "fedora-scratch", "vms", {"spec": {"runStrategy": None, "running": False}})
    c.request("PUT", path.format("fedora-scratch", "start"), body={})       # spec.running, not runStrategy
    spec = c.get("VirtualMachine", "fedora-scratch", "vms")["spec"]
    assert spec["running"] is True and "runStrategy" not in spec
    c.patch("VirtualMachine", "rhel9-vm", "vms", {"spec": {"runStrategy": "Manual"}})
    c.request("PUT", path.format("rhel9-vm", "start"), body={})             # Manual: a start request for virt-controller
    vm = c.get("VirtualMachine", "rhel9-vm", "vms")
    assert vm["spec"]["runStrategy"] == "Manual" and vm["status"]["stateChangeRequests"] == [{"action": "Start"}]
