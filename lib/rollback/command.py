"""mig-rollback's flow: resolve, observe, plan, show, confirm, keep, execute, summarise."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .. import objects as o
from ..errors import MigError
from ..render import Column, Output, scrub, table
from .controller import run_via_controller, where
from .execute import Stopped, execute
from .journal import Journal, default_path
from .keep import recreate_command, save
from .observe import observe
from .plan import Plan
from .planner import build_plan, deletes_live_application, refuse_if_empty, refuse_if_mounted
from .resolve import pairs_text, resolve, running


@dataclass
class Options:
    project: str | None
    plan: str | None = None
    migration: str | None = None
    yes: bool = False
    force: bool = False
    stop_daemonsets: bool = False
    release: str | None = None          # Delete | Recycle with --release-target-pvs
    replicas: int | None = None
    journal: str | None = None
    output: str = "table"
    all_namespaces: bool = False
    via_controller: bool = False
    timeout: float = 1800.0


def make_plan(src, opt: Options) -> tuple[Plan, Journal]:
    ctx = resolve(src, opt.project, opt.plan, opt.migration, opt.all_namespaces)
    journal = Journal(Path(opt.journal) if opt.journal else default_path(ctx.plan_uid, ctx.journal_key()))
    mig = ctx.migration
    if mig and running(mig) and not opt.force:
        raise MigError(f"migration {o.name(mig)} of plan {o.name(ctx.plan)} is still running "
                       f"(phase {o.phase(mig)}); wait for it, or pass --force")
    busy = next((m for m in ctx.rollbacks if running(m)), None)
    if busy and not opt.force:
        raise MigError(f"MTC's own rollback {o.name(busy)} of plan {o.name(ctx.plan)} is running (phase "
                       f"{o.phase(busy)}); follow it with oc get migmigration {o.name(busy)} -n {src.namespace} -w, "
                       "or pass --force")
    for s, _ in ctx.pairs:
        if src.get("source", "Namespace", s) is None:
            raise MigError(f'source namespace "{s}" does not exist on the source cluster '
                           f"{src.label('source')}: nothing to roll back to")
    plan = build_plan(ctx, observe(src, ctx), stop_daemonsets=opt.stop_daemonsets, release=opt.release,
                      replicas=opt.replicas, journaled_dcs=journal.deleted("DeploymentConfig"),
                      project=opt.project or "")
    return plan, journal


COLUMNS = [Column("CLUSTER", lambda a: a.cluster), Column("ACTION", lambda a: a.verb),
           Column("OBJECT", lambda a: f"{a.kind}/{a.name}"), Column("NAMESPACE", lambda a: a.namespace or "-"),
           Column("CHANGE", lambda a: a.change), Column("REASON", lambda a: a.reason)]


def show(plan: Plan, fmt: str, out) -> None:
    ctx = plan.context
    if fmt != "table":      # json, yaml or jsonpath=... (validated by flags.validate)
        Output(fmt, out=out).document({"apiVersion": "mig-tools/v1", "kind": "RollbackPlan", "plan": o.name(ctx.plan),
              "planUID": ctx.plan_uid, "migration": o.name(ctx.migration) if ctx.migration else "",
              "sourceNamespace": ctx.src_ns, "targetNamespace": ctx.dest_ns,
              "namespaces": [{"source": s, "target": d} for s, d in ctx.pairs],
              "lookedAt": plan.looked, "volumes": plan.volumes, "warnings": plan.warnings,
              "controller": plan.controller,
              "actions": [a.to_dict() for a in plan.actions], "manual": plan.manual})
        return
    out.write(f"Rollback of plan {o.name(ctx.plan)}: " + ", ".join(f"{s} (source) <- {d} (target)" for s, d in ctx.pairs)
              + (f", last migration {o.name(ctx.migration)}" if ctx.migration else "") + "\n")
    out.write(scrub("\nlooked at:\n" + "".join(f"  - {line}\n" for line in plan.looked)))
    for cluster in ("target", "source"):
        acts = plan.by_cluster(cluster)
        out.write(f"\n{cluster}: {len(acts)} changes\n")
        if acts:
            table(acts, COLUMNS, out=out)
    for title, lines in (("volumes", plan.volumes), ("warnings", plan.warnings), ("left for you", plan.manual)):
        if lines:
            out.write(scrub(f"\n{title}:\n" + "".join(f"  - {m}\n" for m in lines)))
    if plan.controller:
        out.write(scrub(f"\n{plan.controller}\n"))


def ask(stdin, err, question: str) -> bool:
    err.write(question)
    err.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def would_execute(opt: Options, stdin) -> bool:
    """Whether this run goes past the plan: --yes, or a terminal to ask on."""
    return opt.yes or (hasattr(stdin, "isatty") and stdin.isatty())


def confirm(opt: Options, plan: Plan, stdin=None, err=None) -> bool:
    stdin, err = stdin or sys.stdin, err or sys.stderr
    released = [a for a in plan.actions if a.group == "release volumes"]
    if opt.yes:
        for a in released:          # shown once more, where a --yes run's log keeps it
            err.write(f"releasing PV {a.name}: {a.change}; its data is deleted\n")
        return True
    if not would_execute(opt, stdin):
        err.write("nothing changed: this is the plan; run again with --yes to execute it\n")
        return False
    if not ask(stdin, err, "Execute this rollback? [y/N] "):
        return False
    if released:
        err.write("".join(f"  PV {a.name}: {a.change}\n" for a in released))
        return ask(stdin, err, f"Release these {len(released)} PersistentVolumes (their data is deleted)? [y/N] ")
    return True


def summary(plan: Plan, outcome_, err) -> None:
    for cluster in ("target", "source"):
        done = [a for a in outcome_.done if a.cluster == cluster]
        verbs = ", ".join(sorted({a.verb for a in done}))
        err.write(f"{cluster}: {len(done)} changed" + (f" ({verbs})" if done else "") + "\n")
    for a, why in outcome_.skipped:
        err.write(f"skipped {a.cluster} {a.kind}/{a.name}: {why}\n")
    for a in outcome_.remaining:
        err.write(f"remaining {a.cluster} {a.verb} {a.kind}/{a.name}\n")
    for m in plan.manual:
        err.write(f"left for you: {m}\n")


def _keep(src, plan: Plan, journal: Journal, err) -> None:
    saved, plan_file = save(plan.context, journal.path)
    err.write(f"saved the plan and its migrations: {saved}\n"
              f"to re-create the plan with its PV settings: {recreate_command(plan.context, plan_file, src.namespace)}\n")


def _refuse_before_asking(src, plan: Plan, opt: Options) -> None:
    """What this run would refuse to execute, said before the user is asked to confirm it."""
    mig = plan.context.migration
    if mig and not opt.force and deletes_live_application(mig, plan.actions):
        raise MigError(f"migration {o.name(mig)} succeeded: rolling it back deletes the live "
                       "application on the target; pass --force to do it anyway")
    every = o.namespace_pairs(plan.context.plan)
    if opt.via_controller and len(plan.context.pairs) < len(every):
        raise MigError(f"MTC's rollback covers every namespace of plan {o.name(plan.context.plan)} ("
                       f"{pairs_text(every)}); pass --all-namespaces-of-plan to accept that")
    if not src.live:
        raise MigError("a must-gather can only show the plan; run against the live clusters to execute it")


def _via_controller(src, plan: Plan, opt: Options, journal: Journal, out, err) -> int:
    _keep(src, plan, journal, err)
    mig = run_via_controller(src, plan.context, opt.timeout, err)
    if o.succeeded(mig):
        err.write(f"MTC's rollback {o.name(mig)} completed\n")
        return 0
    err.write(f"MTC's rollback {o.name(mig)} {o.outcome(mig).lower()} at {where(mig)}\n"
              "the manual plan for what remains:\n")
    fresh, _ = make_plan(src, Options(**{**opt.__dict__, "via_controller": False, "yes": False}))
    if opt.output == "yaml":
        out.write("---\n")              # a second document after this run's plan (JSON: a stream of two)
    show(fresh, opt.output, out)
    raise MigError(f"MTC's rollback stopped at {where(mig)}; review the plan above and run mig-rollback without "
                   "--via-controller to finish it")


def run(src, opt: Options, out=None, err=None, stdin=None) -> int:
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    plan, journal = make_plan(src, opt)
    refuse_if_empty(plan, journal.started() or any(o.succeeded(m) for m in plan.context.rollbacks))
    show(plan, opt.output, out)
    out.flush()
    if not opt.via_controller:
        refuse_if_mounted(plan)         # after the plan, which shows what blocks it
    if opt.output != "table" and not opt.yes:
        return 0
    if not plan.actions:
        err.write("nothing to do: the rollback is complete\n")
        return 0
    if would_execute(opt, stdin):
        _refuse_before_asking(src, plan, opt)
    if not confirm(opt, plan, stdin, err):
        return 0
    if opt.via_controller:
        return _via_controller(src, plan, opt, journal, out, err)
    _keep(src, plan, journal, err)
    err.write(f"journal: {journal.path}\n")
    try:
        result = execute(src, plan, journal, lambda a, res: err.write(f"{res}: {a.cluster} {a.verb} "
                                                                     f"{a.kind}/{a.name}\n"))
    except Stopped as s:
        summary(plan, s.outcome, err)
        raise
    summary(plan, result, err)
    return 0
