"""kubectl mig-crs: the chain of CRs of a migration across host, source and target clusters."""

from __future__ import annotations

from lib import cli, crs, flags, graph, render
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
  # from a must-gather instead of live clusters
  kubectl mig-crs 88435fe0 --must-gather must-gather.tar.gz"""


def main(argv) -> int:
    p = flags.parser("kubectl mig-crs", "Show the chain of CRs of an MTC migration: MigPlan, MigMigration, "
                     "MigCluster, MigStorage, BSL/VSL, Velero Backups, Restores, PodVolumeBackups/Restores.",
                     EXAMPLES)
    p.add_argument("migration", nargs="?", help="MigMigration name, UID or unique prefix")
    p.add_argument("--plan", help="show every migration of this MigPlan")
    flags.add_output(p)
    args = p.parse_args(argv)
    fmt = render.check_format(args.output)
    src = open_source(args)

    if not args.migration and not args.plan:
        migs = graph.list_migrations(src)
        if fmt in ("table", "wide"):
            if not migs:
                cli.warn(f"No MigMigrations found in {src.namespace} namespace.")
            render.table(migs, crs.migration_columns(), wide=fmt == "wide")
        else:
            render.objects(migs, fmt)
        return 0

    g = graph.build(src, args.migration, args.plan, analytics=True)
    if fmt in ("table", "wide"):
        render.table(crs.chain(g), crs.chain_columns(g), wide=fmt == "wide")
    else:
        render.objects(crs.chain_objects(g), fmt)
    for role, why in g.unreachable.items():
        cli.warn(f"warning: {role} cluster unreachable: {why}")
    return EXIT_UNREACHABLE if g.unreachable else 0


def run() -> None:
    cli.run(main, "kubectl mig-crs")


if __name__ == "__main__":
    run()
