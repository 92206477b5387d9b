"""mig-rollback's flow: resolve, gather, plan, show, confirm, execute, summarise."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .. import objects as o
from ..errors import ApiError, MigError
from ..render import Column, Output, table
from .execute import Stopped, execute
from .journal import Journal, default_path
from .plan import Plan, source_actions, target_actions
from .resolve import PLAN_LABEL, resolve, running

SOURCE_KINDS = ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob",
                "Job", "DaemonSet")


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


def _target_objects(src, ctx, journal) -> list[dict]:
    """Everything namespaced on the target that carries the plan label, plus DeploymentConfig leftovers."""
    objs = []
    for res in src.discover("target"):
        if not res.namespaced or res.kind in ("Event",):
            continue
        try:
            objs += src.list("target", res, ctx.dest_ns, labels=ctx.selector)
        except ApiError as e:
            if e.status in (404, 405, 400):
                continue
            raise
    if any(x.get("kind") == "DeploymentConfig" for x in objs) or journal.deleted("DeploymentConfig"):
        objs += src.list("target", "ReplicationController", ctx.dest_ns, labels="openshift.io/deployment-config.name")
        objs += [p for p in src.list("target", "Pod", ctx.dest_ns)
                 if "openshift.io/deployer-pod-for.name" in o.labels(p) or "deploymentconfig" in o.labels(p)]
    seen, out = set(), []
    for x in objs:
        key = (x.get("kind"), o.name(x))
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def make_plan(src, opt: Options) -> tuple[Plan, Journal]:
    ctx = resolve(src, opt.project, opt.plan, opt.migration)
    journal = Journal(opt.journal or default_path(ctx.plan_uid, ctx.dest_ns))
    if running(ctx.migration) and not opt.force:
        raise MigError(f"migration {o.name(ctx.migration)} of plan {o.name(ctx.plan)} is still running "
                       f"(phase {o.phase(ctx.migration)}); wait for it, or pass --force")
    if src.get("source", "Namespace", ctx.src_ns) is None:
        raise MigError(f'source namespace "{ctx.src_ns}" does not exist on the source cluster '
                       f"{src.label('source')}: nothing to roll back to")
    tobjs = _target_objects(src, ctx, journal)
    if not any(o.labels(x).get(PLAN_LABEL) == ctx.plan_uid for x in tobjs) and not journal.started():
        raise MigError(f'nothing in namespace "{ctx.dest_ns}" on the target carries {PLAN_LABEL}={ctx.plan_uid}: '
                       "it was not migrated by this plan, or was already rolled back")
    pvs = src.list("target", "PersistentVolume") if opt.release else []
    sobjs = [x for kind in SOURCE_KINDS for x in src.list("source", kind, ctx.src_ns)]
    acts = target_actions(ctx, tobjs, pvs, opt.stop_daemonsets, opt.release, journal.deleted("DeploymentConfig"))
    sacts, manual = source_actions(ctx, sobjs, opt.replicas)
    if not opt.release:
        manual.append("PersistentVolumes of the migrated PVCs keep reclaimPolicy Retain (their data stays); "
                      "--release-target-pvs would switch them to Delete")
    return Plan(acts + sacts, manual, ctx), journal


COLUMNS = [Column("CLUSTER", lambda a: a.cluster), Column("ACTION", lambda a: a.verb),
           Column("OBJECT", lambda a: f"{a.kind}/{a.name}"), Column("CHANGE", lambda a: a.change),
           Column("REASON", lambda a: a.reason)]


def show(plan: Plan, fmt: str, out) -> None:
    ctx = plan.context
    if fmt != "table":      # json, yaml or jsonpath=... (validated by flags.validate)
        Output(fmt, out=out).document({"apiVersion": "mig-tools/v1", "kind": "RollbackPlan", "plan": o.name(ctx.plan),
              "planUID": ctx.plan_uid, "migration": o.name(ctx.migration) if ctx.migration else "",
              "sourceNamespace": ctx.src_ns, "targetNamespace": ctx.dest_ns,
              "actions": [a.to_dict() for a in plan.actions], "manual": plan.manual})
        return
    out.write(f"Rollback of plan {o.name(ctx.plan)}: {ctx.src_ns} (source) <- {ctx.dest_ns} (target)"
              + (f", last migration {o.name(ctx.migration)}" if ctx.migration else "") + "\n")
    for cluster in ("target", "source"):
        acts = plan.by_cluster(cluster)
        out.write(f"\n{cluster}: {len(acts)} changes\n")
        if acts:
            table(acts, COLUMNS, out=out)
    if plan.manual:
        out.write("\nleft for you:\n")
        for m in plan.manual:
            out.write(f"  - {m}\n")


def confirm(opt: Options, stdin=None, err=None) -> bool:
    stdin, err = stdin or sys.stdin, err or sys.stderr
    if opt.yes:
        return True
    if not (hasattr(stdin, "isatty") and stdin.isatty()):
        err.write("nothing changed: this is the plan; run again with --yes to execute it\n")
        return False
    err.write("Execute this rollback? [y/N] ")
    err.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def summary(plan: Plan, outcome, err) -> None:
    for cluster in ("target", "source"):
        done = [a for a in outcome.done if a.cluster == cluster]
        verbs = ", ".join(sorted({a.verb for a in done}))
        err.write(f"{cluster}: {len(done)} changed" + (f" ({verbs})" if done else "") + "\n")
    for a, why in outcome.skipped:
        err.write(f"skipped {a.cluster} {a.kind}/{a.name}: {why}\n")
    for a in outcome.remaining:
        err.write(f"remaining {a.cluster} {a.verb} {a.kind}/{a.name}\n")
    for m in plan.manual:
        err.write(f"left for you: {m}\n")


def run(src, opt: Options, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    plan, journal = make_plan(src, opt)
    show(plan, opt.output, out)
    out.flush()
    if opt.output != "table" and not opt.yes:
        return 0
    if not plan.actions:
        err.write("nothing to do: the rollback is complete\n")
        return 0
    if not confirm(opt, err=err):
        return 0
    if not src.live:
        raise MigError("a must-gather can only show the plan; run against the live clusters to execute it")
    err.write(f"journal: {journal.path}\n")
    try:
        outcome = execute(src, plan, journal, lambda a, res: err.write(f"{res}: {a.cluster} {a.verb} "
                                                                      f"{a.kind}/{a.name}\n"))
    except Stopped as s:
        summary(plan, s.outcome, err)
        raise
    summary(plan, outcome, err)
    return 0
