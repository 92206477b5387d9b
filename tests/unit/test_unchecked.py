"""Nothing degrades silently: inputs a check could not read land under `unchecked` with the reason,
data a bundle never collected is not read as absent, and a restarted Velero's evidence is read from
its previous log."""

from __future__ import annotations

import copy

from lib import objects as o
from lib.errors import NotCollected
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource

MIG = "f7b5e1a2"
VELERO = "velero-7d9c4b8f5-x2x7q"
KEY = f"openshift-migration/{VELERO}/velero"


def _velero_pod(src: ScenarioSource) -> dict:
    return next(p for p in src.doc["objects"]["source"] if p.get("kind") == "Pod" and o.name(p) == VELERO)


def test_velero_replaced_after_the_migration_started_is_reported_not_silent():
    src = ScenarioSource("restic-timeout")
    _velero_pod(src)["metadata"]["creationTimestamp"] = "2019-09-02T12:00:00Z"       # after the start (10:00)
    src.doc["logs"]["source"].pop(KEY)                                               # and its log is gone
    rep = verify(src, MIG, now=src.now)
    assert "restic-timeout" not in {f.id for f in rep.findings}
    assert any(f"logs of source/{VELERO}/velero" in p and "not found" in p for p in rep.problems), rep.problems
    assert any("was created after the migration started" in p and "predecessor's log is gone" in p
               for p in rep.problems), rep.problems


def test_velero_restarted_the_timeout_is_read_from_the_previous_log():
    src = ScenarioSource("restic-timeout")
    pod = _velero_pod(src)
    pod.setdefault("status", {})["containerStatuses"] = [{"name": "velero", "restartCount": 1, "ready": True}]
    logs = src.doc["logs"]["source"]
    logs[KEY + "@previous"] = logs[KEY]                                              # the timeout was logged before
    empty = src.path.parent / "logs" / "empty.log"
    logs[KEY] = empty if empty.exists() else _empty(src)
    rep = verify(src, MIG, now=src.now)
    f = next(x for x in rep.findings if x.id == "restic-timeout")
    assert any("timed out waiting for all PodVolumeBackups to complete" in e for e in f.evidence)


def _empty(src: ScenarioSource):
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "empty.log"
    p.write_text("")
    return p


class _NoStorageClasses(ScenarioSource):
    def list(self, role, kind, namespace=None, labels=None, fields=None):
        k = kind if isinstance(kind, str) else kind.kind
        if k in ("StorageClass", "Namespace"):
            raise NotCollected(f"{role}: {k} was not collected in the must-gather")
        return super().list(role, kind, namespace, labels, fields)


def test_not_collected_is_unchecked_never_absent():
    src = _NoStorageClasses("known-issues")
    rep = verify(src, "88435fe0", now=src.now)
    ids = {f.id for f in rep.findings}
    assert "cluster-scoped-missing" not in ids and "scc-range-overlap" not in ids
    assert "check cluster-scoped-missing: target: StorageClass was not collected in the must-gather" in rep.problems
    assert "check scc-range-overlap: target: Namespace was not collected in the must-gather" in rep.problems
    assert "storage-bucket-gone" in ids                                              # the rest of the report stands


def test_unreachable_cluster_makes_log_reads_unchecked():
    src = ScenarioSource("restic-timeout")
    src.doc = copy.deepcopy(src.doc)
    del src.doc["objects"]["target"]
    src.doc["logs"].pop("target", None)
    rep = verify(src, MIG, now=src.now)
    assert rep.exit_code == 69
    assert any(p.startswith("velero logs on target: cluster not read") for p in rep.problems), rep.problems
