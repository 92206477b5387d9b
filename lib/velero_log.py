"""What Velero's log lines say, in every form Velero wrote them (logrus text or JSON, the message in
`msg` or in the `error` field): pod volume timeouts, and error lines grouped by cause.

Pod volume timeouts, read in velero's source from v0.11 to v1.17:
- v1.0-v1.13 `pkg/restic/backupper.go` (v1.10+: `pkg/podvolume/backupper.go`) returns the error
  "timed out waiting for all PodVolumeBackups to complete", logged by `pkg/backup/resource_backupper.go`
  (v1.4+: `pkg/backup/backup.go`, v1.4.0 :448) as level=error msg="Error backing up item" error="timed out ...";
  velero v0.11 (only: v0.11.0 `pkg/backup/backup.go:297`) also ended the backup with level=info msg="Backup
  completed with errors: timed out ...".
- v1.14+ `pkg/podvolume/backupper.go` WaitAllPodVolumesProcessed logs level=error msg="timed out waiting
  for all PodVolumeBackups to complete" itself (JSON with --log-format=json).
- restores, v1.0-v1.17 `pkg/restic|podvolume/restorer.go`: the error "timed out waiting for all
  PodVolumeRestores to complete", logged by `pkg/restore/restore.go` as msg="unable to successfully complete
  restic (v1.10+: pod volume) restores of pod's volumes" error="..." (an aggregate may list several errors).
- "timed out waiting for fs backup to complete" / "timed out waiting for fs restore to complete", logged as
  msg="Async fs backup|restore was not completed": from v1.15 by the data mover (`pkg/datamover/
  backup_micro_service.go:213`, `restore_micro_service.go:190`: DataUpload / DataDownload), from v1.17 also by
  the node-agent's pod volume data path (`pkg/podvolume/backup_micro_service.go:210`,
  `restore_micro_service.go:194`: PodVolumeBackup / PodVolumeRestore). The line's logSource or error.file
  (pkg/datamover/ or pkg/podvolume/) tells them apart; without either it may be both.
Every one of these lines (but the data path's, logged in the node-agent's or data mover's pod) also goes to the
Backup's or Restore's own log in object storage.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Optional

TIMEOUT = re.compile(r"timed out waiting for (?:all PodVolume(Backup|Restore)s|fs (backup|restore)) to complete")
DOWNLOADED = "object storage"

# Causes, most specific first: (name, pattern over the message and error text).
CAUSES = (
    ("pod volume timeout", TIMEOUT),
    ("credentials", re.compile(r"Unauthorized|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|"
                               r"NoCredentialProviders|invalid credentials|ExpiredToken|status code: 403|"
                               r"AuthorizationFailed|AuthenticationFailed", re.I)),
    ("certificate", re.compile(r"x509:|certificate signed by unknown authority", re.I)),
    ("already exists", re.compile(r"already exists", re.I)),
    ("quota", re.compile(r"exceeded quota|quota exceeded|forbidden: exceeded", re.I)),
    ("admission webhook", re.compile(r"admission webhook .*denied|denied the request|failed calling webhook", re.I)),
    ("forbidden", re.compile(r"is forbidden|Forbidden", re.I)),
    ("connection", re.compile(r"connection refused|no route to host|i/o timeout|dial tcp|connection reset|"
                              r"EOF$|TLS handshake timeout|context deadline exceeded", re.I)),
    ("restic repository", re.compile(r"restic repository|repository .*(not ready|not found)|unable to open "
                                     r"(config|repository)|wrong password|Fatal: ", re.I)),
    ("not found", re.compile(r"not found|NotFound|NoSuchKey|NoSuchBucket|does not exist", re.I)),
)
# Velero logged some item errors at info level (v1.1 pkg/restore/restore.go: Infof("error restoring %s: %v"),
# v1.7 Errorf), and "1 errors encountered backup up item" at info; the message says it is an error.
_ERROR_MSG = re.compile(r"^(error|unable to|failed to|could not)\b", re.I)
_VARIABLE = re.compile(r'"[^"]*"|\b[0-9a-f]{8}-[0-9a-f-]{27,}\b|\b\d+\b')
# The item a message names (velero: "error restoring %s: %v", "error backing up item %s"): grouped apart from it.
_ITEM = re.compile(r"\b(error (?:restoring|backing up)(?: additional)?(?: item)?) ([^\s:]+):")


def cite(e) -> str:
    """A log line as evidence: where it was read (cluster/pod/container, or the Backup's/Restore's copy in
    object storage), the API server's timestamp if any, the line."""
    if e.container == DOWNLOADED:
        return f"{e.cluster} {e.pod} (Velero's copy in object storage): {e.line.raw}"
    return f"{e.cluster}/{e.pod}/{e.container}" + (f" {e.stamp}" if e.stamp else "") + f": {e.line.raw}"


def text_of(line) -> str:
    """The message and its error fields, whichever form the line has."""
    parts = [line.msg] + [str(line.fields[k]) for k in ("error", "err", "error.message") if line.fields.get(k)]
    return " ".join(p for p in parts if p)


_DATA_PATH = re.compile(r"pkg/(datamover|podvolume)/")
# fs data path timeouts: (backup, restore) kinds by the package that logged them (see the module doc)
_FS_KINDS = {"datamover": ("DataUpload", "DataDownload"), "podvolume": ("PodVolumeBackup", "PodVolumeRestore"),
             "": ("PodVolumeBackup or DataUpload", "PodVolumeRestore or DataDownload")}


def timeout_kind(line) -> Optional[str]:
    """The kind whose operations the line says timed out, at any level: PodVolumeBackup or PodVolumeRestore;
    for the fs data path's "timed out waiting for fs backup|restore" DataUpload/DataDownload when its logSource or
    error.file is in pkg/datamover/, "PodVolumeBackup or DataUpload" (... Restore ...) when neither says."""
    m = TIMEOUT.search(text_of(line)) or TIMEOUT.search(line.raw)
    if not m:
        return None
    if m.group(1):
        return "PodVolumeBackup" if m.group(1).lower() == "backup" else "PodVolumeRestore"
    where = " ".join(str(line.fields.get(k) or "") for k in ("error.file", "logSource"))
    pkg = _DATA_PATH.search(where) or _DATA_PATH.search(line.raw)
    backup, restore = _FS_KINDS[pkg.group(1) if pkg else ""]
    return backup if m.group(2).lower() == "backup" else restore


def is_error(line) -> bool:
    """An error line in any of Velero's forms: level error, an error message at info, a pod volume timeout."""
    if line.level == "error" or timeout_kind(line):
        return True
    if line.level == "":
        return "error" in line.raw.lower()
    return bool(_ERROR_MSG.match(line.msg or ""))


def cause_of(text: str) -> str:
    return next((name for name, rx in CAUSES if rx.search(text)), "other")


def concerns(line) -> str:
    """The object a line is about (Velero's item fields: namespace/name and resource), or ""."""
    f = line.fields
    name = f.get("name") or f.get("pod") or ""
    if not name:
        m = _ITEM.search(line.msg or "")
        name = m.group(2) if m else ""
    ns = f.get("namespace") or ""
    res = f.get("resource") or f.get("groupResource") or ""
    what = f"{ns}/{name}" if ns and name else str(name)
    return f"{res} {what}".strip() if what else ""


def grouped_errors(entries, limit: int = 8) -> list[str]:
    """Distinct error lines grouped by cause and message, counted, with the objects they concern and one
    line quoted per group, the largest groups first."""
    groups: OrderedDict = OrderedDict()
    for e in entries:
        if not is_error(e.line):
            continue
        text = text_of(e.line) or e.line.raw
        key = (cause_of(text), _VARIABLE.sub("…", _ITEM.sub(r"\1 …:", text)))
        g = groups.setdefault(key, {"n": 0, "objects": [], "first": e})
        g["n"] += 1
        obj = concerns(e.line)
        if obj and obj not in g["objects"]:
            g["objects"].append(obj)
    out = []
    for (cause, _), g in sorted(groups.items(), key=lambda kv: -kv[1]["n"])[:limit]:
        objs = g["objects"]
        about = f" on {', '.join(objs[:5])}" + (f" and {len(objs) - 5} more" if len(objs) > 5 else "") if objs else ""
        out.append(f"{g['n']}x {cause}{about}: {cite(g['first'])}")
    if len(groups) > limit:
        out.append(f"... and {len(groups) - limit} other kinds of error lines")
    return out
