"""Every built krew manifest passes krew's own validation rules, and its archive installs a working plugin.

The rules are krew's `ValidatePlugin` (internal/index/validation): apiVersion, kind, a safe name
equal to the file name, a one-line shortDescription, a `v`-prefixed semver, and per platform
uri, a 64-hex sha256, bin, from/to files and an os/arch selector.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
import yaml

import build

SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
WINDOWS_FORBIDDEN = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}


def krew_errors(name: str, m: dict) -> list[str]:
    errs = []
    if m.get("apiVersion") != "krew.googlecontainertools.github.com/v1alpha2":
        errs.append(f"apiVersion {m.get('apiVersion')!r}")
    if m.get("kind") != "Plugin":
        errs.append(f"kind {m.get('kind')!r}")
    if not re.fullmatch(r"[\w-]+", name) or name.upper() in WINDOWS_FORBIDDEN:
        errs.append(f"unsafe name {name!r}")
    if (m.get("metadata") or {}).get("name") != name:
        errs.append("metadata.name differs from the file name")
    spec = m.get("spec") or {}
    sd = spec.get("shortDescription") or ""
    if not sd or "\n" in sd or "\r" in sd:
        errs.append("shortDescription missing or not one line")
    if not SEMVER.match(str(spec.get("version", ""))):
        errs.append(f"version {spec.get('version')!r} is not v-prefixed semver")
    plats = spec.get("platforms") or []
    if not plats:
        errs.append("no platforms")
    for p in plats:
        if not p.get("uri"):
            errs.append("platform without uri")
        if not re.fullmatch(r"[a-f0-9]{64}", str(p.get("sha256", ""))):
            errs.append(f"sha256 {p.get('sha256')!r} invalid")
        if not p.get("bin"):
            errs.append("platform without bin")
        files = p.get("files")
        if files is not None and (not files or any(not f.get("from") or not f.get("to") for f in files)):
            errs.append("files must be unset or have from/to")
        sel = p.get("selector")
        if not sel or (not sel.get("matchLabels") and not sel.get("matchExpressions")):
            errs.append("empty selector")
        else:
            keys = list(sel.get("matchLabels") or {}) + [e.get("key") for e in sel.get("matchExpressions") or []]
            if any(k not in ("os", "arch") for k in keys):
                errs.append(f"selector keys {keys} (only os, arch)")
            for e in sel.get("matchExpressions") or []:
                if e.get("operator") not in ("In", "NotIn", "Exists", "DoesNotExist") or \
                        (e.get("operator") in ("In", "NotIn") and not e.get("values")):
                    errs.append(f"bad matchExpression {e}")
    return errs


def test_validator_rejects_what_krew_rejects():
    good = {"apiVersion": "krew.googlecontainertools.github.com/v1alpha2", "kind": "Plugin",
            "metadata": {"name": "mig-x"}, "spec": {"version": "v0.1.0", "shortDescription": "x",
            "platforms": [{"uri": "u", "sha256": "a" * 64, "bin": "b", "selector": {"matchLabels": {"os": "linux"}}}]}}
    assert krew_errors("mig-x", good) == []
    for mutate in (lambda m: m["spec"].update(version="0.1.0"), lambda m: m["metadata"].update(name="other"),
                   lambda m: m["spec"]["platforms"][0].update(sha256="XYZ"),
                   lambda m: m["spec"]["platforms"][0].update(selector={"matchLabels": {"distro": "x"}}),
                   lambda m: m["spec"].update(shortDescription="two\nlines")):
        bad = yaml.safe_load(yaml.safe_dump(good))
        mutate(bad)
        assert krew_errors("mig-x", bad), bad


@pytest.mark.parametrize("plugin", list(build.PLUGINS))
def test_manifest_validates_and_archive_installs_a_working_plugin(plugin, dist_dir, tmp_path, kubectl):
    name = f"mig-{plugin}"
    manifest = yaml.safe_load((dist_dir / "krew" / f"{name}.yaml").read_text())
    assert krew_errors(name, manifest) == []
    archive = dist_dir / f"{name}.tar.gz"
    plat = manifest["spec"]["platforms"][0]
    assert plat["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert plat["uri"].endswith(f"/{manifest['spec']['version']}/{archive.name}")

    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        for f in plat.get("files") or []:
            assert f["from"] in members, f"{f['from']} missing from {archive.name}"
        assert plat["bin"] in members and members[plat["bin"]].mode & 0o111
        tar.extractall(tmp_path / "bin")

    # krew links `bin` onto PATH: kubectl must discover it as `kubectl mig-<name>`.
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    listed = kubectl(None, "plugin", "list", "--name-only", env=env)
    assert f"kubectl-mig_{plugin}" in listed.stdout
    helped = kubectl(None, name, "--help", env=env)
    assert helped.returncode == 0, helped.stderr
    assert f"kubectl {name}" in helped.stdout and "Examples:" in helped.stdout


def test_zipapps_run_on_the_oldest_supported_python(dist_dir, tmp_path):
    py39 = Path("/root/.pyenv/versions/3.9.18/bin/python")
    if not py39.exists():
        pytest.skip("no Python 3.9 on this machine")
    # Its own SHIV_ROOT: an extraction byte-compiled by 3.9 would leave the default one without
    # .pyc for the usual python3 (and PYTHONDONTWRITEBYTECODE=1 would then recompile every run).
    env = dict(os.environ, SHIV_ROOT=str(tmp_path / "shiv"))
    for plugin in build.PLUGINS:
        r = subprocess.run([str(py39), str(dist_dir / f"kubectl-mig_{plugin}"), "x", "--kubeconfig", "/nonexistent"],
                           capture_output=True, text=True, timeout=60, env=env)
        assert r.returncode == 1 and r.stderr.startswith("error: kubeconfig /nonexistent"), (plugin, r.stderr)


@pytest.mark.parametrize("plugin", list(build.PLUGINS))
def test_manifest_follows_krew_index_guidelines(plugin):
    """krew-index: shortDescription short enough for `krew search` (<= 50), requirements in caveats,
    a description of what the plugin does rather than its options."""
    text = (build.ROOT / "krew" / f"mig-{plugin}.yaml").read_text()
    spec = yaml.safe_load(text.replace("{{VERSION}}", "v0.0.0").replace("{{SHA256}}", "a" * 64)
                          .replace("{{ARCHIVE}}", "x"))["spec"]
    assert len(spec["shortDescription"]) <= 50, spec["shortDescription"]
    assert "python3" in spec["caveats"] and "python3" not in spec["description"]
    assert not re.search(r"(^|\s)--?[a-z]", spec["description"]), spec["description"]
    assert "kubectl plugin" not in spec["description"].lower()
    files = {f["from"] for f in spec["platforms"][0]["files"]}
    assert {f"kubectl_complete-mig_{plugin}", f"oc_complete-mig_{plugin}"} <= files


def test_builds_are_byte_reproducible(tmp_path):
    site = build.site_packages()
    first = build.build("crs", site, tmp_path / "a")
    time.sleep(1.1)                          # a gzip header or tar entry with the time would now differ
    second = build.build("crs", site, tmp_path / "b")
    for x, y in zip(first, second):
        assert hashlib.sha256(x.read_bytes()).digest() == hashlib.sha256(y.read_bytes()).digest(), x.name
    with tarfile.open(first[1]) as tar:
        names = tar.getnames()
        assert names == sorted(names) and all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
