"""A directory handed to --must-gather gets the rules of an archive: FIFOs, devices, symlinks out
of the tree, huge files, documents nested to crash the YAML extension or aliased to explode, and
directories nested past any layout are each skipped with a line naming the file, in bounded time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lib.errors import ApiError
from lib.mustgather import layout, open_must_gather
from tests.unit.fakes import alarm

NS = "openshift-migration"
POD = "velero-1"


def _bundle(tmp_path: Path) -> Path:
    top = tmp_path / "bundle"
    core = top / "cluster" / "namespaces" / NS / "core"
    core.mkdir(parents=True)
    (core / "pods.yaml").write_text(
        f"apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {{name: {POD}, namespace: {NS}}}\n")
    return top


def _log(top: Path, pod: str) -> Path:
    d = top / "cluster" / "namespaces" / NS / "pods" / pod / "velero" / "velero" / "logs"
    d.mkdir(parents=True)
    return d / "current.log"


@pytest.fixture(autouse=True)
def _bounded():
    """Nothing here may block: a FIFO read would hang forever."""
    with alarm(20, TimeoutError("blocked on a hostile file")):
        yield


def _names(src) -> set:
    return {x["metadata"]["name"] for cd in src.clusters for x in cd.objects}


def _skipped(capsys) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if "skipped" in ln]


def test_fifo_device_and_escaping_symlinks_are_skipped_by_name(tmp_path, capsys):
    top = _bundle(tmp_path)
    os.mkfifo(_log(top, "fifo-pod"))
    _log(top, "zero-pod").symlink_to("/dev/zero")
    secret = tmp_path / "outside.yaml"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: stolen, namespace: x}\n")
    (top / "cluster" / "namespaces" / NS / "core" / "secrets.yaml").symlink_to(secret)
    (top / "cluster" / "namespaces" / NS / "core" / "alias.yaml").symlink_to("pods.yaml")   # inside: read
    src = open_must_gather(str(top))
    assert [p["metadata"]["name"] for p in src.list("host", "Pod", NS)] == [POD]
    assert "stolen" not in _names(src)
    for pod in ("fifo-pod", "zero-pod"):
        with pytest.raises(ApiError) as e:
            src.logs("host", NS, pod, "velero")
        assert e.value.status == 404
    lines = _skipped(capsys)
    assert any("fifo-pod" in ln and "not a regular file" in ln for ln in lines)
    assert any("zero-pod" in ln and "outside the bundle" in ln for ln in lines)
    assert any("secrets.yaml" in ln and "outside the bundle" in ln for ln in lines)


def test_a_character_device_is_skipped(tmp_path, capsys):
    top = _bundle(tmp_path)
    try:
        os.mknod(_log(top, "dev-pod"), stat.S_IFCHR | 0o600, os.makedev(1, 5))      # /dev/zero's numbers
    except PermissionError:
        pytest.skip("mknod needs CAP_MKNOD")
    src = open_must_gather(str(top))
    with pytest.raises(ApiError):
        src.logs("host", NS, "dev-pod", "velero")
    assert any("dev-pod" in ln and "not a regular file" in ln for ln in _skipped(capsys))


def test_deep_documents_alias_bombs_and_huge_files_are_skipped(tmp_path, capsys, monkeypatch):
    top = _bundle(tmp_path)
    core = top / "cluster" / "namespaces" / NS / "core"
    (core / "deep.json").write_text("[" * 50000 + "]" * 50000)
    (core / "deep.yaml").write_text("- " * 50000 + "x\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    (core / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: x}\ndata:\n"
                                    + "".join("  " + ln + "\n" for ln in bomb.splitlines()))
    monkeypatch.setattr(layout, "MAX_OBJECT_FILE", 1 << 20)
    (core / "huge.yaml").write_bytes(b"# padding\n" * (200 << 10))
    src = open_must_gather(str(top))
    assert [p["metadata"]["name"] for p in src.list("host", "Pod", NS)] == [POD]
    assert "bomb" not in _names(src)
    lines = _skipped(capsys)
    assert any("deep.json" in ln and "deeper than" in ln for ln in lines)
    assert any("deep.yaml" in ln and "deeper than" in ln for ln in lines)
    assert any("bomb.yaml" in ln and "aliases" in ln for ln in lines)
    assert any("huge.yaml" in ln and "MiB" in ln for ln in lines)


def test_directories_nested_past_any_layout_stop_the_walk(tmp_path, capsys):
    top = _bundle(tmp_path)
    d = top / "cluster"
    for i in range(60):
        d = d / f"d{i}"
    d.mkdir(parents=True)
    (d / "x.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: deep-pod, namespace: x}\n")
    src = open_must_gather(str(top))
    assert "deep-pod" not in _names(src)
    assert any("deeper than" in ln for ln in _skipped(capsys))
