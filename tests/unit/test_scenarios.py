"""Every scenario through every check, without a server: the verdict and findings each scenario file
states under `expect:`, and no check reading what it did not declare (what gather collects follows
from the declarations, so an undeclared read is data a must-gather would not have)."""

from __future__ import annotations

import pytest

from lib.verify import EXIT_CODES, verify
from tests.emulator import scenario as scen
from tests.unit.scenario_source import ScenarioSource

SCENARIOS = sorted(p.stem for p in scen.SCENARIO_DIR.glob("*.yaml"))
CASES = [(s, m) for s in SCENARIOS for m in (ScenarioSource(s).expect or {})]


def test_every_scenario_states_its_expectations():
    assert SCENARIOS
    assert [s for s in SCENARIOS if not ScenarioSource(s).expect] == []


@pytest.mark.parametrize("scenario,migration", CASES)
def test_scenario_verdict_and_findings(scenario, migration):
    src = ScenarioSource(scenario)
    want = src.expect[migration]
    rep = verify(src, migration, now=src.now, strict=True, verbose=True)
    ids = {f.id for f in rep.findings}
    assert (rep.verdict, rep.exit_code) == (want["verdict"], want["exit"]), (ids, rep.problems, rep.details)
    assert EXIT_CODES[rep.verdict] == want["exit"] or rep.exit_code == want["exit"]
    assert set(want.get("findings") or []) <= ids, (ids, rep.problems)
    assert not set(want.get("absent") or []) & ids, ids
    assert rep.undeclared == []
    assert not [p for p in rep.problems if "internal error" in p], rep.details
