"""The console's "Download Logs": every chosen container's log written to
DIR/<cluster>/<log-source>/<pod>/<container>.log (and .previous.log), with index.json, or a tarball.

Pods are fetched in parallel (bounded); bytes are streamed to disk exactly as read.
Ctrl-C stops within a second: the files being written are removed (never a half file, no empty
directory), index.json lists what was finished (`"interrupted": true`), then KeyboardInterrupt goes on
up (exit 130). The workers are daemon threads, so one blocked reading a socket does not hold the exit.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
import threading
from pathlib import Path

from ..errors import ApiError, MigError
from ..progress import Progress
from .filter import Needles
from .select import Target

WORKERS = 4


class Stopped(Exception):
    """The download was interrupted: this file is not finished."""


def _fetch(src, t: Target, path: Path, needles: Needles | None, previous: bool, progress: Progress,
           opts: dict, stop: threading.Event | None = None) -> dict:
    """Stream one container's log to `path` (via a temp file renamed at the end)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    size = 0
    try:
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
                out.write(chunk)
                size += len(chunk)
                progress.add_bytes(len(chunk))
        if stop is not None and stop.is_set():
            raise Stopped()
        os.replace(tmp, path)
        return {"bytes": size}
    except (ApiError, MigError) as e:
        tmp.unlink(missing_ok=True)
        return {"error": str(e)}
    except Stopped:
        tmp.unlink(missing_ok=True)
        return {"stopped": True}


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
    index = {"filtered": needles is not None, "files": [], "failed": list(failed or [])}
    lock = threading.Lock()
    stop = threading.Event()
    todo = list(reversed(jobs))
    progress = Progress(total_items=len(jobs), label="logs")

    def run(job):
        t, path, prev = job
        res = _fetch(src, t, path, needles, prev, progress, opts, stop)
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
    for th in threads:
        th.start()
    try:
        for th in threads:
            while th.is_alive():
                th.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        for th in threads:
            th.join(0.5)           # a worker between chunks stops at once; one blocked on a socket is left
        with lock:
            index["interrupted"] = True
            _write_index(dest, index, tidy=[p for _, p, _ in jobs])
        progress.close()
        raise
    progress.close()
    _write_index(dest, index)
    return index


def _write_index(dest: Path, index: dict, tidy: list | None = None) -> None:
    """index.json (written to a temp name, then renamed); with `tidy`, the .part files and the
    directories of those paths that were not finished are removed first."""
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
    part.write_text(json.dumps(index, indent=2) + "\n")
    os.replace(part, dest / "index.json")


def download_archive(src, tgts, archive: Path, needles, previous=True, opts=None, failed=None) -> dict:
    """download() into a temp dir, then a .tar.gz written to a temp name and renamed: never half-written."""
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="mig-logs-") as tmp:
        root = Path(tmp) / archive.name.replace(".tar.gz", "").replace(".tgz", "")
        root.mkdir()
        index = download(src, tgts, root, needles, previous, opts, failed)
        part = archive.with_name(archive.name + ".part")
        with tarfile.open(part, "w:gz") as tar:
            tar.add(root, arcname=root.name)
        os.replace(part, archive)
    return index


def safe_dir(path: str) -> Path:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise MigError(f"--output-dir {path}: exists and is not a directory")
    p.mkdir(parents=True, exist_ok=True)
    return p


__all__ = ["download", "download_archive", "safe_dir"]
