"""Velero's own records of each Backup and Restore, as `velero backup describe --details` and
`velero backup logs` show them (vmware-tanzu/velero pkg/cmd/util/output/backup_describer.go,
restore_describer.go, pkg/cmd/util/downloadrequest): the files Velero keeps in object storage are
asked for with a DownloadRequest (`spec.target {kind, name}`); once Velero has processed it,
`status.downloadURL` is a pre-signed URL answering the gzip-compressed file. The URL is the
object store's, not the API server's: it is fetched without the cluster's credentials, trusting
the system's CAs, the BackupStorageLocation's `caCert` and the cluster's CA.

Written per cluster under `velero/backups/<name>/` (`describe.txt`, `backup.log`, `resource-list.json`,
`results.json`) and `velero/restores/<name>/` (`describe.txt`, `restore.log`, `results.json`).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import ssl
import time
import zlib

import urllib3

from .. import objects as o
from ..errors import ApiError, MigError

POLL = 0.25
TIMEOUT = 20.0
MAX_RECORDS = 40           # at most this many Backups and Restores per cluster (each costs a few requests)
# How MTC labels its Backups and Restores with their migration (mtc-facts: name, then UIDs).
MTC_LABELS = ("migration.openshift.io/migmigration-name", "migration.openshift.io/migrated-by-migmigration",
              "migmigration")


class NotFound(Exception):
    """Velero has no such file (an old backup, one that never uploaded, or deleted from the bucket)."""


def _context(client, bsls: list[dict]) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    cfg = getattr(client, "config", None)
    ca = getattr(cfg, "ssl_ca_cert", None)
    if ca and os.path.exists(ca):
        ctx.load_verify_locations(cafile=ca)
    for b in bsls:
        cert = o.dig(b, "spec", "objectStorage", "caCert")
        cert = cert.strip() if isinstance(cert, str) else ""       # a caCert of another type: none
        if cert:
            try:
                ctx.load_verify_locations(cadata=base64.b64decode(cert).decode())
            except (binascii.Error, ValueError, ssl.SSLError):
                pass
    return ctx


class Downloader:
    def __init__(self, client, namespace: str, bsls: list[dict]):
        self.client, self.ns = client, namespace
        self.http = urllib3.PoolManager(ssl_context=_context(client, bsls), retries=False,
                                        timeout=urllib3.Timeout(connect=10, read=60))
        self.dead: MigError | None = None     # Velero did not process a request: do not wait on every other one

    def fetch(self, kind: str, name: str) -> bytes:
        """The file `kind` (BackupLog, BackupResourceList, ...) of backup or restore `name`, uncompressed."""
        if self.dead is not None:
            raise self.dead
        req = {"apiVersion": "velero.io/v1", "kind": "DownloadRequest",
               "metadata": {"generateName": f"{name[:200]}-{kind.lower()}-", "namespace": self.ns},
               "spec": {"target": {"kind": kind, "name": name}}}
        made = self.client.create("DownloadRequest", req, self.ns)
        dr = o.name(made)
        try:
            url = self._wait(dr)
            resp = self.http.request("GET", url, headers={"Accept-Encoding": "gzip"}, decode_content=False,
                                     preload_content=True)
        except urllib3.exceptions.HTTPError as e:
            raise MigError(f"download of {kind} {name} from object storage failed: {e}") from None
        finally:
            try:
                self.client.delete("DownloadRequest", dr, self.ns)
            except (ApiError, MigError):
                pass
        if resp.status == 404:
            raise NotFound(f"{kind} of {name}: not in object storage")
        if resp.status != 200:
            raise MigError(f"download of {kind} {name} from object storage: HTTP {resp.status}")
        try:
            return gzip.decompress(resp.data)
        except (OSError, EOFError, zlib.error):
            return resp.data           # a store that already decompressed it

    def _wait(self, dr: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        while True:
            cur = self.client.get("DownloadRequest", dr, self.ns)
            url = o.status(cur).get("downloadURL")
            if url and not isinstance(url, str):
                raise MigError(f"DownloadRequest {dr}: status.downloadURL is a {type(url).__name__}, not a URL")
            if url:
                return url
            if time.monotonic() > deadline:
                self.dead = MigError(f"Velero did not process DownloadRequest {dr} in {TIMEOUT:g}s (is Velero "
                                     "running?): no other request was made")
                raise self.dead
            time.sleep(POLL)


# --- rendering, as the velero CLI does -------------------------------------------------------------------

def _texts(x) -> list[str]:
    """The entries of a list as text: a field that is no list (a string, a number) reads as absent."""
    return [i if isinstance(i, str) else json.dumps(i, default=str) for i in o.items(x)]


def _meta(obj: dict) -> list[str]:
    labels = ",".join(f"{k}={v}" for k, v in sorted(o.labels(obj).items())) or "<none>"
    ann = ",".join(f"{k}={v}" for k, v in sorted(o.annotations(obj).items(), key=lambda kv: str(kv[0]))) or "<none>"
    return [f"Name:         {o.name(obj)}", f"Namespace:    {o.namespace(obj)}", f"Labels:       {labels}",
            f"Annotations:  {ann}", ""]


def _result(title: str, res: dict) -> list[str]:
    out = [f"{title}:"]
    out.append("  Velero:   " + ("\n            ".join(_texts(res.get("velero"))) or "<none>"))
    out.append("  Cluster:  " + ("\n            ".join(_texts(res.get("cluster"))) or "<none>"))
    spaces = o.as_map(res.get("namespaces"))
    if not spaces:
        out.append("  Namespaces: <none>")
    else:
        out.append("  Namespaces:")
        for ns, msgs in sorted(spaces.items(), key=lambda kv: str(kv[0])):
            pad = " " * (len(str(ns)) + 7)
            out.append(f"    {ns}:  " + f"\n{pad}".join(_texts(msgs)))
    return out


def _results(obj: dict, results: dict | None, why: str | None) -> list[str]:
    st = o.status(obj)
    if not st.get("warnings") and not st.get("errors"):
        return []
    if results is None:
        return [f"Errors:    {st.get('errors', 0)}", f"Warnings:  {st.get('warnings', 0)}"
                + (f"  ({why})" if why else ""), ""]
    out: list = []
    if st.get("warnings"):
        out += _result("Warnings", o.as_map(results.get("warnings"))) + [""]
    if st.get("errors"):
        out += _result("Errors", o.as_map(results.get("errors"))) + [""]
    return out


def _volumes(title: str, vols: list[dict]) -> list[str]:
    if not vols:
        return []
    groups: dict = {}
    for v in vols:
        phase = o.phase(v) or "New"
        phase = "In Progress" if phase == "InProgress" else phase
        pod = o.as_map(o.spec(v).get("pod"))
        label = f"{pod.get('namespace', '')}/{pod.get('name', '')}"
        vol = str(o.spec(v).get("volume", ""))
        prog = o.as_map(o.status(v).get("progress"))
        if phase == "In Progress" and o.number(prog.get("totalBytes")) > 0:
            vol += f" ({100.0 * o.number(prog.get('bytesDone')) / o.number(prog['totalBytes']):.2f}%)"
        groups.setdefault(phase, {}).setdefault(label, []).append(vol)
    out = [f"{title}:"]
    for phase in ("Completed", "Failed", "In Progress", "New"):
        if phase in groups:
            out.append(f"  {phase}:")
            out += [f"    {label}: {', '.join(sorted(v))}" for label, v in sorted(groups[phase].items())]
    return out


def describe_backup(b: dict, pvbs: list[dict], resources: dict | None, results: dict | None,
                    why: str | None = None) -> str:
    sp, st = o.spec(b), o.status(b)
    phase = st.get("phase") or "New"
    note = f" (run `velero backup logs {o.name(b)}` for more information)" \
        if phase in ("Failed", "PartiallyFailed") else ""
    lines = _meta(b) + [f"Phase:  {phase}{note}", ""] + _results(b, results, why)
    lines += ["Namespaces:", f"  Included:  {', '.join(_texts(sp.get('includedNamespaces'))) or '*'}",
              f"  Excluded:  {', '.join(_texts(sp.get('excludedNamespaces'))) or '<none>'}", "",
              "Resources:", f"  Included:        {', '.join(_texts(sp.get('includedResources'))) or '*'}",
              f"  Excluded:        {', '.join(_texts(sp.get('excludedResources'))) or '<none>'}", "",
              f"Storage Location:  {sp.get('storageLocation', '')}", "", f"TTL:  {sp.get('ttl', '')}", "",
              f"Backup Format Version:  {st.get('formatVersion') or st.get('version') or ''}", "",
              f"Started:    {st.get('startTimestamp') or '<n/a>'}", f"Completed:  {st.get('completionTimestamp') or '<n/a>'}",
              "", f"Expiration:  {st.get('expiration') or '<nil>'}", ""]
    prog = o.as_map(st.get("progress"))
    if prog:
        lines += [f"Total items to be backed up:  {prog.get('totalItems', 0)}",
                  f"Items backed up:              {prog.get('itemsBackedUp', 0)}", ""]
    if resources is None:
        lines.append(f"Resource List:  <backup resource list not found{': ' + why if why else ''}>")
    else:
        lines.append("Resource List:")
        for gvk in sorted(resources, key=str):
            lines.append(f"  {gvk}:")
            lines += [f"    - {x}" for x in _texts(resources[gvk])]
    lines += ["", "Velero-Native Snapshots: <none included>" if not st.get("volumeSnapshotsAttempted") else
              f"Velero-Native Snapshots:  {st.get('volumeSnapshotsCompleted', 0)} of "
              f"{st.get('volumeSnapshotsAttempted')} snapshots completed successfully", ""]
    lines += _volumes("Restic Backups", pvbs)
    return "\n".join(lines).rstrip() + "\n"


def describe_restore(r: dict, pvrs: list[dict], results: dict | None, why: str | None = None) -> str:
    sp, st = o.spec(r), o.status(r)
    phase = st.get("phase") or "New"
    note = f" (run 'velero restore logs {o.name(r)}' for more information)" \
        if phase in ("Failed", "PartiallyFailed") else ""
    lines = _meta(r) + [f"Phase:  {phase}{note}", ""]
    prog = o.as_map(st.get("progress"))
    if prog:
        lines += [f"Total items to be restored:  {prog.get('totalItems', 0)}",
                  f"Items restored:              {prog.get('itemsRestored', 0)}", ""]
    lines += [f"Started:    {st.get('startTimestamp') or '<n/a>'}",
              f"Completed:  {st.get('completionTimestamp') or '<n/a>'}", ""]
    lines += _results(r, results, why)
    lines += [f"Backup:  {sp.get('backupName', '')}", "", "Namespaces:",
              f"  Included:  {', '.join(_texts(sp.get('includedNamespaces'))) or 'all namespaces found in the backup'}",
              f"  Excluded:  {', '.join(_texts(sp.get('excludedNamespaces'))) or '<none>'}", "",
              f"Restore PVs:  {sp.get('restorePVs', 'auto')}", ""]
    lines += _volumes("Restic Restores", pvrs)
    return "\n".join(lines).rstrip() + "\n"


def _json(data: bytes) -> dict | None:
    try:
        v = json.loads(data)
    except ValueError:
        return None
    return v if isinstance(v, dict) else None


FILES = {"Log": "{kind}.log", "ResourceList": "resource-list.json", "Results": "results.json"}


def record_dir(kind: str, name: str) -> str:
    """Where the records of Backup or Restore `name` are kept in a cluster's directory."""
    return f"velero/{kind.lower()}s/{name}"


def velero_record(target: str, name: str) -> str:
    """Where a DownloadRequest target (BackupLog, RestoreResults, ...) of `name` is kept in a cluster's directory."""
    kind = "Backup" if target.startswith("Backup") else "Restore"
    part = target[len(kind):]
    return f"{record_dir(kind, name)}/" + FILES.get(part, part).format(kind=kind.lower())


def records(dl: Downloader, kind: str, obj: dict, volumes: list[dict]) -> dict[str, bytes]:
    """file name -> content for one Backup ("Backup") or Restore ("Restore"); what Velero could not give
    is said in describe.txt (as the CLI says it) and raised for the index when nothing came at all."""
    name = o.name(obj)
    files: dict[str, bytes] = {}
    why: str | None = None
    got: dict = {}
    targets = ("Log", "ResourceList", "Results") if kind == "Backup" else ("Log", "Results")
    errors: list = []
    for t in targets:
        try:
            got[t] = dl.fetch(f"{kind}{t}", name)
        except NotFound as e:
            why = str(e)
        except (ApiError, MigError) as e:
            errors.append(e)
            why = str(e)
    for part, data in got.items():
        files[FILES[part].format(kind=kind.lower())] = data
    res_list = _json(got["ResourceList"]) if "ResourceList" in got else None
    results = _json(got["Results"]) if "Results" in got else None
    text = describe_backup(obj, volumes, res_list, results, why) if kind == "Backup" else \
        describe_restore(obj, volumes, results, why)
    files["describe.txt"] = text.encode()
    if errors and len(errors) == len(targets):
        raise Partial(files, errors[0])
    return files


class Partial(Exception):
    def __init__(self, files: dict, error: Exception):
        super().__init__(str(error))
        self.files, self.error = files, error


def of_migrations(items: list[dict], migrations: set) -> list[dict]:
    """The Backups or Restores of these migrations (names or UIDs), newest first, at most MAX_RECORDS."""
    mine = [x for x in items if any(o.labels(x).get(k) in migrations for k in MTC_LABELS)]
    return sorted(mine, key=lambda x: o.format_time(o.created(x)), reverse=True)[:MAX_RECORDS]
