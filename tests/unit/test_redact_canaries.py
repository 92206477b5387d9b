"""The canary suite (issue 15): every form of secret planted in objects and logs, redacted as
mig-gather does (every object learnt first, logs streamed in cuts that split lines), and found in
none of raw, any case, base64 at any alignment, URL-encoded or JSON-escaped forms; the evidence
around them stays readable."""

from __future__ import annotations

import json
import random

import yaml

from lib.redact import Redactor, StreamRedactor
from tests import redaction_canaries as c


def _redact_all(chunk_sizes) -> tuple[bytes, bytes, Redactor]:
    r = Redactor()
    planted = [x for objs in c.objects().values() for x in objs]
    for x in planted:
        r.learn(x)
    r.prepare()
    objs = [r.obj(x) for x in planted]
    text = yaml.safe_dump_all(objs).encode() + json.dumps(objs).encode()
    data = ("\n".join(c.log_lines()) + "\n").encode()
    s = StreamRedactor(r)
    out, pos, i = [], 0, 0
    while pos < len(data):
        n = chunk_sizes[i % len(chunk_sizes)]
        out.append(s.feed(data[pos:pos + n]))
        pos, i = pos + n, i + 1
    out.append(s.close())
    return text, b"".join(out), r


def test_at_least_forty_distinct_forms_planted():
    assert len(set(c.ALL)) >= 40
    assert not [a for a in c.ALL for b in c.ALL if a != b and a in b]     # none hides inside another


def test_no_canary_survives_in_objects_or_logs_cut_anywhere():
    rng = random.Random(15)
    for sizes in ([1 << 20], [7, 13, 4096], [rng.randrange(1, 70000) for _ in range(50)]):
        text, logs, _ = _redact_all(sizes)
        assert c.leaks(text) == [], sizes
        assert c.leaks(logs) == [], sizes


def test_evidence_stays_readable_and_placeholders_name_the_rule():
    text, logs, r = _redact_all([65536])
    blob = text + logs
    for kept in c.KEPT:
        assert kept.encode() in blob, kept
    for rule in ("password", "token", "url-password", "signature", "private-key", "jwt", "secret-data",
                 "binary-data", "last-applied", "aws-access-key", "key"):
        assert f"REDACTED-{rule.upper()}-".encode() in blob, rule
    assert b"Authorization: Bearer REDACTED-TOKEN-" in logs and b"AWS4-HMAC-SHA256 REDACTED-TOKEN-" in logs
    assert b"redis://:REDACTED-URL-PASSWORD-" in logs and b"mongodb://admin:REDACTED-URL-PASSWORD-" in logs
    assert b"X-Amz-Algorithm=AWS4-HMAC-SHA256&" in logs and b"&X-Amz-Expires=3600" in logs
    assert r.counts["known-value"] > 0


def test_a_known_value_gets_its_placeholder_in_every_form():
    r = Redactor()
    ph = r.obj({"kind": "Pod", "spec": {"containers": [{"env": [{"name": "DB_PWD", "value": c.K_ENV}]}]}}
               )["spec"]["containers"][0]["env"][0]["value"]
    for form in c.scan_forms(c.K_ENV):
        out = r.text(b"seen " + form + b" here")
        assert form not in out and ph.encode() in out, form


def test_lists_as_the_api_server_returns_them_items_without_kind():
    """A SecretList or ConfigMapList body (-v 8, a journal entry, a report quoting a list): the items carry
    no kind, the List's says it; their data, binaryData and last-applied configurations go as a Secret's."""
    planted = [x for objs in c.objects().values() for x in objs]
    lists = {}
    for x in planted:
        item = {k: v for k, v in x.items() if k not in ("kind", "apiVersion")}
        lists.setdefault(x["kind"], {"kind": f"{x['kind']}List", "apiVersion": "v1", "items": []})["items"].append(item)
    r = Redactor()
    out = json.dumps([r.obj(v) for v in lists.values()]).encode()
    assert c.leaks(out, c.KNOWN) == []
    nested = json.dumps(r.obj({"report": {"objects": planted}})).encode()      # objects inside a document
    assert c.leaks(nested, c.KNOWN) == []
