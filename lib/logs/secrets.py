"""What mig-logs learns before it writes a log: the secret values of the objects around the pods, so
that a secret a log repeats in another form (decoded, base64, URL-encoded, upper case) is replaced
as mig-gather replaces it (the `known-value` rule of lib/redact.py), not only where a rule finds it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from .. import logline
from ..errors import ApiError, MigError, NotCollected, NotServed
from ..redact import Redactor, StreamRedactor
from .select import Target

# Where secret values live in MTC's namespace (mig-gather learns them among all it lists there,
# lib/gather/spec.py): Secrets, ConfigMaps, the env and args of workloads, the storage locations' config.
MTC_KINDS = ("Secret", "ConfigMap", "Pod", "Deployment", "DaemonSet", "StatefulSet", "Job",
             "BackupStorageLocation", "VolumeSnapshotLocation")
# The application namespaces where MTC's helper pods run (rsync, stunnel, stage, hooks).
APP_KINDS = ("Secret", "Pod")


@dataclass
class Learnt:
    objects: int = 0
    not_read: list = field(default_factory=list)     # {"cluster", "what", "error"}: secrets that stay unknown


def learn(src, tgts: list[Target], r: Redactor) -> Learnt:
    """Learn the secrets of MTC's namespace on every cluster, and of the namespaces of the chosen pods on
    theirs, before anything is written; what could not be read is said, not fatal (the rules still apply)."""
    out = Learnt()
    if not r.enabled:
        return out
    where: dict[tuple[str, str], tuple[str, ...]] = {(role, src.namespace): MTC_KINDS for role in src.roles()}
    for t in tgts:
        where.setdefault((t.cluster, t.namespace), APP_KINDS)
    unreached: set = set()
    for (role, ns), kinds in sorted(where.items()):
        for kind in kinds:
            if role in unreached:
                break
            try:
                items = src.list(role, kind, ns)
            except (NotServed, NotCollected):     # no Velero there, a must-gather without it: nothing to learn
                continue
            except MigError as e:
                status = e.status if isinstance(e, ApiError) else 0
                if status not in (404, 405):
                    out.not_read.append({"cluster": role, "what": f"{kind} in {ns}" if status else f"objects in {ns}",
                                         "error": str(e)})
                if status == 0:               # not reached (or no client): asked once, not once per kind
                    unreached.add(role)
                continue
            for x in items:
                r.learn(x)
            out.objects += len(items)
    r.prepare()
    for n in out.not_read:            # an error may quote a URL or a header with its credentials
        n["error"] = r.string(n["error"])
    return out


def redacted(entries: Iterable, r: Redactor) -> Iterator:
    """Log lines (lib/logs/stream.Entry) as mig-logs prints them, redacted as its files are: each
    container's lines through its own StreamRedactor (a private key's lines dropped up to its END
    line, which a line alone cannot tell), the parsed fields (`-o json`) taken from the redacted line."""
    streams: dict = {}
    for e in entries:
        key = (e.cluster, e.source, e.namespace, e.pod, e.container)
        sr = streams.get(key)
        if sr is None:
            sr = streams[key] = StreamRedactor(r)
        data = e.data if e.data.endswith(b"\n") else e.data + b"\n"
        out = sr.feed(data)
        if out == data:
            yield e
        elif out:
            out = out if e.data.endswith(b"\n") else out[:-1]
            yield replace(e, data=out, line=logline.parse(out.decode("utf-8", "replace"), e.stamp))
