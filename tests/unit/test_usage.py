"""Flags that cannot be combined, negative counts and empty names are refused before anything is
read: one line naming the flags, exit 64."""

from __future__ import annotations

import argparse

import pytest

from lib.errors import EXIT_USAGE, UsageError
from plugins import mig_crs, mig_gather, mig_logs, mig_rollback, mig_verify

CASES = [
    (mig_crs, ["88435fe0", "--plan", "p"], ["migration", "--plan"]),
    (mig_crs, ["", "-o", "yaml"], ["migration name"]),
    (mig_crs, ["--plan", " "], ["--plan"]),
    (mig_logs, ["--output-dir", "d", "--archive", "a.tar.gz"], ["--output-dir", "--archive"]),
    (mig_logs, ["-f", "--archive", "a.tar.gz"], ["--follow", "--archive"]),
    (mig_logs, ["--since", "1h", "--since-time", "2019-09-02T11:00:00Z"], ["--since", "--since-time"]),
    (mig_logs, ["--tail", "-3"], ["--tail"]),
    (mig_logs, ["--pod", ""], ["--pod"]),
    (mig_logs, ["--must-gather", ""], ["--must-gather"]),
    (mig_rollback, ["app", "--reclaim", "Recycle"], ["--reclaim", "--release-target-pvs"]),
    (mig_rollback, ["--plan", "p", "--migration", "m"], ["--plan", "--migration"]),
    (mig_rollback, ["app", "--replicas", "-1"], ["--replicas"]),
    (mig_rollback, ["", "--plan", "p"], ["project"]),
    (mig_verify, [""], ["migration name"]),
    (mig_gather, ["--must-gather", "x.tar.gz"], ["--must-gather"]),
    (mig_gather, ["--dest-dir", ""], ["--dest-dir"]),
    (mig_gather, ["--report-only", "b", "--dest-dir", "d"], ["--report-only"]),        # was ignored
    (mig_gather, ["--report-only", "b", "--since", "1h"], ["--report-only"]),
    (mig_gather, ["--report-only", "b", "--redaction-map", "m.json"], ["--report-only"]),
]


@pytest.mark.parametrize("plugin,argv,named", CASES, ids=[" ".join(c[1]) or "empty" for c in CASES])
def test_refused_with_one_line_naming_the_flags(plugin, argv, named):
    with pytest.raises(UsageError) as e:
        plugin.main(argv)
    assert e.value.code == EXIT_USAGE and "\n" not in e.value.message
    for n in named:
        assert n in e.value.message, (n, e.value.message)


def test_reclaim_with_release_target_pvs_is_accepted_by_validate():
    ns = argparse.Namespace(project="app", plan=None, migration=None, journal=None, must_gather=None,
                            reclaim="Recycle", release_target_pvs=True, replicas=None)
    mig_rollback.validate(ns)          # no exception



def _refusal(plugin, argv) -> str:
    with pytest.raises(UsageError) as e:
        plugin.main(argv)
    assert e.value.code == EXIT_USAGE
    return e.value.message


def test_mig_gather_refuses_since_windows_in_the_words_of_the_other_plugins():
    both = ["--since", "1h", "--since-time", "2019-09-02T11:00:00Z"]
    assert _refusal(mig_gather, both) == _refusal(mig_logs, ["m", *both]) == "--since and --since-time cannot be combined"
    assert _refusal(mig_gather, ["--since", "0s"]) == "--since must be more than 0"
