"""kubectl's connection flags on the plugins, checked against what the real kubectl does with them."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import yaml

MIG = "88435fe0-c9f8-11e9-85e6-5d593ce65e10"


@pytest.fixture
def s(sim):
    return sim("sock-shop-success")


def _kc(s) -> dict:
    with open(s.kubeconfig) as f:
        return yaml.safe_load(f)


def test_kubeconfig_merge_takes_current_context_from_the_first_file(s, kubectl, tmp_path):
    first = tmp_path / "first"
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "source"}))
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{first}:{s.kubeconfig}"}
    assert kubectl(None, "config", "current-context", env=env).stdout.strip() == "source"
    r = kubectl(None, "mig-crs", "-v", "6", env=env)
    assert r.returncode == 0, r.stderr
    assert f"GET {s.cluster('source').url}/apis/migration.openshift.io" in r.stderr
    assert s.cluster("host").url not in r.stderr
    assert "No MigMigrations found" in r.stderr and r.stdout == ""


def test_first_file_wins_for_a_cluster_defined_twice(s, kubectl, tmp_path):
    shadow = _kc(s)
    shadow["current-context"] = ""
    for c in shadow["clusters"]:
        if c["name"] == "host":
            c["cluster"] = {"server": s.cluster("target").url, **{k: v for k, v in c["cluster"].items()
                                                                 if k != "server"}}
    first = tmp_path / "shadow"
    first.write_text(yaml.safe_dump(shadow))
    env = {"KUBECONFIG": f"{first}:{s.kubeconfig}"}
    r = kubectl(None, "mig-crs", "-v", "6", env=env)
    k = kubectl(None, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}", env=env)
    assert k.stdout == s.cluster("target").url
    assert f"GET {s.cluster('target').url}/" in r.stderr and s.cluster("host").url not in r.stderr


def test_request_timeout_is_a_float_and_bounds_the_request(s, kubectl):
    t0 = time.monotonic()
    assert kubectl(s, "mig-crs", "--request-timeout", "1.5s").returncode == 0
    baseline = time.monotonic() - t0                  # start-up and the answers, on a loaded machine
    s.reset_requests("host")
    s.fault("host", path="migmigrations", latency=6)
    t0 = time.monotonic()
    r = kubectl(s, "mig-crs", "--request-timeout", "1.5s")
    took = time.monotonic() - t0
    assert r.returncode == 69, r.stderr
    assert took < baseline + 1.5 + 2.5, (took, baseline)     # not the 6 s the server takes
    assert "timed out after 1.5s" in r.stderr and "Traceback" not in r.stderr
    assert s.request_count("host", path="migmigrations") == 1        # a request that timed out is not retried


def test_a_server_that_never_finishes_tls_costs_the_timeout(s, kubectl):
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    held: list = []

    def accept():
        while True:
            try:
                held.append(lsock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        t0 = time.monotonic()
        r = kubectl(s, "mig-crs", "-s", f"https://127.0.0.1:{lsock.getsockname()[1]}",
                    "--insecure-skip-tls-verify", "--request-timeout", "1s", timeout=30)
        took = time.monotonic() - t0
    finally:
        lsock.close()
        for c in held:
            c.close()
    assert r.returncode == 69, r.stderr
    assert took < 4, took
    assert "timed out" in r.stderr


def test_server_token_and_certificate_authority_without_any_kubeconfig(s, kubectl, tmp_path):
    host = s.cluster("host")
    args = ["-s", host.url, "--token", host.token, "--certificate-authority", str(s.ca_file)]
    env = {"KUBECONFIG": str(tmp_path / "none")}
    assert kubectl(None, "get", "--raw", "/version", *args, env=env).returncode == 0
    r = kubectl(None, "mig-crs", *args, env=env)
    assert r.returncode == 0, r.stderr
    assert MIG in r.stdout
    r = kubectl(None, "mig-crs", "-s", host.url, "--token", "wrong", "--insecure-skip-tls-verify", env=env)
    assert r.returncode == 77 and "Unauthorized" in r.stderr
    r = kubectl(None, "mig-crs", "-s", host.url, "--token", host.token, env=env)   # the emulator's own CA
    assert r.returncode == 69 and "certificate" in r.stderr.lower(), r.stderr


def test_token_flag_replaces_the_kubeconfig_user_token(s, kubectl):
    r = kubectl(s, "mig-crs", "--token", "not-the-token")
    assert r.returncode == 77, r.stderr
    api = [q for q in s.requests("host") if q.path.startswith("/api")]
    assert api and all(q.user == "not-the-token" for q in api)


def test_cluster_and_user_flags_pick_kubeconfig_entries(s, kubectl):
    k = kubectl(s, "get", "migmigrations", "-n", "openshift-migration", "--cluster", "source", "--user",
                "source-admin", "-o", "name")
    r = kubectl(s, "mig-crs", "--cluster", "source", "--user", "source-admin")
    assert k.returncode == 0 and k.stdout == ""
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert any(q.path.startswith("/apis/migration.openshift.io") for q in s.requests("source"))
    r = kubectl(s, "mig-crs", "--cluster", "nope")
    assert r.returncode == 1 and r.stderr.strip().endswith('cluster "nope" does not exist')
    r = kubectl(s, "mig-crs", "--user", "nope")
    assert r.returncode == 1 and r.stderr.strip().endswith('auth info "nope" does not exist')


def test_impersonation_headers_as_kubectl_sends_them(s, kubectl):
    flags = ["--as", "system:serviceaccount:openshift-migration:migration-controller",
             "--as-group", "system:serviceaccounts", "--as-group", "mig-admins"]
    s.reset_requests("host")
    assert kubectl(s, "get", "migmigrations", "-n", "openshift-migration", *flags).returncode == 0
    theirs = [(q.as_user, q.as_groups) for q in s.requests("host") if q.path.endswith("/migmigrations")]
    s.reset_requests("host")
    r = kubectl(s, "mig-crs", *flags)
    assert r.returncode == 0, r.stderr
    ours = [(q.as_user, q.as_groups) for q in s.requests("host") if q.path.endswith("/migmigrations")]
    assert ours and theirs and ours[0] == theirs[0]
    assert ours[0] == (flags[1], ["system:serviceaccounts", "mig-admins"])
    assert all(not q.as_user for q in s.requests("source"))     # the host only


def test_tls_server_name_is_checked_against_the_certificate(s, kubectl):
    ok = kubectl(s, "mig-crs", "--tls-server-name", "localhost")
    bad = kubectl(s, "mig-crs", "--tls-server-name", "wrong.example")
    kbad = kubectl(s, "get", "--raw", "/version", "--tls-server-name", "wrong.example")
    assert ok.returncode == 0, ok.stderr
    assert kbad.returncode != 0
    assert bad.returncode == 69 and "wrong.example" in bad.stderr, bad.stderr


def test_client_certificate_files_must_exist(s, kubectl, tmp_path):
    r = kubectl(s, "mig-crs", "--client-certificate", str(tmp_path / "c.crt"), "--client-key", str(tmp_path / "c.key"))
    assert r.returncode == 1 and "c.crt: no such file" in r.stderr


def test_verbosity_logs_requests_and_masks_secrets(s, kubectl):
    r = kubectl(s, "mig-crs", MIG, "-v", "6")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "milliseconds" in ln]
    assert any(f"GET {s.cluster('host').url}/apis/migration.openshift.io/v1alpha1/namespaces/openshift-migration/"
               f"migmigrations" in ln and " 200 in " in ln for ln in lines), r.stderr
    r = kubectl(s, "mig-crs", MIG, "-v=8")
    assert "Response Body:" in r.stderr
    for name in ("source", "target"):
        assert s.cluster(name).token not in r.stderr
    assert "Bearer" not in r.stderr or "Bearer <masked>" in r.stderr


def test_version_and_bad_level(s, kubectl):
    from lib import __version__

    r = kubectl(s, "mig-verify", "--version")
    assert r.returncode == 0 and r.stdout.strip() == f"kubectl mig-verify {__version__}"
    r = kubectl(s, "mig-crs", "-v", "x")
    assert r.returncode == 64 and "invalid log level" in r.stderr and "Traceback" not in r.stderr
