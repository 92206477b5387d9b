"""kubectl's -v N for the plugins: 6 logs each request with its status and time, 7 adds the request
headers, 8 the bodies (truncated as kubectl does), secrets masked (lib/redact.py) at every level."""

from __future__ import annotations

import sys
import time

_STATE = {"level": 0}
BODY_LIMIT = 10240          # kubectl -v 8 truncates bodies too ("[truncated N chars]")


def set_level(n: int) -> None:
    _STATE["level"] = int(n or 0)


def enabled(n: int) -> bool:
    return _STATE["level"] >= n


def log(message: str) -> None:
    """A klog-style line on stderr: I<mmdd> <time> mig-tools] message."""
    t = time.time()
    stamp = time.strftime("%m%d %H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1e6):06d}"
    sys.stderr.write(f"I{stamp} mig-tools] {message}\n")
    sys.stderr.flush()


def masked_headers(headers: dict) -> dict:
    return {k: ("Bearer <masked>" if k.lower() == "authorization" else v) for k, v in headers.items()}


def body_text(data) -> str:
    """A request or response body for -v 8: secrets masked, cut at BODY_LIMIT characters."""
    import json

    from .redact import Redactor

    if data is None or data == b"":
        return ""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            raw = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
            data = Redactor().text(raw).decode("utf-8", "replace")
    text = data if isinstance(data, str) else json.dumps(Redactor().obj(data), separators=(",", ":"))
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + f" [truncated {len(text) - BODY_LIMIT} chars]"
    return text
