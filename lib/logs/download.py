"""The console's "Download Logs": every chosen container's log written to
DIR/<cluster>/<log-source>/<pod>/<container>.log (and .previous.log), with index.json, or a tarball.

Pods are fetched in parallel (bounded); bytes are streamed to disk through the redactor (the rules
of mig-gather: lib/redact.py), as read otherwise. index.json is written first (`complete: false`)
and rewritten at the end, so the tree never lacks its index: not on Ctrl-C, SIGTERM or a full disk.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import ApiError, MigError
from ..progress import Progress
from ..redact import Redactor, StreamRedactor
from .filter import Needles
from .select import Target

WORKERS = 4


class Stopped(Exception):
    """The download was interrupted: a worker stops where it is."""


def _fetch(src, t: Target, path: Path, needles: Needles | None, previous: bool, progress: Progress,
           opts: dict, redactor: Redactor, stop: threading.Event) -> dict:
    """Stream one container's log to `path` (via a temp file renamed at the end), redacted."""
    tmp = path.with_name(path.name + ".part")
    size = 0
    sr = StreamRedactor(redactor)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out:
            if needles is None:
                chunks = src.logs(t.cluster, t.namespace, t.pod, t.container, previous=previous, **opts)
            else:
                from .stream import raw_lines

                chunks = (data for _, data in raw_lines(src, t, needles, previous=previous, timestamps=False,
                                                        **opts))
            for chunk in chunks:
                if stop.is_set():
                    raise Stopped()
                out.write(sr.feed(chunk))
                size += len(chunk)
                progress.add_bytes(len(chunk))
            out.write(sr.close())
        os.replace(tmp, path)
        return {"bytes": size}
    except (ApiError, MigError) as e:
        tmp.unlink(missing_ok=True)
        return {"error": redactor.string(str(e))}
    except OSError as e:           # writing failed (a full disk): said, and the rest goes on or fails alike
        tmp.unlink(missing_ok=True)
        return {"error": f"writing {path}: {e.strerror or e}"}
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def download(src, tgts: list[Target], dest: Path, needles: Needles | None, previous: bool = True,
             opts: dict | None = None, failed: list | None = None) -> dict:
    """Write the tree and index.json under dest; returns the index. `failed` lists what could not
    even be listed (a cluster), recorded in the index too."""
    opts = {k: v for k, v in (opts or {}).items() if v is not None}
    jobs = []
    for t in tgts:
        base = dest / t.cluster / t.source / t.pod
        jobs.append((t, base / f"{t.container}.log", False))
        if previous:
            jobs.append((t, base / f"{t.container}.previous.log", True))
    redactor = Redactor()
    index: dict = {"filtered": needles is not None, "complete": False, "files": [], "failed": list(failed or []),
                   "redaction": redactor.summary()}
    _write_index(dest, index)          # before any log: a tree without its index never exists
    lock = threading.Lock()
    stop = threading.Event()
    progress = Progress(total_items=len(jobs), label="logs")

    def run(job):
        t, path, prev = job
        res = _fetch(src, t, path, needles, prev, progress, opts, redactor, stop)
        progress.item_done()
        rec = {"cluster": t.cluster, "source": t.source, "pod": t.pod, "container": t.container,
               "previous": prev, "path": str(path.relative_to(dest))}
        with lock:
            if "error" in res:
                # a container with no previous instance is normal, not a failure
                if prev and "previous terminated container" in res["error"]:
                    return
                index["failed"].append({**rec, "error": res["error"]})
            else:
                index["files"].append({**rec, "bytes": res["bytes"]})

    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        list(pool.map(run, jobs))
        index["complete"] = True
    except BaseException as e:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        index["interrupted"] = "interrupted" if isinstance(e, (KeyboardInterrupt, Stopped)) else \
            redactor.string(str(e) or type(e).__name__)
        raise
    finally:
        pool.shutdown(wait=True)
        progress.close()
        index["files"].sort(key=lambda r: r["path"])
        index["failed"].sort(key=lambda r: r.get("path", r["cluster"]))
        index["redaction"] = redactor.summary()
        _write_index(dest, index, quiet=not index["complete"])
    return index


def _write_index(dest: Path, index: dict, quiet: bool = False) -> None:
    """index.json through a temp file renamed: the old one stays if this one cannot be written."""
    tmp = dest / ".index.json.part"
    try:
        tmp.write_text(json.dumps(index, indent=2) + "\n")
        os.replace(tmp, dest / "index.json")
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if not quiet:
            raise MigError(f"{dest / 'index.json'}: {e.strerror or e}") from None


def download_archive(src, tgts, archive: Path, needles, previous=True, opts=None, failed=None) -> dict:
    """download() into a temp dir, then a .tar.gz written to a temp name and renamed: never half-written."""
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="mig-logs-") as tmp:
        root = Path(tmp) / archive.name.replace(".tar.gz", "").replace(".tgz", "")
        root.mkdir()
        index = download(src, tgts, root, needles, previous, opts, failed)
        part = archive.with_name(archive.name + ".part")
        try:
            with tarfile.open(part, "w:gz") as tar:
                tar.add(root, arcname=root.name)
            os.replace(part, archive)
        except OSError as e:
            raise MigError(f"--archive {archive}: {e.strerror or e}") from None
        finally:
            part.unlink(missing_ok=True)
    return index


def safe_dir(path: str) -> Path:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise MigError(f"--output-dir {path}: exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MigError(f"--output-dir {path}: {e.strerror or e}") from None
    return p


__all__ = ["download", "download_archive", "safe_dir"]
