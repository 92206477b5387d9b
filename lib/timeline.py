"""--timeline: the migration's phases and its Velero backups/restores as a text chart."""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Tuple

from . import objects as o
from .graph import velero_role

WIDTH = 40


Row = Tuple[str, Optional[_dt.datetime], Optional[_dt.datetime]]


def rows(report) -> list[Row]:
    """(label, start, end) for each pipeline step, then each Backup/Restore and PodVolume* summary."""
    m, g = report.migration, report.graph
    out: list[Row] = []
    for step in o.maps(o.status(m).get("pipeline")):
        label = f"phase {step.get('name')}" + (" (failed)" if step.get("failed") else "")
        out.append((label, o.parse_time(step.get("started")), o.parse_time(step.get("completed"))))
    if not out:
        start = o.parse_time(o.status(m).get("startTimestamp")) or o.created(m)
        dur = report.duration() if o.phase(m) == "Completed" else None
        end = start + _dt.timedelta(seconds=dur) if start and dur is not None else None
        out.append((f"migration ({o.phase(m)})", start, end))
    for v in (g.backups + g.restores) if g else []:
        st = o.status(v)
        out.append((f"{v['kind'].lower()} {velero_role(v)} [{st.get('phase') or 'New'}]",
                    o.parse_time(st.get("startTimestamp")) or o.created(v), o.parse_time(st.get("completionTimestamp"))))
        kids = g.pvbs_of(v) if v["kind"] == "Backup" else g.pvrs_of(v)
        for k in kids:
            ks = o.status(k)
            out.append((f"  {k['kind']} {o.spec(k).get('volume', '')} [{ks.get('phase') or 'New'}]",
                        o.parse_time(ks.get("startTimestamp")), o.parse_time(ks.get("completionTimestamp"))))
    return out


def as_list(report) -> list[dict]:
    """The rows for -o json: step, start and end (ISO 8601 or null)."""
    return [{"step": lb.strip(), "start": s.isoformat() if s else None, "end": e.isoformat() if e else None}
            for lb, s, e in rows(report)]


def chart(report) -> str:
    """Each row with start, duration and a bar placed on the migration's time span."""
    rs = rows(report)
    now = report.now or o.now()
    starts = [s for _, s, _ in rs if s]
    if not starts:
        return "no timestamps to chart\n"
    t0 = min(starts)
    t1 = max([e or now for _, s, e in rs if s] + [t0])
    span = max((t1 - t0).total_seconds(), 1.0)
    label_w = max(len(lb) for lb, _, _ in rs)
    lines = [f"{'STEP'.ljust(label_w)}   START                  DURATION   {'TIME'.ljust(WIDTH)}"]
    for label, s, e in rs:
        if not s:
            lines.append(f"{label.ljust(label_w)}   {'-'.ljust(20)}   {'-'.ljust(8)}   ")
            continue
        end = e or now
        a = int((s - t0).total_seconds() / span * WIDTH)
        b = max(a + 1, int((end - t0).total_seconds() / span * WIDTH))
        bar = " " * a + ("#" if e else "=") * (b - a)
        dur = o.human_duration((end - s).total_seconds()) + ("" if e else "+")
        lines.append(f"{label.ljust(label_w)}   {o.format_time(s).ljust(20)}   {dur.ljust(8)}   {bar}")
    lines.append(f"(# finished, = still running at {o.format_time(now)})")
    return "\n".join(lines) + "\n"
