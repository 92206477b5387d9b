"""mig-verify: did the migration work, and if not, why and what to do. The verdict, the findings of
every check (lib/checks), and the exit code scripts rely on."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from . import objects as o
from .checks import Finding, run_all
from .checks.blocked import blockers
from .checks.registry import marked
from .checks.stuck import is_stuck
from .errors import EXIT_UNREACHABLE
from .facts import Facts
from .graph import Graph, build, migration_type
from .source import Cached, Source

SUCCEEDED, WARNINGS, FAILED, RUNNING, STUCK = ("SUCCEEDED", "SUCCEEDED WITH WARNINGS", "FAILED", "RUNNING", "STUCK")
EXIT_CODES = {SUCCEEDED: 0, FAILED: 1, WARNINGS: 2, RUNNING: 3, STUCK: 3}


@dataclass
class Report:
    verdict: str
    migration: dict
    plan: dict | None
    findings: list[Finding]
    graph: Graph | None = None
    problems: list[str] = field(default_factory=list)   # what could not be checked, and why
    now: _dt.datetime | None = None
    details: list[str] = field(default_factory=list)    # tracebacks of failed checks (-v)
    undeclared: list[str] = field(default_factory=list)  # reads no check declared (strict runs, tests)
    partial: int = 0             # 69/77: a check's read went unanswered/refused (Facts.partial)

    @property
    def exit_code(self) -> int:
        """The verdict's code; 69 when a cluster could not be read (77: it refused a read), since the
        verdict is then partial."""
        if self.graph is not None and self.graph.unreachable:
            return EXIT_UNREACHABLE
        return self.partial or EXIT_CODES[self.verdict]

    def duration(self) -> float | None:
        start = o.parse_time(o.status(self.migration).get("startTimestamp")) or o.created(self.migration)
        end = None
        if o.phase(self.migration) == "Completed":
            times = [o.parse_time(c.get("lastTransitionTime")) for c in o.conditions(self.migration)
                     if c.get("type") in o.TERMINAL]
            ends = [e for e in times if e is not None]
            end = max(ends) if ends else None
        end = end or self.now
        return (end - start).total_seconds() if start and end else None

    def to_dict(self) -> dict:
        """The documented, stable -o json schema (docs/mig-verify.md)."""
        m = self.migration
        return {"apiVersion": "mig-tools/v1", "kind": "Verdict", "verdict": self.verdict,
                "exitCode": self.exit_code, "migration": o.name(m), "uid": o.uid(m),
                "namespace": o.namespace(m), "plan": o.name(self.plan) if self.plan else "",
                "type": migration_type(m), "phase": o.phase(m), "mtcResult": o.outcome(m),
                "started": o.status(m).get("startTimestamp") or o.meta(m).get("creationTimestamp", ""),
                "durationSeconds": int(self.duration() or 0),
                "findings": [f.to_dict() for f in self.findings],
                "unchecked": self.problems,
                "unreachable": dict(self.graph.unreachable if self.graph is not None else {})}


# Findings about the infrastructure as it is now: for a migration that already succeeded they are
# warnings for the next one, never a reason to call it failed.
# Which findings are evidence that data was not copied (they fail even a migration MTC marked
# SucceededWithWarnings) and which describe the infrastructure as it is now (warnings after a success):
# each check marks its own ids (lib/checks/registry: data_not_copied, current_state).


def settle(mig: dict, findings: list[Finding]) -> list[Finding]:
    """MTC's semantics applied to the findings: on a migration that succeeded, infrastructure findings
    are warnings; on one MTC marked SucceededWithWarnings, only evidence that data was not copied stays
    an error. The finding that blocks a migration comes first."""
    if o.completed_ok(mig):
        warned = o.outcome(mig) == "SucceededWithWarnings"      # CAM 1.2/1.3: Succeeded with a Warn condition
        now_state, data_lost = marked("current_state"), marked("data_not_copied")
        for f in findings:
            if f.severity == "error" and (f.id in now_state or (warned and f.id not in data_lost)):
                f.severity = "warning"
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (f.id != "migration-blocked", order[f.severity]))


def verdict_of(facts: Facts, findings: list) -> str:
    """MTC's own semantics: a blocked migration is STUCK from its first minute; SucceededWithWarnings stays
    so unless data was not copied; a completed success is FAILED only by evidence about the migration."""
    mig = facts.mig
    if o.phase(mig) != "Completed" and not o.has_condition(mig, "Failed"):
        return STUCK if blockers(facts) or is_stuck(facts)[0] else RUNNING
    if o.has_condition(mig, "Failed") or o.has_condition(mig, "Canceled") \
            or any(f.severity == "error" for f in findings):
        return FAILED
    if o.outcome(mig) == "SucceededWithWarnings" or any(f.severity == "warning" for f in findings):
        return WARNINGS
    return SUCCEEDED


def verify(src: Source, ref: str, stuck_after: float = 1800.0, now: _dt.datetime | None = None,
           verbose: bool = False, strict: bool = False) -> Report:
    """Build the migration's graph, run every check, and decide the verdict. `verbose` keeps the
    tracebacks of failing checks (Report.details); `strict` records reads a check did not declare."""
    src = Cached(src)          # the graph's reads too: one it could not make makes the report partial
    g = build(src, ref)
    now = now or src.now or o.now()
    facts = Facts(src, g, now, stuck_after, strict=strict)
    findings, problems = run_all(facts, verbose)
    findings = settle(facts.mig, findings)
    problems = [f"{role} cluster unreachable: {why}" for role, why in g.unreachable.items()] + problems
    return Report(verdict_of(facts, findings), g.migration or {}, g.plan, findings, g, problems, now,
                  facts.unchecked_detail, facts.undeclared, facts.partial())
