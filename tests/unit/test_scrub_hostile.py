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
