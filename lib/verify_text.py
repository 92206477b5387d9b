"""Human output of mig-verify, as velero describe writes: the verdict first, then the findings."""

from __future__ import annotations

from . import objects as o
from .graph import migration_type
from .render import paint
from .timeline import as_list, chart

COLOR = {"error": "31", "warning": "33", "info": "36"}
VERDICT_COLOR = {"SUCCEEDED": "32", "SUCCEEDED WITH WARNINGS": "33", "FAILED": "31", "RUNNING": "36", "STUCK": "31"}


# The verdict each of MTC's own ends reads as when no finding says otherwise.
_AS_MTC = {"Succeeded": "SUCCEEDED", "SucceededWithWarnings": "SUCCEEDED WITH WARNINGS", "Failed": "FAILED"}


def _mtc_says(verdict: str, mtc: str) -> str:
    """MTC's own word when the verdict is not the one it reads as (the UI shows the migration so): a
    SucceededWithWarnings whose volumes were not copied is FAILED here, a Canceled one FAILED."""
    return f"; MTC says {mtc}" if mtc and _AS_MTC.get(mtc) != verdict else ""


def text(report, color: bool = False) -> str:
    m = report.migration
    dur = report.duration()
    head = (f"{paint(report.verdict, VERDICT_COLOR.get(report.verdict, ''), color)}  migration {o.name(m)} "
            f"(plan {o.name(report.plan) if report.plan else '?'}, {migration_type(m)}"
            f"{', phase ' + o.phase(m) if o.phase(m) and o.phase(m) != 'Completed' else ''})"
            + (f" after {o.human_duration(dur)}" if dur is not None else "")
            + _mtc_says(report.verdict, o.outcome(m)))
    out = [head]
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")}
    if report.findings:
        out.append(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
    for f in report.findings:
        out.append("")
        out.append(f"{paint(f.severity.upper(), COLOR[f.severity], color)} [{f.id}] {f.title}"
                   + (f"  ({f.cluster})" if f.cluster else ""))
        for ev in f.evidence:
            out.append(f"    {ev}")
        if f.fix:
            out.append("  fix:")
            for fx in f.fix:
                out.append(f"    {fx}")
    for p in report.problems:
        out.append("")
        out.append(f"NOT CHECKED: {p}")
    return "\n".join(out) + "\n"


def with_timeline(report, timeline: bool, color: bool = False) -> str:
    """The report as text, followed by the time chart when asked."""
    return text(report, color) + ("\n" + chart(report) if timeline else "")


def data(report, timeline: bool) -> dict:
    """The report as the documented -o json|yaml schema, with `timeline` when asked."""
    out = report.to_dict()
    if timeline:
        out["timeline"] = as_list(report)
    return out
