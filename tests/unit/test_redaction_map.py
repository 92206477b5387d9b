"""Redactor.save/load: one mapping across the bundles of a case (as sos clean's map)."""

from __future__ import annotations

import json

import pytest

from lib.redact import Redactor


def test_a_loaded_mapping_keeps_placeholders_and_numbers_new_ones_after_it(tmp_path):
    first = Redactor()
    a = first.string("password=FirstSecret0001 Authorization: Bearer tok3nV4lue0002xyz")
    first.obj({"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "bm90LXV0Zi04IMO/"}})
    path = first.save(tmp_path / "case.json")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    second = Redactor()
    assert second.load(path) == len(first._by_value)
    b = second.string("password=FirstSecret0001 password=OtherSecret0003 Authorization: Bearer tok3nV4lue0002xyz")
    assert a.split()[0] in b and "REDACTED-TOKEN-1" in b
    assert "password=REDACTED-PASSWORD-2" in b          # numbered after the loaded one, never reusing it
    second.save(path)
    assert {"FirstSecret0001", "OtherSecret0003"} <= {v for vs in json.loads(path.read_text()).values() for v in vs}


def test_values_that_are_not_utf8_round_trip(tmp_path):
    r = Redactor()
    r.placeholder(b"\xff\xfebinary-secret", "password")
    r.save(tmp_path / "m.json")
    again = Redactor()
    again.load(tmp_path / "m.json")
    assert again._by_value == {b"\xff\xfebinary-secret": "REDACTED-PASSWORD-1"}


@pytest.mark.parametrize("text", ['["a"]', '{"not-a-placeholder": ["x"]}', '{"REDACTED-PASSWORD-x": ["x"]}', "{"])
def test_what_is_not_a_mapping_is_refused(tmp_path, text):
    (tmp_path / "m.json").write_text(text)
    with pytest.raises(ValueError):
        Redactor().load(tmp_path / "m.json")


def test_mig_gather_takes_a_mapping_over_only_when_the_file_exists(tmp_path):
    from lib.errors import MigError
    from lib.gather import mapping

    assert mapping.load(Redactor(), None) is None and mapping.load(Redactor(), str(tmp_path / "new.json")) is None
    first = Redactor()
    first.string("password=FirstSecret0001")
    first.save(tmp_path / "case.json")
    assert mapping.load(Redactor(), str(tmp_path / "case.json")) == 1
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(MigError, match=r"^--redaction-map .*bad\.json: "):
        mapping.load(Redactor(), str(tmp_path / "bad.json"))


def test_mig_gather_keeps_the_mapping_or_says_in_one_line_why_not(tmp_path, monkeypatch):
    import io

    from lib.gather import mapping

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    r = Redactor()
    r.string("password=KeptSecret0001")
    err = io.StringIO()
    assert mapping.keep(r, None, "must-gather.local.1", err)
    kept = tmp_path / "state/mig-tools/redactions/must-gather.local.1.json"
    assert err.getvalue() == f"redaction mapping (keep it private, it is not in the bundle): {kept}\n"
    assert "KeptSecret0001" in kept.read_text()
    (tmp_path / "file").write_text("")
    err = io.StringIO()
    assert not mapping.keep(r, str(tmp_path / "file" / "m.json"), "b", err)
    assert err.getvalue().startswith("error: could not keep the redaction mapping at ") and err.getvalue().count("\n") == 1
