"""pytest fixture `sim`: start(scenario, **kw) -> a running Emulator, stopped at teardown."""

from __future__ import annotations

import pytest

from . import Emulator


@pytest.fixture
def sim(tmp_path_factory):
    started = []

    def start(scenario: str, **kw) -> Emulator:
        e = Emulator.from_scenario(scenario, workdir=tmp_path_factory.mktemp("sim"), **kw)
        started.append(e)
        return e

    yield start
    for e in started:
        e.stop()
