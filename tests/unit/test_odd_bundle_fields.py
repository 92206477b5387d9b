"""A bundle's files are read as the API server would have sent them, whatever wrote them: YAML that
is not JSON (unquoted timestamps, `!!binary`, `!!set`, integer keys), an item whose kind or metadata
has the wrong type, a creation time written as a number, and a gather.json of the wrong shape each
give the user an answer or one `error:` line, never `unexpected TypeError`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.errors import MigError
from plugins import mig_crs, mig_verify
from tests import mtc_bundles as mb

MIG = "f7b5e1a2"
CRS = "clusters/host/namespaces/openshift-migration/crs"

# Hand-written YAML, as a bundle edited by someone (or something) other than kubectl holds it.
ODD = """\
apiVersion: migration.openshift.io/v1alpha1
kind: MigMigrationList
items:
- apiVersion: migration.openshift.io/v1alpha1
  kind: MigMigration
  metadata:
    name: older-one
    namespace: openshift-migration
    creationTimestamp: 1567400000
    annotations:
      note: !!binary aGVsbG8=
      seen: !!set {a, b}
    labels:
      1: one
      on: yes
  spec: {migPlanRef: {name: rocketchat-mig-plan, namespace: openshift-migration}, stage: true}
  status:
    phase: Completed
    startTimestamp: 2019-09-01T10:00:00Z
    conditions:
    - {type: Succeeded, status: 'True', lastTransitionTime: 2019-09-01T10:05:00Z}
- apiVersion: migration.openshift.io/v1alpha1
  kind: [MigMigration]
  metadata: {name: listed-kind, namespace: openshift-migration}
- apiVersion: migration.openshift.io/v1alpha1
  kind: MigMigration
  metadata: {name: [a, b], namespace: openshift-migration}
"""


def _bundle(tmp_path: Path) -> Path:
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    crs = top / CRS / "migmigrations.migration.openshift.io"
    crs.mkdir(parents=True, exist_ok=True)
    (crs / "odd.yaml").write_text(ODD)
    return top


def test_yaml_that_is_not_json_and_odd_items_leave_every_plugin_answering(tmp_path, capsys):
    top = _bundle(tmp_path)
    code = mig_verify.main([MIG, "-o", "json", "--must-gather", str(top)])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out)["verdict"] == "FAILED", err
    skipped = [ln for ln in err.splitlines() if "odd.yaml" in ln]
    assert len(skipped) == 1 and "2 item(s) not Kubernetes objects" in skipped[0], err

    assert mig_crs.main(["--must-gather", str(top), "-o", "json"]) in (0, None)
    items = json.loads(capsys.readouterr().out)["items"]
    older = next(i for i in items if i["metadata"]["name"] == "older-one")
    assert older["metadata"]["creationTimestamp"] == "1567400000"
    assert older["status"]["startTimestamp"] == "2019-09-01T10:00:00Z"
    assert older["metadata"]["annotations"] == {"note": "aGVsbG8=", "seen": {"a": None, "b": None}}
    assert older["metadata"]["labels"] == {"1": "one", "on": True}
    assert not {"listed-kind"} & {str(i["metadata"].get("name")) for i in items}


@pytest.mark.parametrize("index, field", [
    ([{"dir": "host"}], "not a JSON object"),
    ({"clusters": "host"}, "clusters"),
    ({"clusters": [1]}, "clusters[0]"),
    ({"clusters": [{"dir": "host", "roles": "host"}]}, "clusters[0].roles"),
    ({"clusters": [{"dir": "host", "roles": [1]}]}, "clusters[0].roles"),
    ({"clusters": [{"dir": "host", "namespaces": 5}]}, "clusters[0].namespaces"),
    ({"clusters": [{"dir": "host", "missing": ["everything"]}]}, "clusters[0].missing"),
    ({"clusters": [{"dir": 7}]}, "clusters[0].dir"),
    ({"clusters": [{"name": "host"}]}, "clusters[0].dir"),      # no dir: was an unexpected KeyError
    ({"clusters": None}, "clusters"),                           # was an unexpected TypeError
    ({"namespace": {"a": 1}, "clusters": [{"dir": "host"}]}, "namespace"),
    ({"finished": 1e300, "clusters": [{"dir": "host"}]}, "finished"),
])
def test_a_gather_json_of_the_wrong_shape_is_one_error_naming_it(tmp_path, capsys, index, field):
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    (top / "clusters" / "host").rename(top / "host")
    (top / "gather.json").write_text(json.dumps(index))
    with pytest.raises(MigError) as e:
        mig_verify.main([MIG, "--must-gather", str(top)])
    assert "gather.json is not" in e.value.message and field in e.value.message, e.value.message


def test_the_first_dated_line_of_a_log_is_found_past_a_first_block_without_one():
    """A log whose first read holds no datable line (klog, or a must-gather's unstamped copy) still has a first
    time: the coverage note (`... logs before ...: not in the must-gather`) is not skipped."""
    from types import SimpleNamespace

    from lib.facts import Facts

    class Logs:
        def logs(self, *a, **k):
            yield b"I1017 21:12:21.537230       1 reflector.go:382] no year here\n" * 3
            yield b'time="2021-01-25T22:49:33Z" level=info msg="dated"\n'

    t = SimpleNamespace(cluster="source", namespace="openshift-migration", pod="velero-1", container="velero")
    when = Facts._first_line_time(SimpleNamespace(src=Logs()), t)
    assert when is not None and when.isoformat().startswith("2021-01-25T22:49:33")
