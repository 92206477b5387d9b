"""The console's "Download Logs": every chosen container's log written to
DIR/<cluster>/<log-source>/<pod>/<container>.log (and .previous.log), with index.json, or a tarball.

Pods are fetched in parallel (bounded); bytes are streamed to disk through the redactor (the rules
of mig-gather, lib/redact.py, and the secret values learnt first from the objects around the pods,
lib/logs/secrets.py: what mig-logs writes can be attached to a case), as read otherwise.
index.json is written before the first log (`"complete": false`) and at the end: the tree never lacks
it, not on Ctrl-C, SIGTERM or a full disk (a file that cannot be written is listed as failed).
Ctrl-C stops within a second: the files being written are removed (never a half file, no empty
directory), index.json lists what was finished (`"interrupted": true`), then KeyboardInterrupt goes on
up (exit 130). The workers are daemon threads, so one blocked reading a socket does not hold the exit.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from ..errors import ApiError, MigError
from ..gather import write
from ..progress import Progress
from ..redact import Redactor, StreamRedactor
from .filter import Needles
from .secrets import Learnt, learn
from .select import Target

WORKERS = 4


class Stopped(Exception):
    """The download was interrupted: this file is not finished."""


def _fetch(src, t: Target, path: Path, needles: Needles | None, previous: bool, progress: Progress,
           opts: dict, stop: threading.Event | None = None, redactor: Redactor | None = None) -> dict:
    """Stream one container's log to `path` (via a temp file renamed at the end), redacted."""
    tmp = path.with_name(path.name + ".part")
    size = 0
    r = redactor or Redactor()
    sr = StreamRedactor(r)
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
                if stop is not None and stop.is_set():
                    raise Stopped()
                out.write(sr.feed(chunk))
                size += len(chunk)
                progress.add_bytes(len(chunk))
            out.write(sr.close())
        if stop is not None and stop.is_set():
            raise Stopped()
        os.replace(tmp, path)
        return {"bytes": size}
    except (ApiError, MigError) as e:
        tmp.unlink(missing_ok=True)
        return {"error": r.string(str(e))}
    except OSError as e:           # writing failed (a full disk): said for this file, the others go on
        tmp.unlink(missing_ok=True)
        return {"error": f"writing {path}: {e.strerror or e}"}
    except Stopped:
        tmp.unlink(missing_ok=True)
        return {"stopped": True}


def download(src, tgts: list[Target], dest: Path, needles: Needles | None, previous: bool = True,
             opts: dict | None = None, failed: list | None = None) -> dict:
    """Write the tree and index.json under dest; returns the index. `failed` lists what could not
    even be listed (a cluster), recorded in the index too."""
    opts = {k: v for k, v in (opts or {}).items() if v is not None}
    jobs = []
    root = os.path.abspath(dest)
    failed = list(failed or [])
    for t in tgts:
        # MTC's helper pods live in the application namespaces, where names repeat (rsync-server in each)
        base = dest / t.cluster / t.source / (f"{t.namespace}/{t.pod}" if t.whole else t.pod)
        paths = [(base / f"{t.container}.log", False)] + ([(base / f"{t.container}.previous.log", True)]
                                                         if previous else [])
        outside = [p for p, _ in paths if os.path.commonpath([root, os.path.abspath(p)]) != root]
        if outside:       # names from a hostile bundle ('../..'): lib/logs/select refuses them first
            failed.append({"cluster": t.cluster, "source": t.source, "pod": t.pod, "container": t.container,
                           "error": f"not written: {outside[0]} would be outside {dest}"})
            continue
        jobs += [(t, p, prev) for p, prev in paths]
    redactor = Redactor()
    learnt = Learnt()

    def redaction() -> dict:
        return {**redactor.summary(), "learntFrom": learnt.objects, "notRead": learnt.not_read}

    index: dict = {"filtered": needles is not None, "complete": False, "redaction": redaction(), "files": [],
                   "failed": []}
    _write_index(dest, index)          # before any log: a tree without its index never exists
    lock = threading.Lock()
    stop = threading.Event()
    todo = list(reversed(jobs))
    progress = Progress(total_items=len(jobs), label="logs")

    def run(job):
        t, path, prev = job
        res = _fetch(src, t, path, needles, prev, progress, opts, stop, redactor)
        progress.item_done()
        rec = {"cluster": t.cluster, "source": t.source, "pod": t.pod, "container": t.container,
               "previous": prev, "path": str(path.relative_to(dest))}
        with lock:
            if res.get("stopped"):
                return
            if "error" in res:
                # a container with no previous instance is normal, not a failure
                if prev and "previous terminated container" in res["error"]:
                    return
                index["failed"].append({**rec, "error": res["error"]})
            else:
                index["files"].append({**rec, "bytes": res["bytes"]})

    def worker():
        while not stop.is_set():
            with lock:
                if not todo:
                    return
                job = todo.pop()
            run(job)

    threads = [threading.Thread(target=worker, name=f"logs-{i}", daemon=True) for i in range(min(WORKERS, len(jobs)))]
    try:
        learnt = learn(src, tgts, redactor)      # every secret known before the first byte is written
        # what could not even be listed: its error may quote a URL or a header with its credentials
        index["failed"] = [dict(f, error=redactor.string(str(f["error"]))) for f in failed or []]
        for th in threads:        # inside the try: Ctrl-C may come while they start
            th.start()
        for th in threads:
            while th.is_alive():
                th.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        for th in threads:
            if th.is_alive():
                th.join(0.5)       # a worker between chunks stops at once; one blocked on a socket is left
        with lock:
            index["interrupted"] = True
            index["redaction"] = redaction()
            _write_index(dest, index, tidy=[p for _, p, _ in jobs], quiet=True)
        progress.close()
        raise
    progress.close()
    index.update(complete=True, redaction=redaction())
    _write_index(dest, index)
    return index


def _write_index(dest: Path, index: dict, tidy: list | None = None, quiet: bool = False) -> None:
    """index.json (written to a temp name, then renamed: the last one stays if this one cannot be
    written); with `tidy`, the .part files and the directories of those paths that were not finished
    are removed first. Unless `quiet`, a failure to write it is a MigError."""
    index["files"].sort(key=lambda r: r["path"])
    index["failed"].sort(key=lambda r: r.get("path", r["cluster"]))
    done = {dest / f["path"] for f in index["files"]}
    for path in tidy or []:
        if path in done:
            continue
        path.with_name(path.name + ".part").unlink(missing_ok=True)
        d = path.parent
        while d != dest and d.is_dir() and not any(d.iterdir()):
            d.rmdir()
            d = d.parent
    part = dest / "index.json.part"
    try:
        part.write_text(json.dumps(index, indent=2) + "\n")
        os.replace(part, dest / "index.json")
    except OSError as e:
        part.unlink(missing_ok=True)
        if not quiet:
            raise MigError(f"{dest / 'index.json'}: {e.strerror or e}") from None


def download_archive(src, tgts, archive: Path, needles, previous=True, opts=None, failed=None) -> dict:
    """download() into a temp dir, then a .tar.gz written to a temp name and renamed: never half-written."""
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="mig-logs-") as tmp:
        root = Path(tmp) / archive.name.replace(".tar.gz", "").replace(".tgz", "")
        root.mkdir()
        index = download(src, tgts, root, needles, previous, opts, failed)
        try:
            write.archive(root, archive.parent, archive.name, kept=False)
        except MigError as e:             # its tree is a temporary one, gone with it
            raise MigError(f"--archive {e.message}") from None
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
