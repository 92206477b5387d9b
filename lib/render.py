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

FORMATS = ("table", "wide", "json", "yaml", "name")


class Column(NamedTuple):
    header: str
    get: Callable[[Any], Any]
    wide: bool = False       # only with -o wide


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty() \
        and os.environ.get("TERM") != "dumb"


def paint(text: str, code: str, on: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if on and code else text


def table(rows: Iterable[Any], columns: list[Column], wide: bool = False, out: TextIO | None = None,
          headers: bool = True) -> None:
    """Columns padded to their widest cell, three spaces apart, as kubectl prints them."""
    out = out or sys.stdout
    cols = [c for c in columns if wide or not c.wide]
    cells = [[c.header for c in cols]] if headers else []
    for r in rows:
        cells.append(["" if (v := c.get(r)) is None else str(v) for c in cols])
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


def check_format(fmt: str | None, allowed: Iterable[str] = FORMATS) -> str:
    fmt = fmt or "table"
    allowed = list(allowed)
    if fmt not in allowed:
        raise UsageError(f"unable to match a printer suitable for the output format {fmt!r}, "
                         f"allowed formats are: {','.join(a for a in allowed if a != 'table')}")
    return fmt
