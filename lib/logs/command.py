"""mig-logs: choose clusters, sources and pods; print merged lines, follow, or download them all."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import graph as graphs
from ..errors import EXIT_UNREACHABLE, MigError
from ..source import Cached
from . import format as fmt
from .filter import Needles
from .select import targets
from .stream import lines


@dataclass
class Options:
    migration: str | None = None
    clusters: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    pod: str | None = None
    container: str | None = None
    selector: str | None = None
    all_lines: bool = False
    follow: bool = False
    since_seconds: int | None = None
    since_time: str | None = None
    tail: int | None = None
    previous: bool = False
    timestamps: bool = False
    level: str | None = None
    output: str = "text"
    output_dir: str | None = None
    archive: str | None = None


def bind_clusters(src, migration: str | None):
    """The graph of the named migration, or of the newest one (its clusters only) when none is named."""
    if migration:
        return graphs.build(src, migration)
    migs = graphs.list_migrations(src)
    if migs:
        g = graphs.build(src, graphs.name_of(migs[0]))
        return g
    return None


def _not_learnt(not_read: list, err) -> None:
    """What could not be read to learn its secrets: a warning each."""
    for n in not_read:
        err.write(f"warning: {n['cluster']}: {n['what']} could not be read ({n['error']}): the values it holds "
                  "are redacted only where a rule finds them\n")


def execute(src, opt: Options, out=None, err=None) -> int:
    """Run the command; returns the exit code (69 when a cluster or pod could not be read)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not opt.follow:
        src = Cached(src)       # the graph's lists, targets()'s pods and those whose secrets are learnt: read once
    g = bind_clusters(src, opt.migration)
    scope = g if opt.migration else None
    errors: list = []
    if opt.output_dir or opt.archive:
        from .download import download, download_archive, safe_dir  # only for files: tarfile, the redactor

        tgts = targets(src, g, opt.clusters or None, opt.sources or None, opt.pod, opt.container, opt.selector, errors)
        needles = Needles(scope) if scope is not None and not opt.all_lines else None
        extra = {"tail_lines": opt.tail, "since_seconds": opt.since_seconds, "since_time": opt.since_time}
        failed = [{"cluster": role, "error": why} for role, _, why in errors]
        if opt.archive:
            index = download_archive(src, tgts, Path(opt.archive), needles, True, extra, failed)
            where = opt.archive
        else:
            where = str(opt.output_dir)          # the branch above took --archive
            index = download(src, tgts, safe_dir(where), needles, True, extra, failed)
        red = index.get("redaction", {}).get("rules", {})
        err.write(f"wrote {len(index['files'])} logs to {where}, secrets redacted"
                  + (f" ({sum(red.values())} replacements)" if red else "")
                  + (f"; {len(index['failed'])} could not be read (see index.json)" if index["failed"] else "") + "\n")
        for f in index["failed"]:
            err.write(f"warning: {f['error']}\n")
        _not_learnt(index["redaction"]["notRead"], err)
        return EXIT_UNREACHABLE if index["failed"] else 0

    # Printed lines are redacted as the files are (lib/logs/secrets.py): stdout is redirected to files
    # and pasted into cases; the secrets of the objects around the pods are learnt before the first line.
    from ..redact import Redactor
    from .secrets import learn, redacted

    r = Redactor()

    def learn_first(tgts) -> None:
        _not_learnt(learn(src, tgts, r).not_read, err)

    color = opt.output != "json" and fmt_color(out)
    n = 0
    for e in redacted(lines(src, scope, opt.clusters or None, opt.sources or None, opt.pod, opt.container,
                            opt.since_seconds, opt.since_time, opt.tail, opt.previous, opt.level, opt.all_lines,
                            opt.follow, opt.selector, errors, on_targets=learn_first), r):
        out.write(fmt.as_json(e) if opt.output == "json" else fmt.text(e, color, opt.timestamps))
        n += 1
        if opt.follow:
            out.flush()
    for _role, _t, why in errors:
        err.write(f"warning: {r.string(why)}\n")     # an error may quote a URL with its password
    if n == 0 and not errors:
        err.write("no log lines matched\n")
    return EXIT_UNREACHABLE if errors else 0


def fmt_color(out) -> bool:
    from ..render import use_color

    return use_color(out)


__all__ = ["Options", "execute", "MigError"]
