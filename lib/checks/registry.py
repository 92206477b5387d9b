"""The Finding record, the declaration of what a check reads, and the registry checks add themselves to.

A check declares what it needs (kinds per cluster role, in MTC's namespace or the plan's
application namespaces, and log components per role); mig-gather's collection, the live reads and
the tests all follow from those declarations (`needed()`).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Literal, Optional

if TYPE_CHECKING:
    from ..facts import Facts

Severity = Literal["error", "warning", "info"]
Role = Literal["host", "source", "target"]
Scope = Literal["mtc", "app"]         # MTC's namespace (or cluster-scoped), or the plan's application namespaces
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
ROLES: tuple[Role, ...] = ("host", "source", "target")


class Finding:
    """One finding: built by keyword, so a reader of a check sees what each value is."""

    __slots__ = ("id", "severity", "title", "cluster", "objects", "evidence", "fix")

    def __init__(self, *, id: str, severity: Severity, title: str, cluster: str = "",
                 objects: Optional[list[dict]] = None, evidence: Optional[list[str]] = None,
                 fix: Optional[list[str]] = None):
        if severity not in SEVERITIES:
            raise ValueError(f"finding {id}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        self.id, self.severity, self.title, self.cluster = id, severity, title, cluster
        self.objects: list[dict] = list(objects or [])
        self.evidence: list[str] = list(evidence or [])
        self.fix: list[str] = list(fix or [])

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "title": self.title, "cluster": self.cluster,
                "objects": self.objects, "evidence": self.evidence, "fix": self.fix}

    def __repr__(self) -> str:
        return f"Finding(id={self.id!r}, severity={self.severity!r}, title={self.title!r})"


CheckFn = Callable[["Facts"], Optional[Iterable[Finding]]]
KindMap = Mapping[str, tuple[str, ...]]          # role -> kinds


@dataclass(frozen=True)
class Need:
    """One list a check reads: `kind` on the cluster playing `role`, in `scope`."""

    role: str
    kind: str
    scope: Scope = "mtc"


@dataclass(frozen=True)
class Check:
    ids: tuple[str, ...]
    fn: CheckFn
    kinds: KindMap = field(default_factory=dict)
    app_kinds: KindMap = field(default_factory=dict)
    logs: KindMap = field(default_factory=dict)
    when: Optional[Callable[[Facts], bool]] = None
    doc: str = ""
    explains: tuple[str, ...] = ()     # MigMigration condition types this check explains in full
    data_not_copied: tuple[str, ...] = ()   # ids that are evidence data was not copied (fail even a success)
    current_state: tuple[str, ...] = ()     # ids about the infrastructure as it is now (warnings after a success)

    @property
    def id(self) -> str:
        return self.ids[0]

    @property
    def label(self) -> str:
        return ",".join(self.ids)

    @property
    def needs(self) -> list[Need]:
        out = [Need(r, k, "mtc") for r, ks in self.kinds.items() for k in ks]
        return out + [Need(r, k, "app") for r, ks in self.app_kinds.items() for k in ks]

    def reads_log(self, role: str, component: str) -> bool:
        return component in (self.logs.get(role) or ())


CHECKS: list[Check] = []


def check(*ids: str, kinds: Optional[KindMap] = None, app_kinds: Optional[KindMap] = None,
          logs: Optional[KindMap] = None, when: Optional[Callable[[Facts], bool]] = None,
          explains: tuple[str, ...] = (), data_not_copied: tuple[str, ...] = (),
          current_state: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check yielding findings with these ids, with what it reads (see the module doc)."""
    for decl in (kinds, app_kinds, logs):
        bad = set(decl or {}) - set(ROLES)
        if bad:
            raise ValueError(f"check {ids[0]}: unknown role(s) {sorted(bad)}")

    unknown = (set(data_not_copied) | set(current_state)) - set(ids)
    if unknown:
        raise ValueError(f"check {ids[0]}: marks ids it does not yield: {sorted(unknown)}")

    def deco(fn: CheckFn) -> CheckFn:
        if any(i in c.ids for c in CHECKS for i in ids):
            raise ValueError(f"check id {ids} registered twice")
        CHECKS.append(Check(tuple(ids), fn, _freeze(kinds), _freeze(app_kinds), _freeze(logs), when,
                            (fn.__doc__ or "").strip().split("\n")[0], tuple(explains),
                            tuple(data_not_copied), tuple(current_state)))
        return fn
    return deco


def _freeze(m: Optional[KindMap]) -> dict[str, tuple[str, ...]]:
    return {r: tuple(v) for r, v in (m or {}).items()}


def needed() -> tuple[list[Need], dict[str, tuple[str, ...]]]:
    """The union of every check's declarations: the lists and the log components per role."""
    from . import discover

    discover()
    needs: list[Need] = []
    logs: dict[str, tuple[str, ...]] = {}
    for c in CHECKS:
        needs += [n for n in c.needs if n not in needs]
        for role, comps in c.logs.items():
            logs[role] = tuple(dict.fromkeys(logs.get(role, ()) + comps))
    return needs, logs


def explained() -> set[str]:
    """The MigMigration condition types some check explains in full (the generic condition check skips them)."""
    from . import discover

    discover()
    return {t for c in CHECKS for t in c.explains}


def marked(mark: str) -> set[str]:
    """The finding ids some check marks `data_not_copied` or `current_state` (lib/verify.settle reads them)."""
    from . import discover

    discover()
    return {i for c in CHECKS for i in getattr(c, mark)}


def ref(obj: dict) -> dict:
    md = obj.get("metadata") or {}
    r = {"kind": obj.get("kind", ""), "name": md.get("name", "")}
    if md.get("namespace"):
        r["namespace"] = md["namespace"]
    return r


def run_all(facts: Facts, verbose: bool = False) -> tuple[list[Finding], list[str]]:
    """Every check's findings, most severe first, and what could not be checked. A check that fails
    in any way is one `unchecked` entry; the others still run."""
    from ..errors import MigError
    from . import discover

    discover()
    out: list[Finding] = []
    for c in CHECKS:
        facts.begin(c)
        try:
            if c.when is not None and not c.when(facts):
                continue
            out.extend(c.fn(facts) or [])
        except MigError as e:
            facts.unchecked(f"check {c.label}: {e}")
        except Exception as e:  # a bug in one check never takes the report down
            facts.unchecked(f"check {c.label}: internal error: {type(e).__name__}: {e}")
            if verbose:
                facts.unchecked_detail.append(traceback.format_exc())
        finally:
            facts.end()
    out.sort(key=lambda f: SEVERITIES.index(f.severity))
    return out, facts.problems
