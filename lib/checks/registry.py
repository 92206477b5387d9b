"""The Finding record and the registry every check adds itself to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..errors import ApiError, MigError

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    id: str
    severity: str                      # error | warning | info
    title: str
    cluster: str = ""                  # host | source | target
    objects: list = field(default_factory=list)     # [{kind, name, namespace}]
    evidence: list = field(default_factory=list)    # one line each
    fix: list = field(default_factory=list)         # commands or steps, one each

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "title": self.title, "cluster": self.cluster,
                "objects": self.objects, "evidence": self.evidence, "fix": self.fix}


CHECKS: list[tuple[str, Callable]] = []


def check(*ids: str):
    """Register a check function producing findings with these ids."""
    def deco(fn):
        CHECKS.append((",".join(ids), fn))
        return fn
    return deco


def ref(obj: dict) -> dict:
    md = obj.get("metadata") or {}
    r = {"kind": obj.get("kind", ""), "name": md.get("name", "")}
    if md.get("namespace"):
        r["namespace"] = md["namespace"]
    return r


def run_all(facts) -> tuple[list[Finding], list[str]]:
    """Every check's findings, most severe first; a check that cannot read a cluster is reported, not fatal."""
    out: list[Finding] = []
    problems: list[str] = []
    for ids, fn in CHECKS:
        try:
            out.extend(fn(facts) or [])
        except (ApiError, MigError) as e:
            problems.append(f"check {ids}: {e}")
    out.sort(key=lambda f: SEVERITIES.index(f.severity))
    return out, problems


def iterate(items: Iterable) -> list:
    return list(items or [])
