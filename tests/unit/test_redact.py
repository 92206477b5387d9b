"""Redaction rules on plain values: each form is replaced, evidence that is not secret stays."""

from __future__ import annotations

import base64

from lib.redact import Redactor, StreamRedactor


def test_secret_data_and_its_decoded_value_share_a_placeholder():
    r = Redactor()
    token = "Zm9vYmFyQmF6UXV4MTIzNDU2"       # mixed case: worth chasing through text
    sec = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": base64.b64encode(token.encode()).decode(),
                                                               "namespace": base64.b64encode(b"openshift-migration").decode()}}
    out = r.obj(sec)
    ph = out["data"]["k"]
    assert ph.startswith("REDACTED-SECRET-DATA-") and out["data"]["namespace"].startswith("REDACTED-")
    # the decoded token is chased through objects; a name-like value (a namespace) is not
    assert r.string(f"saw {token} in openshift-migration") == f"saw {ph} in openshift-migration"


def test_patterns_in_log_text():
    r = Redactor()
    line = (b'time="x" level=info msg="GET https://bob:hunter2pw@s3.example.com/b" '
            b'header="Authorization: Bearer abcdefghijklmnop" key=AKIAABCDEFGHIJKLMNOP '
            b'jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln password=pw12345678 backup=openshift-migration/x\n')
    out = r.text(line, everywhere=False)
    for secret in (b"hunter2pw", b"abcdefghijklmnop", b"AKIAABCDEFGHIJKLMNOP", b"eyJhbGciOiJIUzI1NiJ9", b"pw12345678"):
        assert secret not in out
    assert b"backup=openshift-migration/x" in out and b"https://bob:REDACTED-URL-PASSWORD-1@s3.example.com" in out
    assert r.text(line, everywhere=False) == out          # the same values, the same placeholders


def test_env_vars_by_name_and_plain_values_kept():
    r = Redactor()
    env = [{"name": "AWS_SECRET_ACCESS_KEY", "value": "k" * 40}, {"name": "LOG_LEVEL", "value": "debug"}]
    out = r.obj({"spec": {"containers": [{"env": env}]}})["spec"]["containers"][0]["env"]
    assert out[0]["value"] == "REDACTED-AWS-SECRET-KEY-1" and out[1]["value"] == "debug"


def test_a_private_key_spread_over_chunks_is_dropped_whole():
    r = Redactor()
    s = StreamRedactor(r)
    out = s.feed(b"before\n-----BEGIN PRIVATE KEY-----\nMIIEsecretA\n") + s.feed(b"MIIEsecretB\n-----END PRIVATE KEY-----\nafter\n")
    out += s.close()
    assert b"MIIEsecret" not in out and out.startswith(b"before\nREDACTED-PRIVATE-KEY-1") and out.endswith(b"after\n")


def test_disabled_changes_nothing():
    r = Redactor(enabled=False)
    sec = {"kind": "Secret", "data": {"k": "dmFsdWU="}}
    assert r.obj(sec) == sec and r.text(b"password=x") == b"password=x"
