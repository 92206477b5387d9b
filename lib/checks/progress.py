"""Progress of a running direct volume migration from its DVMPs (one per PVC): how many volumes are done,
which still copy, at what rate, and when they should finish. A DVM whose rsync still moves data is RUNNING,
never STUCK (lib/checks/stuck.py asks `moving`)."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from .. import mtc
from .. import objects as o
from ..flags import duration
from .registry import Finding, check, ref

_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*([kKMGT]?)B/s")
_RSYNC_TIME = re.compile(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)")   # rsync --log-file line prefix
_SCALE = {"": 1, "k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def percent(text: object) -> float:
    m = _PCT.search(str(text or ""))
    return min(float(m.group(1)), 100.0) if m else 0.0


def rate_bytes(text: object) -> float:
    """Bytes per second of an rsync rate string ("12.34MB/s", "0.00kB/s"), 0 when absent."""
    m = _RATE.search(str(text or ""))
    return float(m.group(1)) * _SCALE[m.group(2)] if m else 0.0


_MAX_ETA_S = 100 * 365 * 86400      # an estimate past a century (a percentage of 1e-10 %) is none


def seconds(text: object) -> float | None:
    """A metav1.Duration (Go duration string) in seconds, None when absent."""
    if text in (None, ""):
        return None
    try:
        return duration(str(text))      # past a Go time.Duration's int64 nanoseconds (292 years): none
    except Exception:
        return None


@dataclass
class Volume:
    dvmp: dict
    pvc: str
    phase: str
    percent: float
    rate: str
    elapsed: float | None
    last_seen: _dt.datetime | None     # newest time the DVMP shows activity at (rsync log line, pod start)
    live: str = ""                     # MC-1.8: "<ns>/<vm>" of a VM live migration (no DVMP: dvmp is the DVM)

    @property
    def moving(self) -> bool:
        """rsync reported a non-zero transfer rate at the last scrape and is not done; a VM live migration
        that KubeVirt still runs (it aborts one that stops progressing, lib/mtc DVM_LIVE_MIGRATIONS)."""
        if self.live:
            return self.phase == mtc.DVMP_RUNNING and self.percent < 100
        return self.phase == mtc.DVMP_RUNNING and self.percent < 100 and rate_bytes(self.rate) > 0

    @property
    def eta(self) -> float | None:
        if not self.moving or not self.elapsed or self.percent <= 0:
            return None
        eta = self.elapsed * (100 - self.percent) / self.percent
        return eta if eta <= _MAX_ETA_S else None


@dataclass
class Progress:
    dvm: dict
    total: int
    volumes: list = field(default_factory=list)

    def count(self, phase: str) -> int:
        return sum(1 for v in self.volumes if v.phase == phase)

    @property
    def moving(self) -> list:
        return [v for v in self.volumes if v.moving]

    @property
    def eta(self) -> float | None:
        etas = [v.eta for v in self.volumes if v.eta is not None]
        return max(etas) if etas else None

    def last_seen(self) -> _dt.datetime | None:
        ts = [v.last_seen for v in self.volumes if v.last_seen]
        return max(ts) if ts else None


def _last_seen(dvmp: dict) -> _dt.datetime | None:
    st = o.status(dvmp)
    times = [o.parse_time(st.get("creationTimestamp"))]
    for h in o.maps(st.get("rsyncPodStatuses")):
        times.append(o.parse_time(h.get("creationTimestamp")))
    for m in _RSYNC_TIME.finditer(str(st.get("logMessage") or "")):
        y, mo, d, hh, mm, ss = (int(x) for x in m.groups())
        try:
            times.append(_dt.datetime(y, mo, d, hh, mm, ss, tzinfo=o.UTC))
        except ValueError:          # 2021/13/45 99:99:99 in a hostile logMessage: no time
            continue
    ts = [t for t in times if t]
    return max(ts) if ts else None


def dvm_entries(f, dvm: dict, key: str) -> list[dict]:
    """The maps of a DVM's status list `key` (failedPods, rsyncOperations, MC-1.8 *LiveMigration); a list of
    another type, or entries that are not maps, are left out and named under `unchecked`, never read as none."""
    value = o.status(dvm).get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else []
    out = [x for x in items if isinstance(x, dict)]
    if len(out) < len(items) or not isinstance(value, list):
        what = (f"{len(items) - len(out)} entries of status.{key} are not maps" if isinstance(value, list)
                else f"status.{key} is a {type(value).__name__}, not a list")
        f.unchecked(f"DirectVolumeMigration {o.name(dvm)}: {what}: not read")
    return out


def ref_of(entry: dict, key: str) -> dict:
    """An entry's object reference (pvcRef, pvcReference) with its name and namespace as text; {} when odd."""
    ref = entry.get(key)
    return {k: str(v) for k, v in ref.items() if k in ("name", "namespace") and v is not None} \
        if isinstance(ref, dict) else {}


def running_dvms(f) -> list[Progress]:
    """The migration's DVMs that are not finished, with their volumes' progress."""
    out = []
    for dvm in f.graph.dvms_of(f.mig):
        if o.phase(dvm) in ("Completed", mtc.DVM_FAILED_PHASE) or o.has_condition(dvm, "Failed"):
            continue
        pr = Progress(dvm, len(o.items(o.spec(dvm).get("persistentVolumeClaims"))))
        for dvmp in f.graph.dvmps_of(dvm):
            st = o.status(dvmp)
            pvc = f.graph.dvmp_pvc(dvmp)
            pr.volumes.append(Volume(dvmp, f"{pvc.get('namespace', '?')}/{pvc.get('name', '?')}" if pvc else o.name(dvmp),
                                     st.get("phase") or "", percent(st.get("totalProgressPercentage")
                                                                    or st.get("lastObservedProgressPercent")),
                                     str(st.get("lastObservedTransferRate") or ""),
                                     seconds(st.get("rsyncElapsedTime") or st.get("containerElapsedTime")),
                                     _last_seen(dvmp)))
        for key, phase in mtc.DVM_LIVE_MIGRATIONS.items():      # MC-1.8 VM live migrations: in the DVM only
            for lm in dvm_entries(f, dvm, key):
                pvc = ref_of(lm, "pvcRef")
                pr.volumes.append(Volume(dvm, f"{pvc.get('namespace', '?')}/{pvc.get('name', '?')}", phase,
                                         100.0 if phase == mtc.DVMP_SUCCEEDED else percent(
                                             lm.get("lastObservedProgressPercent")),
                                         str(lm.get("lastObservedTransferRate") or ""),
                                         seconds(lm.get("totalElapsedTime")), None,
                                         f"{lm.get('vmNamespace') or pvc.get('namespace', '?')}/{lm.get('vmName') or '?'}"))
        out.append(pr)
    return out


def moving(f) -> bool:
    """Whether any rsync transfer of the migration is moving data now."""
    return any(pr.moving for pr in running_dvms(f))


@check("dvm-progress")
def dvm_progress(f):
    """A running direct volume migration: volumes done, rates, and an estimated finish."""
    for pr in running_dvms(f):
        if not pr.volumes:
            continue
        done = pr.count(mtc.DVMP_SUCCEEDED)
        ev = [f"DirectVolumeMigration {o.name(pr.dvm)}: phase {o.phase(pr.dvm) or '?'}; {pr.total} volumes: {done} "
              f"done, {pr.count(mtc.DVMP_RUNNING)} running, {pr.count(mtc.DVMP_PENDING)} pending, "
              f"{pr.count(mtc.DVMP_FAILED)} failed attempts"]
        slow = sorted(pr.moving, key=lambda v: -(v.eta or 0))[:5]
        ev += [f"PVC {v.pvc}: {v.percent:g}% " + (f"(live migration of VM {v.live})" if v.live else f"at {v.rate}")
               + f", running for {o.human_duration(v.elapsed)}"
               + (f", about {o.human_duration(v.eta)} to go" if v.eta is not None else "") for v in slow]
        stalled = [v for v in pr.volumes if v.phase == mtc.DVMP_RUNNING and not v.moving and v.percent < 100]
        ev += [f"PVC {v.pvc}: {v.percent:g}%, no data moving (rate {v.rate or 'none'})" for v in stalled[:5]]
        eta = pr.eta
        title = (f"direct volume migration copying: {done}/{pr.total} volumes done, "
                 + (f"{len(pr.moving)} moving" + (f", estimated finish in {o.human_duration(eta)}" if eta is not None
                                                   else "") if pr.moving
                    else "no rsync transfer moving data right now")
                 + (f" (about {o.format_time(f.now + _dt.timedelta(seconds=eta))})" if eta is not None else ""))
        yield Finding(id="dvm-progress", severity="info", title=title, cluster="host",
                      objects=[ref(pr.dvm)] + [ref(v.dvmp) for v in slow if not v.live], evidence=ev,
                      fix=[f"oc mig-logs {o.name(f.mig)} --log-source rsync --cluster source -f",
                           f"oc get dvmp -n {f.src.namespace} -l {mtc.DVM_UID}={o.uid(pr.dvm)} -w"])
