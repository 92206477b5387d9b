"""mig-gather --redact on a hostile directory: a FIFO is left out (never opened), a document built to
crash the YAML extension is scrubbed as text, and a value is redacted in a file read before the
Secret that holds it."""

from __future__ import annotations

import base64
import io
import os
import signal
from contextlib import redirect_stderr, redirect_stdout

from lib.gather import scrub


def test_fifo_left_out_deep_document_as_text_and_secrets_learnt_first(tmp_path):
    top = tmp_path / "bundle" / "cluster" / "namespaces" / "ns" / "core"
    top.mkdir(parents=True)
    os.mkfifo(top / "pipe.log")
    (top / "deep.yaml").write_text("- " * 20000 + "x\n")
    (top / "a-configmaps.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n"
                                           "data:\n  note: seen CanaryScrub0001Zz here\n")
    value = base64.b64encode(b"CanaryScrub0001Zz").decode()
    (top / "z-secrets.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\n"
                                        f"data:\n  token: {value}\n")
    old = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("blocked on the FIFO")))
    signal.alarm(30)
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            scrub.redact_bundle(str(tmp_path / "bundle"), str(tmp_path / "out"), str(tmp_path / "map.json"), False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out = next((tmp_path / "out").glob("*.redacted"))
    files = {p.name: p.read_text() for p in out.rglob("*") if p.is_file()}
    assert "pipe.log" not in files and "deep.yaml" in files
    assert "CanaryScrub0001Zz" not in files["a-configmaps.yaml"] and "REDACTED-" in files["a-configmaps.yaml"]


def test_an_object_file_that_does_not_parse_and_holds_a_secret_is_left_out(tmp_path, monkeypatch):
    """A Secret's data under any key (`ca.crt`, `cloud`) is only told from other values by the object's
    kind: a file that does not parse (a tab, an alias refused as hostile) or is too large to be read as
    objects is left out, named on stderr and in the report; one without a Secret is scrubbed as text."""
    import json

    top = tmp_path / "bundle" / "cluster" / "namespaces" / "ns" / "core"
    top.mkdir(parents=True)
    v1, v2, v3 = (base64.b64encode(v.encode()).decode() for v in ("CanaryAlias0096tT", "CanaryTab0097sS", "CanaryBig0098rR"))
    (top / "secrets.yaml").write_text("apiVersion: v1\nkind: SecretList\nitems:\n- kind: Secret\n"
                                      f"  metadata: {{name: a, labels: &l {{app: x}}}}\n  data: {{ca.crt: {v1}}}\n  x: *l\n")
    (top / "broken.yaml").write_text(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\ndata:\n\tcloud: {v2}\n")
    (top / "big.json").write_text(json.dumps({"kind": "ConfigMap", "binaryData": {"blob": v3}, "pad": "x" * 4000}))
    (top / "events.yaml").write_text("kind: EventList\nitems:\n\t- message: password=CanaryEvt0099qQ\n")
    monkeypatch.setattr(scrub.layout, "MAX_OBJECT_FILE", 2000)
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        scrub.redact_bundle(str(tmp_path / "bundle"), str(tmp_path / "out"), str(tmp_path / "map.json"), False)
    out = next((tmp_path / "out").glob("*.redacted"))
    blob = b"\n".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for v in (v1, v2, v3):
        assert v.encode() not in blob and base64.b64decode(v) not in blob
    assert b"CanaryEvt0099qQ" not in blob and b"password=REDACTED-PASSWORD-" in blob
    files = {p.name for p in out.rglob("*") if p.is_file()}
    assert "events.yaml" in files and not files & {"secrets.yaml", "broken.yaml", "big.json"}
    report = json.loads((out / scrub.REPORT).read_text())
    assert sorted(p.rsplit("/", 1)[-1] for p in report["leftOutUnparsed"]) == ["big.json", "broken.yaml", "secrets.yaml"]
    assert err.getvalue().count("does not parse as objects") == 3
