"""The console's "Download Logs": every chosen container's log written to
DIR/<cluster>/<log-source>/<pod>/<container>.log (and .previous.log), with index.json, or a tarball.

Pods are fetched in parallel (bounded); bytes are streamed to disk exactly as read.
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
from .filter import Needles
from .select import Target

WORKERS = 4


def _fetch(src, t: Target, path: Path, needles: Needles | None, previous: bool, progress: Progress,
           opts: dict) -> dict:
    """Stream one container's log to `path` (via a temp file renamed at the end)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    size = 0
    try:
        with open(tmp, "wb") as out:
            if needles is None:
                for chunk in src.logs(t.cluster, t.namespace, t.pod, t.container, previous=previous, **opts):
                    out.write(chunk)
                    size += len(chunk)
                    progress.add_bytes(len(chunk))
            else:
                from .stream import raw_lines

                for _, data in raw_lines(src, t, needles, previous=previous, timestamps=False, **opts):
                    out.write(data)
                    size += len(data)
                    progress.add_bytes(len(data))
        os.replace(tmp, path)
        return {"bytes": size}
    except (ApiError, MigError) as e:
        tmp.unlink(missing_ok=True)
        return {"error": str(e)}


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
    progress = Progress(total_items=len(jobs), label="logs")

    def run(job):
        t, path, prev = job
        res = _fetch(src, t, path, needles, prev, progress, opts)
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

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(run, jobs))
    progress.close()
    index["files"].sort(key=lambda r: r["path"])
    index["failed"].sort(key=lambda r: r.get("path", r["cluster"]))
    (dest / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


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
