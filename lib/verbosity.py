"""kubectl's -v N for the plugins: 6 logs each request with its status and time, 7 adds the request
headers, 8 the bodies (truncated as kubectl does), secrets masked (lib/redact.py) at every level.

One redactor for the whole run: a secret learnt from one body (a SecretList, a pod's env) is replaced
when a later body or line repeats it (a log, an event), and every line logged goes through the text
rules (a MigCluster's `spec.url` with a password is in the URL of every request to that cluster).
A command that reads every object before it writes (mig-gather) holds the lines until it is done
(`hold`, `release`): an event listed before the Secret whose value it repeats is masked too."""

from __future__ import annotations

import sys
import time

_STATE: dict = {"level": 0, "redactor": None, "held": None}
BODY_LIMIT = 10240          # kubectl -v 8 truncates bodies too ("[truncated N chars]")


def set_level(n: int) -> None:
    _STATE["level"] = int(n or 0)


def enabled(n: int) -> bool:
    return _STATE["level"] >= n


def _redactor():
    if _STATE["redactor"] is None:
        from .redact import Redactor

        _STATE["redactor"] = Redactor()
    return _STATE["redactor"]


def log(message: str, body=None) -> None:
    """A klog-style line on stderr: I<mmdd> <time> mig-tools] message (secrets masked), followed by
    `body` (a request's or response's, for -v 8) when given."""
    t = time.time()
    stamp = time.strftime("%m%d %H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1e6):06d}"
    held = _STATE["held"]
    if held is not None:
        held.append((stamp, message, body))
        return
    _write(stamp, message, body)


def _write(stamp: str, message: str, body) -> None:
    line = _redactor().string(message) + ("" if body is None else body_text(body))
    sys.stderr.write(f"I{stamp} mig-tools] {line}\n")
    sys.stderr.flush()


def hold() -> None:
    """Keep the lines logged from now on until `release`: -v 8's bodies, whose secrets are learnt first (-v 6
    and 7 lines, the requests a user watches for the one that hangs, are written as they come)."""
    if _STATE["held"] is None and enabled(8):
        _STATE["held"] = []


def release() -> None:
    """Write the lines held, every body's secrets learnt first."""
    import json

    held, _STATE["held"] = _STATE["held"], None
    if not held:
        return
    r = _redactor()
    for _, _, body in held:
        doc = body
        if isinstance(body, (bytes, str)):
            try:
                doc = json.loads(body)
            except ValueError:
                continue
        if isinstance(doc, (dict, list)):
            r.learn(doc)
    for stamp, message, body in held:
        _write(stamp, message, body)


def masked_headers(headers: dict) -> dict:
    return {k: ("Bearer <masked>" if k.lower() == "authorization" else v) for k, v in headers.items()}


def body_text(data) -> str:
    """A request or response body for -v 8: secrets masked, cut at BODY_LIMIT characters."""
    import json

    if data is None or data == b"":
        return ""
    r = _redactor()
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            raw = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
            data = r.text(raw).decode("utf-8", "replace")
    if not isinstance(data, str):
        r.learn(data)          # every secret of the body known before any of it is written
        text = json.dumps(r.obj(data), separators=(",", ":"))
    else:
        text = data
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + f" [truncated {len(text) - BODY_LIMIT} chars]"
    return text
