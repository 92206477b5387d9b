"""kubectl's template printers: `-o jsonpath=TEMPLATE` and `-o custom-columns=SPEC`.

The template syntax is kubectl's (k8s.io/client-go/util/jsonpath): text with `{expression}` parts,
`{range expr}...{end}` loops, `{"literal"}` strings, `@`/`$` for the current object and the root.
Each expression is evaluated by jsonpath-ng (its extended parser gives the filters `[?(@.a=="b")]`);
this module only splits the template, as kubectl's own parser does before evaluating.
Values print as kubectl prints them: strings raw, everything else as JSON, several values joined by
a space; a missing key prints nothing (kubectl's --allow-missing-template-keys default).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from .errors import UsageError


class TemplateError(UsageError):
    pass


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*|\$")


def _to_ng(expr: str) -> str:
    """kubectl's path syntax in jsonpath-ng's: a field may hold `-` or `/` (`.metadata.annotations.
    mig-tools/cluster`) and `\\.` for a dot (`.metadata.labels.app\\.kubernetes\\.io/name`)."""
    out: list[str] = []
    field = ""
    quoted = False

    def flush() -> None:
        nonlocal field, quoted
        if field or quoted:
            out.append(field if _PLAIN.fullmatch(field) and not quoted else json.dumps(field))
        field, quoted = "", False

    i = 0
    while i < len(expr):
        c = expr[i]
        if c == "\\" and i + 1 < len(expr):
            field += expr[i + 1]
            quoted = True
            i += 2
        elif c == ".":
            flush()
            if expr.startswith("..", i):
                out.append("..")
                i += 2
            else:
                out.append(".")
                i += 1
        elif c == "[":
            flush()
            depth, j, q = 0, i, ""
            while j < len(expr):
                ch = expr[j]
                if q:
                    q = "" if ch == q else q
                elif ch in "\"'":
                    q = ch
                elif ch == "[":
                    depth += 1
                elif ch == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(expr[i:j + 1])
            i = j + 1
        else:
            field += c
            i += 1
    flush()
    text = "".join(out)
    if text.startswith(".."):
        return "$" + text
    return text[1:] if text.startswith(".") else text


@lru_cache(maxsize=1)
def _parser():
    """One parser for the process: jsonpath_ng.ext.parse() builds a new one (0.1 s) per expression."""
    from jsonpath_ng.ext.parser import ExtentedJsonPathParser

    return ExtentedJsonPathParser()


@lru_cache(maxsize=64)
def _compile(expr: str):
    e = expr.strip()
    if e in ("", "@", "$", "."):
        return None
    if e.startswith("@"):
        e = e[1:]
    try:
        return _parser().parse(_to_ng(e))
    except Exception as exc:      # jsonpath-ng's lexer and parser errors, and anything else it raises
        raise TemplateError(f"error parsing jsonpath {expr!r}: {' '.join(str(exc).split())}") from None


def find(expr: str, data: Any) -> list:
    """Every value the expression selects in data (kubectl: `.a.b`, `a.b`, `$.a`, `@.a` are alike)."""
    p = _compile(expr)
    if p is None:
        return [data]
    return [m.value for m in p.find(data)]


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


_TOKEN = re.compile(r"\{((?:[^{}\"']|\"(?:\\.|[^\"\\])*\"|'[^']*')*)\}")


def _tokens(template: str) -> list[tuple[str, str]]:
    """[(kind, value)]: ("text", s), ("expr", e), ("range", e), ("end", ""), ("lit", s)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            out.append(("text", template[pos:m.start()]))
        body = m.group(1).strip()
        if body.startswith("range "):
            out.append(("range", body[6:].strip()))
        elif body == "end":
            out.append(("end", ""))
        elif len(body) >= 2 and body[0] == body[-1] and body[0] in "\"'":
            lit = body[1:-1]
            if body[0] == '"':
                try:
                    lit = json.loads(body, strict=False)
                except ValueError:
                    raise TemplateError(f"error parsing jsonpath: bad string {body}") from None
            out.append(("lit", lit))
        else:
            out.append(("expr", body))
        pos = m.end()
    rest = template[pos:]
    if "{" in rest or "}" in rest:
        raise TemplateError(f"error parsing jsonpath {template!r}: unclosed action")
    if rest:
        out.append(("text", rest))
    return out


def _block(tokens: list, i: int) -> tuple[list, int]:
    """The tokens of a range body and the index after its {end}."""
    depth, j = 1, i
    while j < len(tokens):
        k = tokens[j][0]
        if k == "range":
            depth += 1
        elif k == "end":
            depth -= 1
            if depth == 0:
                return tokens[i:j], j + 1
        j += 1
    raise TemplateError("error parsing jsonpath: {range} without {end}")


def _render(tokens: list, data: Any, out: list[str]) -> None:
    i = 0
    while i < len(tokens):
        kind, val = tokens[i]
        if kind in ("text", "lit"):
            out.append(val)
            i += 1
        elif kind == "expr":
            out.append(" ".join(text(v) for v in find(val, data)))
            i += 1
        elif kind == "range":
            body, i = _block(tokens, i + 1)
            found = find(val, data)
            if len(found) == 1 and isinstance(found[0], list) and not val.rstrip().endswith("]"):
                found = found[0]        # {range .items}: over the list's elements, as {range .items[*]}
            for item in found:
                _render(body, item, out)
        else:
            raise TemplateError("error parsing jsonpath: {end} without {range}")


def jsonpath(template: str, data: Any) -> str:
    """kubectl -o jsonpath=TEMPLATE of data (a template without braces is one expression, as kubectl)."""
    t = template if "{" in template else "{" + template + "}"
    out: list[str] = []
    _render(_tokens(t), data, out)
    return "".join(out)


def check_jsonpath(template: str) -> None:
    t = template if "{" in template else "{" + template + "}"
    toks = _tokens(t)
    depth = 0
    for kind, val in toks:
        if kind in ("expr", "range"):
            _compile(val)
        depth += (kind == "range") - (kind == "end")
        if depth < 0:
            raise TemplateError("error parsing jsonpath: {end} without {range}")
    if depth:
        raise TemplateError("error parsing jsonpath: {range} without {end}")


def parse_columns(spec: str) -> list[tuple[str, str]]:
    """[(HEADER, expression)] of `custom-columns=NAME:.metadata.name,KIND:.kind` (kubectl's syntax)."""
    cols = []
    for part in spec.split(","):
        if ":" not in part or not part.split(":", 1)[0] or not part.split(":", 1)[1]:
            raise UsageError(f"unexpected custom-columns spec: {part!r}, expected <header>:<json-path-expr>")
        header, expr = part.split(":", 1)
        expr = expr.strip()
        if expr.startswith("{") and expr.endswith("}"):
            expr = expr[1:-1]
        _compile(expr)
        cols.append((header, expr))
    if not cols:
        raise UsageError("custom-columns format specified but no custom columns given")
    return cols


def column_cell(expr: str, obj: Any) -> str:
    vals = find(expr, obj)
    if not vals:
        return "<none>"
    return ",".join(text(v) for v in vals)
