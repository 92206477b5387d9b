"""Printers shared by every plugin: kubectl-like tables (with -o wide) and json, yaml, name.

Commands never format output themselves: they hand rows and objects to one of these.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any, Callable, NamedTuple, TextIO

from .errors import UsageError

FORMATS = ("table", "wide", "json", "yaml", "name", "jsonpath", "custom-columns")
TEMPLATED = ("jsonpath", "custom-columns")


class Column(NamedTuple):
    header: str
    get: Callable[[Any], Any]
    wide: bool = False       # only with -o wide


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty() \
        and os.environ.get("TERM") != "dumb"


# What lib/redact_rules.KEYWORDS and AWS look for, as text: a table cell or a report line without any of
# these holds no secret a text rule finds, and lib/redact is not imported for it (start-up time).
_HINTS = ("auth", "pass", "pwd", "secret", "token", "key", "cred", "://", "sig", "session", "eyj",
          "akia", "asia", "aida", "aroa", "private", "bearer", "cookie")


def scrub(text: str) -> str:
    """`text` (a cell, a report, a line of a plan) with the secrets the text rules of lib/redact.py find
    masked: what the plugins print may be pasted into a case as a file is ("secrets never leave a cluster
    unredacted")."""
    low = text.lower()
    if not any(h in low for h in _HINTS):
        return text
    from .redact import Redactor

    return Redactor().string(text)


def redacted(data: Any) -> Any:
    """A document or objects to print, redacted as mig-gather redacts what it writes: every secret of
    the document learnt first (a Secret's value repeated in an event's message), then objects field by
    field (Secret data, env, args, annotations, last-applied) and strings by the text rules."""
    from .redact import Redactor

    r = Redactor()
    r.learn(data)
    r.prepare()
    return r.obj(data)


def paint(text: str, code: str, on: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if on and code else text


def table(rows: Iterable[Any], columns: list[Column], wide: bool = False, out: TextIO | None = None,
          headers: bool = True) -> None:
    """Columns padded to their widest cell, three spaces apart, as kubectl prints them."""
    out = out or sys.stdout
    cols = [c for c in columns if wide or not c.wide]
    cells = [[c.header for c in cols]] if headers else []
    for r in rows:
        cells.append(["" if (v := c.get(r)) is None else scrub(str(v)) for c in cols])
    if not cells:
        return
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    for row in cells:
        out.write("   ".join(v.ljust(widths[i]) if i < len(cols) - 1 else v
                             for i, v in enumerate(row)).rstrip() + "\n")


def as_list(objs: Iterable[dict]) -> dict:
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(objs)}


def dump(data: Any, fmt: str, out: TextIO | None = None) -> None:
    """json (2-space, stable key order as given) or yaml of plain data."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "yaml":
        import yaml  # only when asked: keeps start-up of table output lean

        yaml.safe_dump(data, out, default_flow_style=False, sort_keys=False, allow_unicode=True)
    else:
        raise UsageError(f"unsupported output format {fmt!r}")


def object_name(obj: dict) -> str:
    """kind.group/name as `kubectl get -o name` prints it."""
    api = obj.get("apiVersion", "")
    group = api.split("/")[0] if "/" in api else ""
    kind = obj.get("kind", "").lower()
    return f"{kind}.{group}/{obj.get('metadata', {}).get('name', '')}" if group else \
        f"{kind}/{obj.get('metadata', {}).get('name', '')}"


def objects(objs: list[dict], fmt: str, out: TextIO | None = None) -> None:
    """Objects as a kubectl List (json/yaml) or one kind/name per line (name)."""
    out = out or sys.stdout
    if fmt == "name":
        for ob in objs:
            out.write(object_name(ob) + "\n")
    else:
        dump(as_list(objs), fmt, out)


def shown_formats(formats: Iterable[str], templated: str = "=...") -> list[str]:
    """The -o formats as help, errors and completion show them: a templated one followed by `templated`, no table."""
    return [f"{f}{templated}" if f in TEMPLATED else f for f in formats if f != "table"]


def check_format(fmt: str | None, allowed: Iterable[str] = FORMATS) -> str:
    """The format name of an -o value (`jsonpath=...` -> jsonpath), or a usage error naming the allowed ones."""
    fmt = fmt or "table"
    allowed = list(allowed)
    name = fmt.split("=", 1)[0] if "=" in fmt else fmt
    if name not in allowed or (name in TEMPLATED) != ("=" in fmt):
        raise UsageError(f"unable to match a printer suitable for the output format {fmt!r}, "
                         f"allowed formats are: {','.join(shown_formats(allowed))}")
    return name


class Output:
    """What -o (and --no-headers) asked for, validated once; every plugin prints through it.

    Tables print headers unless no_headers, nothing at all for no rows (a message goes to stderr, as
    kubectl's "No resources found"), and decorate (tree glyphs, colour) only on a terminal."""

    def __init__(self, spec: str | None, allowed: Iterable[str] = FORMATS, no_headers: bool = False,
                 out: TextIO | None = None):
        self.spec = spec or "table"
        self.fmt = check_format(self.spec, allowed)
        self.template = self.spec.split("=", 1)[1] if self.fmt in TEMPLATED else ""
        self.no_headers = no_headers
        self._out = out
        self.columns: list = []
        if self.fmt == "jsonpath":
            from .printers import check_jsonpath

            check_jsonpath(self.template)
        elif self.fmt == "custom-columns":
            from .printers import parse_columns

            self.columns = parse_columns(self.template)

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def is_table(self) -> bool:
        return self.fmt in ("table", "wide")

    @property
    def wide(self) -> bool:
        return self.fmt == "wide"

    @property
    def tty(self) -> bool:
        """Decoration (tree glyphs, colour) only for a person: stdout is a terminal."""
        return hasattr(self.out, "isatty") and self.out.isatty()

    def table(self, rows: list, columns: list[Column], empty: str = "") -> None:
        if not rows:
            if empty:
                sys.stderr.write(empty + "\n")
            return
        table(rows, columns, wide=self.wide, out=self.out, headers=not self.no_headers)

    def objects(self, objs: list[dict], empty: str = "") -> None:
        """A kubectl List of objects in the asked format (name: one kind.group/name a line, as kubectl).
        Objects of several clusters carry the annotation mig-tools/cluster, for jsonpath and custom-columns."""
        if self.fmt in ("name", "custom-columns") and not objs:
            if empty:
                sys.stderr.write(empty + "\n")
            return
        if self.fmt == "name":
            objects(objs, "name", self.out)
        elif self.fmt == "custom-columns":
            self._custom_columns(redacted(objs))
        else:
            self.document(as_list(objs))

    def document(self, data: Any) -> None:
        """One document (a List, a report) as json, yaml, jsonpath or custom-columns (one row), redacted."""
        data = redacted(data)
        if self.fmt == "jsonpath":
            from .printers import jsonpath

            self.out.write(jsonpath(self.template, data))
        elif self.fmt == "custom-columns":
            self._custom_columns([data])
        else:
            dump(data, self.fmt, self.out)

    def _custom_columns(self, objs: list) -> None:
        from functools import partial

        from .printers import column_cell

        cols = [Column(h, partial(column_cell, e)) for h, e in self.columns]
        table(objs, cols, out=self.out, headers=not self.no_headers)
