"""Bytes the transport wants as files (a CA bundle, a client certificate or key from a kubeconfig's
*-data fields or a MigCluster's caBundle), written private and removed at exit.

Written with os.open rather than tempfile.mkstemp: `tempfile` imports shutil and random, ~3 ms of
every start-up, for what is one exclusive create of a random name (which is what mkstemp does).
"""

from __future__ import annotations

import atexit
import os

_written: list[str] = []


@atexit.register
def _remove() -> None:
    for path in _written:
        try:
            os.unlink(path)
        except OSError:
            pass


def _tmpdir() -> str:
    for var in ("TMPDIR", "TEMP", "TMP"):
        if os.environ.get(var):
            return os.environ[var]
    return "/tmp" if os.name == "posix" else os.getcwd()


def data_file(data: bytes, prefix: str, suffix: str) -> str:
    """A new file (mode 0600, never an existing one or a symlink) holding `data`; its path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = os.path.join(_tmpdir(), f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        except OSError:            # an unusable TMPDIR: tempfile knows the fallbacks
            import tempfile

            fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix)
        _written.append(path)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path
    raise FileExistsError(f"no free name for {prefix}*{suffix} in {_tmpdir()}")
