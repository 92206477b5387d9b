"""kubectl mig-rollback: the manual rollback of a failed migration, planned first, journaled, resumable."""

from __future__ import annotations

from lib import cli, flags, names, usage
from lib.errors import UsageError
from lib.rollback import command as rollback
from lib.session import open_source

EXAMPLES = """\
  # show what would change (nothing is changed without --yes)
  kubectl mig-rollback sock-shop
  # execute it: delete the migrated objects on the target, scale the source back up
  kubectl mig-rollback sock-shop --yes
  # keep the target DaemonSets, only stop them; release the target PVs (their data is deleted)
  kubectl mig-rollback sock-shop --stop-daemonsets --release-target-pvs --yes
  # the plan for review or scripts
  kubectl mig-rollback sock-shop -o json
  # a plan of several namespaces: name either side of one mapping, or do them all
  kubectl mig-rollback shop                       # source or destination name of one src:dest mapping
  kubectl mig-rollback shop --all-namespaces-of-plan --yes
  kubectl mig-rollback --plan shop-mig-plan --yes # the plan flag alone: every namespace of the plan
  # let MTC (1.3+) do it: a MigMigration with spec.rollback: true, followed on stderr
  kubectl mig-rollback sock-shop --via-controller --yes"""


def parser() -> flags.Parser:
    p = flags.parser("kubectl mig-rollback", "Roll back a migration that failed with the application stopped "
                     "(the manual rollback): delete what the plan migrated on the target, restore the source's "
                     "replicas, CronJobs and DaemonSets. Prints the plan; changes nothing without --yes.", EXAMPLES)
    p.add_argument("project", nargs="?", help="a namespace of the plan: the source or the destination name")
    p.add_argument("--plan", help="the MigPlan (instead of finding it from the project)")
    p.add_argument("--migration", help="a MigMigration of the plan (instead of the project)")
    p.add_argument("--all-namespaces-of-plan", action="store_true",
                   help="roll back every namespace of the plan found from the project (the default with --plan alone)")
    p.add_argument("--via-controller", action="store_true",
                   help="have MTC (1.3+) do it: create a MigMigration with spec.rollback: true and follow it")
    p.add_argument("--controller-timeout", type=float, default=1800.0, metavar="SECONDS",
                   help="how long --via-controller follows the rollback MigMigration (default 1800)")
    p.add_argument("-y", "--yes", action="store_true", help="execute without asking")
    p.add_argument("--force", action="store_true",
                   help="even while a migration of the plan is running, or after it succeeded")
    p.add_argument("--stop-daemonsets", action="store_true",
                   help="stop target DaemonSets with a nodeSelector no node matches, instead of deleting them")
    p.add_argument("--release-target-pvs", action="store_true",
                   help="switch the target PVs of copied PVCs from Retain to Delete (their data is then deleted); "
                   "never a moved PV")
    p.add_argument("--reclaim", choices=["Delete", "Recycle"],
                   help="reclaim policy for --release-target-pvs (default Delete)")
    p.add_argument("--replicas", type=int, help="replicas for source workloads whose original count was not kept")
    p.add_argument("--journal", metavar="PATH", help="journal file (default under $XDG_STATE_HOME/mig-tools)")
    flags.add_output(p, ("table", "json", "yaml", "jsonpath"))
    return p


def main(argv) -> int:
    a = flags.parse(parser(), argv, validate)
    opt = rollback.Options(names.name_of(a.project, "namespace", "project"), names.name_of(a.plan, "migplan"),
                           names.name_of(a.migration, "migmigration"), a.yes, a.force, a.stop_daemonsets,
                           (a.reclaim or "Delete") if a.release_target_pvs else None, a.replicas, a.journal, a.output,
                           a.all_namespaces_of_plan, a.via_controller, a.controller_timeout)
    return rollback.run(open_source(a), opt)


def validate(a) -> None:
    """Flag values and combinations that cannot work: one line, exit 64."""
    usage.no_empty(a, project="the project", plan="--plan", migration="--migration", journal="--journal",
                   must_gather="--must-gather")
    if not (a.project or a.plan or a.migration):
        raise UsageError("name the project (a namespace of the plan), or pass --plan or --migration")
    usage.not_together(a, plan="--plan", migration="--migration")
    usage.needs(a, "reclaim", "--reclaim", "release_target_pvs", "--release-target-pvs")
    usage.not_negative(a, "replicas", "--replicas")
    if getattr(a, "controller_timeout", 1) <= 0:
        raise UsageError("--controller-timeout must be more than 0")


def run() -> None:
    cli.run(main, "kubectl mig-rollback", parser=parser)


if __name__ == "__main__":
    run()
