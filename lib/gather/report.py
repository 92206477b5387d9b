"""report.html at a bundle's root: one self-contained file (inline CSS and SVG; no script, no font, no
network) a support engineer opens from the extracted tarball. Per migration: the verdict first, the
findings with their evidence and fix, what could not be checked, the timeline as an SVG chart and the
CR tree per cluster; then the redaction summary and a relative link to every log and Velero record.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import sys
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from .. import objects as o

LOG_SUFFIXES = (".log", ".txt")
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{padding:12px 24px;background:#1f2d3d;color:#fff}header h1{margin:0;font-size:18px}
header p{margin:4px 0 0;color:#c9d3de;font-size:12px}
main{padding:8px 24px 40px;max-width:1200px}
section.migration{border:1px solid #d0d7de;border-radius:6px;margin:16px 0;padding:0 16px 12px}
.verdict{font-size:20px;font-weight:700;padding:10px 14px;margin:12px -16px;border-radius:6px 6px 0 0}
.v-FAILED{background:#ffebe9;color:#a40e26}.v-SUCCEEDED{background:#dafbe1;color:#116329}
.v-SUCCEEDED-WITH-WARNINGS{background:#fff8c5;color:#7d4e00}.v-RUNNING,.v-STUCK{background:#ddf4ff;color:#0a3069}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #eaeef2;padding:4px 6px;
text-align:left;vertical-align:top}th{background:#f6f8fa;font-weight:600}
.sev-error{color:#a40e26;font-weight:700}.sev-warning{color:#7d4e00;font-weight:700}.sev-info{color:#0a3069}
pre{background:#f6f8fa;padding:6px 8px;margin:2px 0;white-space:pre-wrap;word-break:break-all;font-size:12px}
ul.evidence{margin:2px 0;padding-left:18px}ul.evidence li{font-family:ui-monospace,monospace;font-size:12px}
.tree td.name{font-family:ui-monospace,monospace}.muted{color:#57606a}
svg text{font:11px ui-monospace,monospace}a{color:#0969da}
"""


def _e(x) -> str:
    return html.escape(str(x if x is not None else ""), quote=True)


def _t(s) -> _dt.datetime | None:
    return o.parse_time(s) if s else None


def timeline_svg(steps: list[dict], now: _dt.datetime | None) -> str:
    """One bar per step, from its start to its end (or to `now`, drawn open, when it has none)."""
    rows: list[tuple[dict, _dt.datetime, _dt.datetime | None]] = []
    for s in steps:
        start = _t(s.get("start"))
        if start is not None:
            rows.append((s, start, _t(s.get("end"))))
    if not rows:
        return '<p class="muted">no timeline: the migration has no recorded times</p>'
    t0 = min(r[1] for r in rows)
    ends: list[_dt.datetime] = [r[2] or now or r[1] for r in rows]
    t1 = max([*ends, t0])
    span = max((t1 - t0).total_seconds(), 1.0)
    label_w, bar_w, row_h = 360, 560, 20
    height = row_h * len(rows) + 30
    out = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 20}" '
           f'height="{height}" role="img" aria-label="timeline">']
    for i, ((step, start, end), stop) in enumerate(zip(rows, ends)):
        y = 10 + i * row_h
        x = label_w + bar_w * (start - t0).total_seconds() / span
        w = max(bar_w * (stop - start).total_seconds() / span, 2.0)
        name = str(step.get("step", ""))
        color = "#cf222e" if ("fail" in name.lower() or "Failed" in name) else \
            "#bf8700" if (end is None or "InProgress" in name) else "#2da44e"
        tip = f"{name}: {start.isoformat()} → {end.isoformat() if end else 'not ended'}"
        opacity = ' fill-opacity="0.6"' if end is None else ""
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(name[:56])}</text>')
        out.append(f'<rect class="bar" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" '
                   f'fill="{color}"{opacity}><title>{_e(tip)}</title></rect>')
    y = height - 8
    out.append(f'<text x="{label_w}" y="{y}">{_e(t0.strftime("%Y-%m-%d %H:%M:%S"))}</text>')
    out.append(f'<text x="{label_w + bar_w}" y="{y}" text-anchor="end">{_e(t1.strftime("%Y-%m-%d %H:%M:%S"))} '
               f'({_e(_span(span))})</text>')
    out.append("</svg>")
    return "".join(out)


def _span(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _findings(data: dict) -> str:
    if not data.get("findings"):
        return '<p class="muted">no findings</p>'
    out = ['<table class="findings"><tr><th>severity</th><th>finding</th><th>evidence</th><th>fix</th></tr>']
    for f in data["findings"]:
        ev = "".join(f"<li>{_e(x)}</li>" for x in f.get("evidence") or [])
        fix = "".join(f"<pre>{_e(x)}</pre>" for x in f.get("fix") or [])
        out.append(f'<tr class="finding" id="f-{_e(f.get("id"))}"><td class="sev-{_e(f.get("severity"))}">'
                   f'{_e(f.get("severity"))}</td><td><b>{_e(f.get("title"))}</b><br><span class="muted">'
                   f'{_e(f.get("id"))} · {_e(f.get("cluster"))}</span></td><td><ul class="evidence">{ev}</ul></td>'
                   f"<td>{fix}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _tree(rep) -> str:
    from ..crs import chain

    if rep.graph is None:
        return ""
    rows = chain(rep.graph)
    out = ['<table class="tree"><tr><th>cluster</th><th>kind</th><th>name</th><th>role</th><th>phase</th>'
           "<th>errors</th><th>warnings</th><th>message</th></tr>"]
    for r in rows:
        pad = "&nbsp;&nbsp;" * max(r.depth - 1, 0) + ("└─ " if r.depth else "")
        out.append(f"<tr><td>{_e(rep.graph.labels.get(r.cluster, r.cluster))}</td><td>{_e(r.kind)}</td>"
                   f'<td class="name">{pad}{_e(r.name)}</td><td>{_e(r.role)}</td><td>{_e(r.phase)}</td>'
                   f"<td>{_e(r.errors)}</td><td>{_e(r.warnings)}</td><td>{_e(r.message)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _migration(rep, data: dict) -> str:
    verdict = str(data.get("verdict", ""))
    unchecked = "".join(f"<li>{_e(u)}</li>" for u in data.get("unchecked") or [])
    return (f'<section class="migration" id="m-{_e(data.get("migration"))}">'
            f'<div class="verdict v-{_e(verdict.replace(" ", "-"))}">{_e(verdict)}: migration '
            f'{_e(data.get("migration"))}</div>'
            f'<p>plan <b>{_e(data.get("plan"))}</b> · {_e(data.get("type"))} · phase {_e(data.get("phase"))} · '
            f'started {_e(data.get("started"))}</p>'
            f"<h3>Findings</h3>{_findings(data)}"
            + (f"<h3>Not checked</h3><ul>{unchecked}</ul>" if unchecked else "")
            + f"<h3>Timeline</h3>{timeline_svg(data.get('timeline') or [], rep.now)}"
            f"<h3>Custom resources</h3>{_tree(rep)}</section>")


def _links(root: Path) -> str:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(LOG_SUFFIXES):
                files.append(Path(dirpath, fn).relative_to(root).as_posix())
    if not files:
        return '<p class="muted">no log files in this bundle</p>'
    items = "".join(f'<li><a class="log" href="{_e(quote(f))}">{_e(f)}</a></li>' for f in files)
    return f"<ul class=\"logs\">{items}</ul>"


def _redaction(summary: dict | None) -> str:
    if not summary or not isinstance(summary, dict):        # a summary of another type (a list, text): none
        return '<p class="muted">no redaction summary in this bundle</p>'
    if not summary.get("enabled", True):
        return '<p class="sev-error">redaction was turned off (--no-redact): secrets are in this bundle in clear</p>'
    rules = summary.get("rules")
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>"
                   for k, v in (rules if isinstance(rules, dict) else {}).items())
    return (f"<p>{_e(summary.get('distinctValues', 0))} distinct secret values replaced by placeholders "
            f"<code>REDACTED-&lt;RULE&gt;-&lt;n&gt;</code>.</p>"
            f"<table><tr><th>rule</th><th>replacements</th></tr>{rows}</table>")


def render(root: Path, title: str, reports: list, index: dict | None, redaction: dict | None) -> str:
    from ..verify_text import data

    gathered = (index or {}).get("finished") or ""
    body = "".join(_migration(rep, data(rep, True)) for rep in reports) or \
        '<p class="muted">no migration in this bundle</p>'
    missing = "".join(f"<li>{_e(m.get('cluster', ''))} {_e(m.get('what'))}: {_e(m.get('why'))}</li>"
                      for m in (index or {}).get("missing") or [])
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{_e(title)}</h1><p>gathered {_e(gathered or 'at an unknown time')} · report by mig-tools "
            f"{_e(__version__)}</p></header><main>{body}"
            + (f"<h2>Not collected</h2><ul>{missing}</ul>" if missing else "")
            + f"<h2>Redaction</h2>{_redaction(redaction)}<h2>Logs and Velero records</h2>{_links(root)}"
            "</main></body></html>\n")


def write(root: Path, reports: list, index: dict | None, redaction: dict | None, scrub=None) -> Path:
    """Write `root/report.html` (through `scrub`, a Redactor's string method, when given)."""
    text = render(root, f"MTC migrations: {root.name}", reports, index, redaction)
    path = root / "report.html"
    tmp = root / f".report.html.partial-{os.getpid()}"
    tmp.write_text(scrub(text) if scrub else text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def for_bundle(path: str, ref: str | None, namespace: str, limit: int = 3, redact: bool = True, err=None) -> Path:
    """`--report-only PATH`: the report of a bundle directory (any layout --must-gather reads), written at
    its root (where gather.json is, for ours), for migration `ref` or the `limit` newest; redacted unless
    `redact` is false, with the secrets of the bundle's objects learnt first (an image's are in clear)."""
    import json

    from ..errors import MigError
    from ..graph import list_migrations
    from ..mustgather import layout, open_must_gather
    from ..redact import Redactor
    from ..verify import verify

    p = Path(path).expanduser()
    if not p.is_dir():
        raise MigError(f"--report-only {path}: not a directory (extract the archive first: its report "
                       "links to the files beside it)")
    src = open_must_gather(str(p), namespace)
    root, index = layout.find_root(p)      # the index read as the bundle reader reads it (vetted, bounded)
    names = [ref] if ref else [o.name(m) for m in list_migrations(src)[:limit]]
    reports = [verify(src, n) for n in names]
    redaction = (index or {}).get("redaction")
    from .scrub import REPORT

    scrub_report = p / REPORT if redaction is None else None
    if scrub_report is not None and scrub_report.is_file() \
            and not layout.check_file(p, scrub_report, layout.MAX_OBJECT_FILE, walked=False):
        try:
            kept = json.loads(scrub_report.read_text())
            redaction = kept.get("redaction") if isinstance(kept, dict) else None
        except ValueError:
            redaction = None
    r = Redactor(enabled=redact)
    for cd in src.clusters:
        for x in cd.objects:
            r.learn(x)
    r.prepare()
    if not redact:
        (err or sys.stderr).write("warning: --no-redact: secrets of the bundle are in report.html in clear\n")
    return write(root, reports, index, redaction, r.string)
