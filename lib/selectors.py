"""Label and field selectors as the API server parses them: the emulator serves them, and a
must-gather source filters with them."""

from __future__ import annotations

import re

_TERM = re.compile(r"\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(==|=|!=|\s+in\s+|\s+notin\s+)\s*(\([^)]*\)|[^,]*))?\s*")


class SelectorError(ValueError):
    pass


def _split(sel: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in sel:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()]


def parse_labels(sel: str | None) -> list[tuple]:
    """[(op, key, values)] with op in =, !=, in, notin, exists, !exists."""
    terms: list[tuple] = []
    for part in _split(sel or ""):
        m = _TERM.fullmatch(part)
        if not m:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
        neg, key, op, val = m.groups()
        if op is None:
            terms.append(("!exists" if neg else "exists", key, []))
            continue
        if neg:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
        op = op.strip()
        if op in ("in", "notin"):
            if not (val.startswith("(") and val.endswith(")")):
                raise SelectorError(f"set-based requirement needs parentheses: {part.strip()!r}")
            terms.append((op, key, [v.strip() for v in val[1:-1].split(",") if v.strip()]))
        else:
            terms.append(("!=" if op == "!=" else "=", key, [val.strip()]))
    return terms


def match_labels(terms: list[tuple], labels: dict) -> bool:
    for op, key, vals in terms:
        has = key in labels
        v = labels.get(key)
        if op == "exists" and not has or op == "!exists" and has:
            return False
        if op == "=" and v != vals[0] or op == "!=" and has and v == vals[0]:
            return False
        if op == "in" and v not in vals or op == "notin" and has and v in vals:
            return False
    return True


FIELDS = {"metadata.name", "metadata.namespace", "status.phase", "spec.nodeName"}


def parse_fields(sel: str | None) -> list[tuple]:
    terms = []
    for part in _split(sel or ""):
        m = re.fullmatch(r"\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*", part)
        if not m:
            raise SelectorError(f"invalid field selector: {part.strip()!r}")
        key, op, val = m.groups()
        if key not in FIELDS:
            raise SelectorError(f'field label not supported: {key}')
        terms.append(("!=" if op == "!=" else "=", key, val))
    return terms


def match_fields(terms: list[tuple], obj: dict) -> bool:
    for op, key, val in terms:
        cur: object = obj
        for p in key.split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        text = "" if cur is None else str(cur)
        if (op == "=") != (text == val):
            return False
    return True
