"""Velero's DownloadRequest, as `velero backup logs` uses it: what Velero keeps in object storage for
each Backup and Restore (its own log, a restore's results) read through the cluster's Velero, so the
evidence survives a Velero pod that was restarted or replaced since.

Velero answers a DownloadRequest (spec.target {kind, name}) with status.phase Processed and a
pre-signed status.downloadURL to the gzipped file (velero pkg/controller/download_request_controller.go,
pkg/cmd/util/downloadrequest/downloadrequest.go: an empty URL once Processed means "not found").
"""

from __future__ import annotations

import gzip
import time
import urllib.parse
import zlib

import urllib3

from .errors import ApiError, MigError, NotCollected

TARGETS = ("BackupLog", "RestoreLog", "RestoreResults")
WAIT_S = 15.0           # velero's CLI waits a minute; a Velero that does not answer in 15 s is down
MAX_BYTES = 64 << 20


def downloaded_path(namespace: str, kind: str, name: str) -> str:
    """Where mig-gather keeps a download in a cluster's directory (not a pod log, not an object file)."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return f"namespaces/{namespace}/velero.io/downloads/{kind}/{safe}.txt"


def _origin(url: str) -> str:
    p = urllib.parse.urlsplit(url)
    return f"{p.scheme}://{p.hostname}:{p.port or (443 if p.scheme == 'https' else 80)}"


def fetch(client, namespace: str, kind: str, name: str, wait: float = WAIT_S) -> bytes:
    """Create a DownloadRequest for `kind` of `name`, wait for Velero's URL, read and gunzip the file,
    delete the request. NotCollected when Velero has no such file; MigError when Velero does not answer."""
    if kind not in TARGETS:
        raise MigError(f"unknown DownloadRequest target {kind}")
    body = {"apiVersion": "velero.io/v1", "kind": "DownloadRequest",
            "metadata": {"generateName": f"mig-verify-{name[:40]}-", "namespace": namespace},
            "spec": {"target": {"kind": kind, "name": name}}}
    req = client.create("DownloadRequest", body, namespace)
    rname = req.get("metadata", {}).get("name", "")
    try:
        deadline = time.monotonic() + wait
        delay = 0.1
        while True:
            st = req.get("status") or {}
            if st.get("phase") == "Processed":
                break
            if time.monotonic() > deadline:
                raise MigError(f"{client.cluster}: no Velero answered DownloadRequest {rname} for the {kind} "
                               f"of {name} within {int(wait)}s (is the velero pod running?)")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            req = client.get("DownloadRequest", rname, namespace)
        url = st.get("downloadURL") or ""
        if not url:
            raise NotCollected(f"{client.cluster}: Velero has no {kind} for {name} in object storage")
        return _get(client, url, f"{kind} of {name}")
    finally:
        try:
            client.delete("DownloadRequest", rname, namespace)
        except (ApiError, MigError):
            pass        # Velero deletes expired requests itself


def _get(client, url: str, what: str) -> bytes:
    """GET the pre-signed URL without the cluster's credentials: the cluster's TLS settings when the URL
    is the API server's own origin (an in-cluster proxy), the system's otherwise."""
    same = _origin(url) == _origin(str(client.config.host))
    pool = client.api.rest_client.pool_manager if same else urllib3.PoolManager()
    try:
        resp = pool.request("GET", url, headers={}, preload_content=False, timeout=urllib3.Timeout(10, 60))
        try:
            if resp.status != 200:
                raise MigError(f"{client.cluster}: downloading the {what}: HTTP {resp.status}")
            data = resp.read(MAX_BYTES + 1)
        finally:
            resp.release_conn()
    except urllib3.exceptions.HTTPError as e:
        raise MigError(f"{client.cluster}: downloading the {what}: {e}") from None
    return gunzip(data[:MAX_BYTES], what)


def gunzip(data: bytes, what: str = "download") -> bytes:
    """Velero stores logs and results gzipped; plain content is returned as it is."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise MigError(f"{what}: not a valid gzip file: {e}") from None
