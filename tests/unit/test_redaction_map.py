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
    kept = path.read_text()
    assert "FirstSecret0001" not in kept and "OtherSecret0003" not in kept and "tok3nV4lue0002xyz" not in kept
    third = Redactor()
    assert third.load(path) >= len(second._by_value)
    c = third.string("password=OtherSecret0003 password=FirstSecret0001")
    assert c == "password=REDACTED-PASSWORD-2 password=REDACTED-PASSWORD-1"


def test_the_mapping_holds_no_secret_in_any_form(tmp_path):
    """Secrets never leave a cluster unredacted, in any file the tools write: the mapping included."""
    import base64

    r = Redactor()
    r.obj({"kind": "Secret", "metadata": {"name": "s"},
           "data": {"cloud": base64.b64encode(b"aws_secret_access_key=MapCanary0001secret").decode()}})
    r.string("Authorization: Bearer MapCanary0002tokenvalue")
    r.string("password=MapCanary0003")
    text = r.save(tmp_path / "m.json").read_text()
    assert "MapCanary" not in text and base64.b64encode(b"aws_secret_access_key").decode()[:12] not in text
    doc = json.loads(text)
    assert doc["format"] == "mig-tools redaction mapping v2" and len(doc["placeholders"]) >= 3


def test_a_mapping_of_the_older_form_is_taken_over_and_rewritten_without_values(tmp_path):
    old = tmp_path / "m.json"
    old.write_text(json.dumps({"REDACTED-PASSWORD-4": ["OldSecret0001"]}))
    r = Redactor()
    assert r.load(old) == 1
    assert r.string("log: OldSecret0001 again") == "log: REDACTED-PASSWORD-4 again"     # chased, as learnt
    r.save(old)
    assert "OldSecret0001" not in old.read_text()
    again = Redactor()
    again.load(old)
    assert again.string("password=OldSecret0001") == "password=REDACTED-PASSWORD-4"


def test_values_that_are_not_utf8_keep_their_placeholder(tmp_path):
    r = Redactor()
    r.placeholder(b"\xff\xfebinary-secret", "password")
    r.save(tmp_path / "m.json")
    again = Redactor()
    again.load(tmp_path / "m.json")
    assert again.placeholder(b"\xff\xfebinary-secret", "password") == "REDACTED-PASSWORD-1"


@pytest.mark.parametrize("text", ['["a"]', '{"not-a-placeholder": ["x"]}', '{"REDACTED-PASSWORD-x": ["x"]}', "{",
                                  '{"format": "mig-tools redaction mapping v2", "key": "zz", "placeholders": {}}',
                                  '{"format": "mig-tools redaction mapping v2", "kdf": "pbkdf2-hmac-sha256:1000", '
                                  '"key": "00", "placeholders": []}'])
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
    assert "REDACTED-PASSWORD-1" in kept.read_text() and "KeptSecret0001" not in kept.read_text()
    (tmp_path / "file").write_text("")
    err = io.StringIO()
    assert not mapping.keep(r, str(tmp_path / "file" / "m.json"), "b", err)
    assert err.getvalue().startswith("error: could not keep the redaction mapping at ") and err.getvalue().count("\n") == 1
