"""Pod, container and namespace names become file names under `mig-logs --output-dir`: a bundle whose
pod spec names a container `../../x` (the MTC image keeps one log per pod, so any container name
finds it) used to write `x.log` outside the directory asked for. Such a name is not read, and said."""

from __future__ import annotations

from pathlib import Path

import yaml

from plugins import mig_logs
from tests import mtc_bundles as mb

MIG = "f7b5e1a2"
POD = "velero-7d9c4b8f5-x2x7q"


def _rename_container(top: Path, name: str) -> None:
    for f in (top / "clusters" / "ocp3-source").rglob("*.yaml"):
        docs = list(yaml.safe_load_all(f.read_text()))
        hit = False
        for d in docs:
            for x in (d.get("items") or [d]) if isinstance(d, dict) else []:
                if isinstance(x, dict) and (x.get("metadata") or {}).get("name") == POD and x.get("kind") == "Pod":
                    for c in x["spec"]["containers"] + (x.get("status") or {}).get("containerStatuses", []):
                        c["name"] = name
                    hit = True
        if hit:
            f.write_text(yaml.safe_dump_all(docs))


def test_a_container_named_like_a_path_is_not_written_outside_the_output_dir(tmp_path, capsys):
    top = mb.image_output(tmp_path / "mg", "restic-timeout", "2021-03")
    escape = tmp_path / "escaped"
    _rename_container(top, "../" * 12 + str(escape).lstrip("/"))
    out = tmp_path / "out"
    code = mig_logs.main([MIG, "--must-gather", str(top), "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert not escape.with_suffix(".log").exists() and not list(tmp_path.glob("escaped*"))
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    assert code == 69 and f"of pod openshift-migration/{POD} is not a Kubernetes name: not read" in err, err
    assert (out / "source" / "restic").is_dir()                   # the other pods were written
