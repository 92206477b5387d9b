"""kubectl mig-crs: the chain of CRs of a migration across host, source and target clusters."""

from __future__ import annotations

from lib import cli, crs, flags, graph, names, usage
from lib.errors import EXIT_UNREACHABLE
from lib.session import open_source

EXAMPLES = """\
  # list migrations (plan, stage/final, phase, result, age)
  kubectl mig-crs
  # the whole chain of one migration, by name, UID or a unique prefix
  kubectl mig-crs 88435fe0
  # every migration of a plan, with links and messages
  kubectl mig-crs --plan socks-shop-mig-plan -o wide
  # for scripts
  kubectl mig-crs 88435fe0 -o json | jq '.items[].kind'
  kubectl mig-crs -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}'
  kubectl mig-crs 88435fe0 -o custom-columns=KIND:.kind,NAME:.metadata.name --no-headers
  # names round-trip into the other plugins; the cluster of each object of a chain
  kubectl mig-crs -o name | xargs -n1 kubectl mig-verify
  kubectl mig-crs 88435fe0 -o custom-columns=CLUSTER:.metadata.annotations.mig-tools/cluster,KIND:.kind,NAME:.metadata.name
  # from a must-gather instead of live clusters
  kubectl mig-crs 88435fe0 --must-gather must-gather.tar.gz"""


def parser() -> flags.Parser:
    p = flags.parser("kubectl mig-crs", "Show the chain of CRs of an MTC migration: MigPlan, MigMigration, "
                     "MigCluster, MigStorage, BSL/VSL, Velero Backups, Restores, PodVolumeBackups/Restores.",
                     EXAMPLES)
    p.add_argument("migration", nargs="?", help="MigMigration name, UID or unique prefix")
    p.add_argument("--plan", help="show every migration of this MigPlan")
    flags.add_output(p)
    return p


def main(argv) -> int:
    args = flags.parse(parser(), argv, validate)
    out = args.out
    kind, _ = names.split(args.migration) if args.migration else ("", "")
    migration = names.name_of(args.migration, "migmigration", "migplan")
    plan = names.name_of(args.plan, "migplan")
    if kind == "migplan":
        migration, plan = None, migration
    src = open_source(args)

    if not migration and not plan:
        migs = graph.list_migrations(src)
        empty = f"No MigMigrations found in {src.namespace} namespace."
        if out.is_table:
            out.table(migs, crs.migration_columns(), empty=empty)
        else:
            out.objects(migs, empty=empty)
        return 0

    g = graph.build(src, migration, plan, analytics=True)
    if out.is_table:
        out.table(crs.chain(g), crs.chain_columns(g, decorate=out.tty))
    else:
        out.objects(crs.chain_objects(g))
    for role, why in g.unreachable.items():
        cli.warn(f"warning: {role} cluster unreachable: {why}")
    return EXIT_UNREACHABLE if g.unreachable else 0


def validate(a) -> None:
    """Flag values and combinations that cannot work: one line, exit 64."""
    usage.no_empty(a, migration="the migration name", plan="--plan", must_gather="--must-gather")
    usage.not_together(a, migration="a migration", plan="--plan")


def run() -> None:
    cli.run(main, "kubectl mig-crs", parser=parser)


if __name__ == "__main__":
    run()
