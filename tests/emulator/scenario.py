"""Scenario files: objects per cluster, pod logs from text files, tokens; templated at load time."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_NOW = re.compile(r"\$\{now(?:([+-])((?:\d+[dhms])+))?\}")
_CLUSTER = re.compile(r"\$\{cluster\.([\w-]+)\.(url|token|ca_b64)\}")
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: times stay the strings the API server would return."""


_Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                   for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def find(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p.resolve()
    cand = SCENARIO_DIR / f"{name_or_path}.yaml"
    if cand.exists():
        return cand
    known = ", ".join(sorted(x.stem for x in SCENARIO_DIR.glob("*.yaml")))
    raise FileNotFoundError(f"no scenario {name_or_path!r} (known: {known})")


def _offset(sign: str | None, spec: str | None) -> dt.timedelta:
    if not spec:
        return dt.timedelta()
    secs = sum(int(n) * _UNIT[u] for n, u in re.findall(r"(\d+)([dhms])", spec))
    return dt.timedelta(seconds=secs if sign == "+" else -secs)


def render(text: str, values: dict, now: dt.datetime) -> str:
    """Replace ${now±1h30m} and ${cluster.<name>.url|token|ca_b64}."""
    text = _NOW.sub(lambda m: (now + _offset(m.group(1), m.group(2))).strftime("%Y-%m-%dT%H:%M:%SZ"), text)
    return _CLUSTER.sub(lambda m: str(values.get(m.group(1), {}).get(m.group(2), m.group(0))), text)


def load(path: Path, values: dict, now: dt.datetime, seen: set | None = None) -> dict:
    """The merged scenario: {'description', 'clusters', 'objects': {c: [...]}, 'logs': {c: {key: Path}}, 'tokens',
    'downloads': {c: {'<DownloadRequest target kind>/<name>': Path}}}."""
    seen = seen or set()
    if path in seen:
        raise ValueError(f"include cycle at {path}")
    seen.add(path)
    doc = yaml.load(render(path.read_text(), values, now), Loader=_Loader) or {}
    out = {"description": doc.get("description", ""), "clusters": doc.get("clusters"), "objects": {},
           "logs": {}, "tokens": {}, "downloads": {}, "expect": doc.get("expect") or {}}   # expectations: a file's own
    for inc in doc.get("include") or []:
        sub = load((path.parent / inc).resolve(), values, now, seen)
        _merge(out, sub)
    own = {"objects": doc.get("objects") or {}, "tokens": doc.get("tokens") or {},
           "logs": {c: {k: (path.parent / v).resolve() if not Path(v).is_absolute() else Path(v)
                        for k, v in (logs or {}).items()} for c, logs in (doc.get("logs") or {}).items()},
           "downloads": {c: {k: (path.parent / v).resolve() for k, v in (d or {}).items()}
                         for c, d in (doc.get("downloads") or {}).items()}}
    _merge(out, own)
    if doc.get("clusters"):
        out["clusters"] = doc["clusters"]
    return out


def _merge(into: dict, sub: dict) -> None:
    for c, objs in (sub.get("objects") or {}).items():
        into["objects"].setdefault(c, []).extend(objs or [])
    for c, logs in (sub.get("logs") or {}).items():
        into["logs"].setdefault(c, {}).update(logs)
    for c, files in (sub.get("downloads") or {}).items():
        into["downloads"].setdefault(c, {}).update(files)
    for c, toks in (sub.get("tokens") or {}).items():
        into["tokens"].setdefault(c, {}).update(toks or {})
    if sub.get("clusters") and not into.get("clusters"):
        into["clusters"] = sub["clusters"]


def cluster_names(path: Path) -> list[str]:
    """The clusters a scenario declares (default host, source, target), read before templating."""
    names = None
    p = path
    doc = yaml.safe_load(_CLUSTER.sub("x", _NOW.sub("2000-01-01T00:00:00Z", p.read_text()))) or {}
    names = doc.get("clusters")
    return list(names or ["host", "source", "target"])


def expectations(name_or_path: str) -> dict:
    """The scenario file's own `expect:` block: {migration: {verdict, exit, findings, absent}}."""
    path = find(name_or_path)
    doc = yaml.load(_CLUSTER.sub("x", _NOW.sub("2000-01-01T00:00:00Z", path.read_text())), Loader=_Loader) or {}
    return doc.get("expect") or {}
