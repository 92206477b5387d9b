"""kubeconfig merging and overrides, jsonpath/custom-columns templates and TYPE/NAME arguments."""

from __future__ import annotations

import io

import pytest
import yaml

from lib import names, printers, render
from lib.errors import MigError, UsageError
from lib.kubeconfig import ConnFlags, resolve


def _write(path, current, clusters=(), users=(), contexts=()):
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": n, "cluster": c} for n, c in clusters],
        "users": [{"name": n, "user": u} for n, u in users],
        "contexts": [{"name": n, "context": c} for n, c in contexts]}))
    return str(path)


@pytest.fixture
def files(tmp_path, monkeypatch):
    a = _write(tmp_path / "a", "", clusters=[("c1", {"server": "https://a:1", "certificate-authority": "ca.crt"})],
               users=[("u1", {"token": "from-a"})])
    b = _write(tmp_path / "b", "ctx", clusters=[("c1", {"server": "https://b:1"}), ("c2", {"server": "https://b:2",
                                                                                          "tls-server-name": "x"})],
               users=[("u1", {"token": "from-b"}), ("u2", {"token": "two"})],
               contexts=[("ctx", {"cluster": "c1", "user": "u1"}), ("other", {"cluster": "c2", "user": "u2"})])
    c = _write(tmp_path / "c", "other")
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{c}:{a}:{b}")
    return tmp_path


def test_first_file_wins_for_entries_and_current_context(files):
    cluster, user, name = resolve(ConnFlags())
    assert name == "other" and cluster["server"] == "https://b:2" and user["token"] == "two"
    cluster, user, name = resolve(ConnFlags(context="ctx"))
    assert cluster["server"] == "https://a:1" and user["token"] == "from-a"
    assert cluster["certificate-authority"] == str(files / "ca.crt")      # relative to its own file


def test_overrides_follow_client_go(files):
    cluster, user, _ = resolve(ConnFlags(context="ctx", insecure=True, token="t", cluster="c2", user="u2"))
    assert cluster == {"server": "https://b:2", "tls-server-name": "x", "insecure-skip-tls-verify": True}
    assert user == {"token": "t"}
    cluster, _, _ = resolve(ConnFlags(server="https://s:3"))
    assert cluster["server"] == "https://s:3" and "tls-server-name" not in cluster   # a server drops it
    with pytest.raises(MigError, match='cluster "nope" does not exist'):
        resolve(ConnFlags(cluster="nope"))
    with pytest.raises(MigError, match='context "nope" does not exist'):
        resolve(ConnFlags(context="nope"))
    cluster, user, _ = resolve(ConnFlags(context="other", token="t"), overrides=False)
    assert user["token"] == "two"                       # source/target contexts take no host flag


def test_impersonation_headers_one_per_group():
    f = ConnFlags(impersonate="me", impersonate_groups=["a", "b"])
    assert f.impersonation() == [("Impersonate-User", "me"), ("Impersonate-Group", "a"), ("Impersonate-Group", "b")]
    assert ConnFlags(impersonate_groups=["a"]).impersonation() == []


DOC = {"kind": "List", "items": [{"kind": "A", "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "x"},
                                                            "annotations": {"mig-tools/cluster": "host"}}},
                                 {"kind": "B", "metadata": {"name": "b"}, "spec": {"n": 2, "ok": True}}]}


@pytest.mark.parametrize("template,out", [
    ("{.items[*].metadata.name}", "a b"),
    ('{range .items[*]}{.kind}/{.metadata.name}{"\\n"}{end}', "A/a\nB/b\n"),
    ("{.items[0].metadata.annotations.mig-tools/cluster}", "host"),
    (r"{.items[0].metadata.labels.app\.kubernetes\.io/name}", "x"),
    ('{.items[?(@.kind=="B")].spec}', '{"n":2,"ok":true}'),
    ("{.items[1].spec.ok} {.items[1].spec.n}", "true 2"),
    (".items[1].metadata.name", "b"),
    ("{.items[5].metadata.name}", ""),
    ("{..n}", "2"),
])
def test_jsonpath_templates(template, out):
    assert printers.jsonpath(template, DOC) == out


@pytest.mark.parametrize("bad", ["{range .items[*]}", "{end}", "{.items[}", "{.a"])
def test_bad_jsonpath_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        render.Output(f"jsonpath={bad}")


def test_custom_columns_and_no_headers():
    buf = io.StringIO()
    render.Output("custom-columns=NAME:.metadata.name,N:.spec.n", out=buf).objects(DOC["items"])
    assert buf.getvalue().splitlines() == ["NAME   N", "a      <none>", "b      2"]
    buf = io.StringIO()
    render.Output("custom-columns=NAME:{.metadata.name}", no_headers=True, out=buf).objects(DOC["items"])
    assert buf.getvalue() == "a\nb\n"
    with pytest.raises(UsageError):
        render.Output("custom-columns=NAME")


def test_formats_are_checked_once_with_their_argument():
    with pytest.raises(UsageError, match="allowed formats are: json,yaml"):
        render.Output("jsonpath={.a}", ("table", "json", "yaml"))
    with pytest.raises(UsageError):
        render.Output("jsonpath")
    with pytest.raises(UsageError):
        render.Output("json=x")


def test_empty_tables_print_nothing(capsys):
    buf = io.StringIO()
    render.Output(None, out=buf).table([], [render.Column("NAME", str)], empty="No things found.")
    assert buf.getvalue() == "" and capsys.readouterr().err == "No things found.\n"


@pytest.mark.parametrize("arg,name", [("m1", "m1"), ("migmigration/m1", "m1"), ("migmigrations/m1", "m1"),
                                      ("migmigration.migration.openshift.io/m1", "m1")])
def test_names_as_kubectl_prints_them(arg, name):
    assert names.name_of(arg, "migmigration") == name


@pytest.mark.parametrize("arg", ["backup.velero.io/m1", "migplan/m1", "migmigration.other.io/m1", "migmigration/",
                                 "/m1", "migmigration/a/b"])
def test_names_of_another_kind_are_refused(arg):
    with pytest.raises(UsageError):
        names.name_of(arg, "migmigration")


def test_a_command_imports_no_module_it_does_not_use():
    """lib/kubeapi.py defers what the kubernetes client imports for paths we never take; the real
    modules still import afterwards (an exec credential plugin's OIDC path needs requests)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; import lib.session, plugins.mig_crs; "
            "print(sorted(m for m in ('requests', 'dateutil', 'oauthlib', 'requests_oauthlib', 'multiprocessing', "
            "'multiprocessing.pool', 'importlib.metadata', 'kubernetes.config.kube_config', 'jsonpath_ng', "
            "'dataclasses', 'inspect', 'tempfile', 'shutil', 'certifi', 'mimetypes', 'difflib') "
            "if m in sys.modules)); "
            "from kubernetes.client import configuration, rest, api_client; "
            "import requests.utils, dateutil.parser, importlib.metadata, multiprocessing, certifi, tempfile; "
            "print(callable(requests.utils.should_bypass_proxies), importlib.metadata.version('urllib3') != '', "
            "configuration.multiprocessing.cpu_count() == multiprocessing.cpu_count(), "
            "rest.certifi.where() == certifi.where(), api_client.mimetypes.guess_type('a.json')[0], "
            "sys.modules['tempfile'] is tempfile and 'mkdtemp' in dir(tempfile))")
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                       capture_output=True, text=True, check=True)
    assert r.stdout.splitlines() == ["[]", "True True True True application/json True"], r.stdout + r.stderr
