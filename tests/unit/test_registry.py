"""The check registry against what depends on it: every module registers, every declared kind resolves,
gather collects what the checks read, the docs list every finding id, and one broken check stays one
`unchecked` line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib import checks
from lib.checks import registry
from lib.gather import spec
from lib.graph import GRAPH_KINDS
from lib.resources import resource
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

DOC = Path(__file__).resolve().parents[2] / "docs" / "mig-verify.md"


def test_every_check_module_registers_checks():
    checks.discover()
    fns = {c.fn.__module__.rsplit(".", 1)[-1] for c in checks.CHECKS}
    assert checks.modules() and set(checks.modules()) <= fns


def test_every_declared_kind_resolves_and_is_gathered():
    needs, logs = checks.needed()
    assert needs and logs
    for n in needs:
        r = resource(n.kind)               # the live source and gather know it without discovery
        if n.scope == "app":
            assert n.kind in spec.SUMMARY_KINDS
        else:
            assert n.kind in (spec.MTC_KINDS if r.namespaced else spec.CLUSTER_KINDS), n
    for kinds in GRAPH_KINDS.values():
        assert all(k in spec.MTC_KINDS for k in kinds)


def test_docs_list_every_finding_id_and_only_those():
    checks.discover()
    table = DOC.read_text().split("| id | severity | check |")[1].split("\n\n")[0]
    documented = set(re.findall(r"`([a-z0-9-]+)`", "\n".join(ln.split("|")[1] for ln in table.splitlines()
                                                               if ln.startswith("| `"))))
    registered = {i for c in checks.CHECKS for i in c.ids}
    assert documented == registered


def test_a_failing_check_is_one_unchecked_line_and_the_rest_stands(monkeypatch):
    def broken(f):
        raise KeyError("Frobnicator")
        yield  # pragma: no cover

    monkeypatch.setattr(registry, "CHECKS", list(registry.CHECKS) + [registry.Check(("broken-check",), broken)])
    src = ScenarioSource("restic-timeout")
    rep = verify(src, "f7b5e1a2", now=src.now)
    assert "check broken-check: internal error: KeyError: 'Frobnicator'" in rep.problems
    assert "restic-timeout" in {f.id for f in rep.findings} and rep.verdict == "FAILED"
    assert rep.details == []                                  # tracebacks only with -v
    rep = verify(src, "f7b5e1a2", now=src.now, verbose=True)
    assert any("Traceback" in d for d in rep.details)


def test_an_undeclared_read_is_caught_in_strict_mode(monkeypatch):
    def sneaky(f):
        f.listed("target", "StorageClass")
        return []

    monkeypatch.setattr(registry, "CHECKS", [registry.Check(("sneaky",), sneaky)])
    src = ScenarioSource("sock-shop-success")
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert rep.undeclared == ["check sneaky reads StorageClass (mtc) on target without declaring it"]


def test_finding_is_built_by_keyword_with_a_known_severity():
    with pytest.raises(TypeError):
        registry.Finding("x", "error", "t")                   # type: ignore[misc]
    with pytest.raises(ValueError):
        registry.Finding(id="x", severity="fatal", title="t")  # type: ignore[arg-type]


def test_discover_answers_only_once_every_check_module_is_imported(monkeypatch):
    # mig-gather's cluster threads compute what to collect at once (lib/gather/spec): a thread that got the modules
    # of a discovery still under way lost the kinds the others declare (rollback-needed's VirtualMachine)
    import importlib
    import threading

    monkeypatch.setattr(checks, "_LOADED", [])
    blocked, go, real = threading.Event(), threading.Event(), importlib.import_module
    calls: list[str] = []

    def slow(name, *a):
        calls.append(name)
        if len(calls) == 2:         # the first thread is between two modules
            blocked.set()
            go.wait(5)
        return real(name, *a)

    monkeypatch.setattr(checks.importlib, "import_module", slow)
    got: dict[str, list] = {}
    first = threading.Thread(target=lambda: got.setdefault("first", checks.discover()))
    first.start()
    assert blocked.wait(5)
    second = threading.Thread(target=lambda: got.setdefault("second", checks.discover()))
    second.start()
    second.join(0.3)
    go.set()
    first.join(5)
    second.join(5)
    assert got["first"] == got["second"] == checks.modules()
