"""Velero's download service, as the CLI meets it (vmware-tanzu/velero pkg/cmd/util/downloadrequest):
a DownloadRequest (`spec.target {kind, name}`) is processed at once, as Velero's controller would, to
`status.phase: Processed`, `status.downloadURL` (a pre-signed object-store URL: here on this cluster's
own server under /_velero/download/<token>, needing no bearer token) and `status.expiration`; a GET of
the URL answers the gzip-compressed file, or 404 (NoSuchKey) when the target has none.

A scenario's `downloads:` ("<kind>/<name>": file) gives a target's content as object storage kept it (a
Velero pod replaced since no longer logs it). Otherwise the files come from the cluster's own state:
- BackupLog / RestoreLog: the Velero pods' log lines naming the backup or restore (`backup=<ns>/<name>`,
  `restore=<ns>/<name>`), without the API server's timestamp;
- BackupResourceList: {"<apiVersion>/<Kind>": ["<ns>/<name>", ...]} of the objects in its namespaces;
- BackupResults / RestoreResults: {"errors"|"warnings": {"velero": [...], "cluster": [...],
  "namespaces": {ns: [...]}}} from those log lines' level=error / level=warning messages.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import secrets

BACKUP_KINDS = ("BackupLog", "BackupResourceList", "BackupResults")
RESTORE_KINDS = ("RestoreLog", "RestoreResults")
_MSG = re.compile(r'msg="((?:[^"\\]|\\.)*)"')
_NS = re.compile(r"\bnamespace=([\w.-]+)")
_ERR = re.compile(r'\berror="((?:[^"\\]|\\.)*)"')


def process(cluster, res_of, ns: str, obj: dict) -> dict:
    """The DownloadRequest as Velero leaves it; the file is kept for its URL."""
    target = (obj.get("spec") or {}).get("target") or {}
    kind, name = str(target.get("kind", "")), str(target.get("name", ""))
    token = secrets.token_urlsafe(12)
    cluster.downloads[token] = _content(cluster, res_of, ns, kind, name)
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)
    return {"phase": "Processed", "downloadURL": f"{cluster.url}/_velero/download/{token}?X-Amz-Expires=600",
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _lines(cluster, res_of, ns: str, what: str, name: str) -> list[str]:
    needle = f"{what}={ns}/{name}"
    out = []
    for (lns, pod, _container, previous), lf in sorted(cluster.logs.files.items()):
        if lns != ns or previous or not pod.startswith("velero-"):
            continue
        try:
            text = lf.path.read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if needle in line or f'{what}="{ns}/{name}"' in line:
                out.append(line.split(" ", 1)[1] if line[:4].isdigit() and " " in line else line)
    return out


def _content(cluster, res_of, ns: str, kind: str, name: str) -> bytes | None:
    given = cluster.velero_files.get(f"{kind}/{name}")
    if given is not None:       # the scenario's own copy: what object storage kept, whatever the pods log now
        text = given.read_text(errors="surrogateescape")
        return gzip.compress((cluster.render(text) if "${" in text else text).encode(errors="surrogateescape"))
    what = "backup" if kind.startswith("Backup") else "restore"
    try:
        obj = cluster.store.get(res_of(what + "s"), ns, name)
    except Exception:
        return None
    if kind in ("BackupLog", "RestoreLog"):
        return gzip.compress("".join(ln + "\n" for ln in _lines(cluster, res_of, ns, what, name)).encode())
    if kind == "BackupResourceList":
        spaces = (obj.get("spec") or {}).get("includedNamespaces") or []
        listing: dict = {}
        for res in cluster.resources:
            if not res.namespaced or res.group in ("velero.io", "migration.openshift.io"):
                continue
            for x in cluster.store.list(res, None):
                meta = x.get("metadata") or {}
                if meta.get("namespace") in spaces:
                    listing.setdefault(f"{res.gv}/{res.kind}", []).append(f"{meta['namespace']}/{meta['name']}")
        return gzip.compress(json.dumps({k: sorted(v) for k, v in sorted(listing.items())}).encode())
    if kind in ("BackupResults", "RestoreResults"):
        results: dict = {"errors": {}, "warnings": {}}
        for line in _lines(cluster, res_of, ns, what, name):
            level = "errors" if "level=error" in line else "warnings" if "level=warning" in line else None
            if level is None:
                continue
            m, n, e = _MSG.search(line), _NS.search(line), _ERR.search(line)
            msg = (m.group(1) if m else line) + (f": {e.group(1)}" if e else "")
            if n:
                results[level].setdefault("namespaces", {}).setdefault(n.group(1), []).append(msg)
            else:
                results[level].setdefault("velero", []).append(msg)
        return gzip.compress(json.dumps(results).encode())
    return None
