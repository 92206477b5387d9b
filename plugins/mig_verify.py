"""kubectl mig-verify: did a migration work; if not, why, the evidence, and the exact fix."""

from __future__ import annotations

import sys

from lib import cli, flags, names, render, usage
from lib.session import open_source
from lib.verify import verify
from lib.verify_text import data, with_timeline

EXAMPLES = """\
  # verdict, findings with evidence and fixes
  kubectl mig-verify 88435fe0
  # where the time went
  kubectl mig-verify 88435fe0 --timeline
  # for scripts: exit 0 succeeded, 1 failed, 2 warnings, 3 running or stuck
  kubectl mig-verify 88435fe0 -o json | jq -r '.findings[] | [.severity, .id] | @tsv'
  kubectl mig-verify 88435fe0 && echo "safe to switch traffic"
  # what a customer sent
  kubectl mig-verify 88435fe0 --must-gather must-gather.tar.gz"""


def parser() -> flags.Parser:
    p = flags.parser("kubectl mig-verify", "Diagnose an MTC migration: a verdict, then findings (most severe "
                     "first) with their evidence and the commands that fix them.", EXAMPLES)
    p.add_argument("migration", help="MigMigration name, UID or unique prefix")
    p.add_argument("--stuck-after", type=flags.duration, default="30m",
                   help="a running migration without progress for this long is STUCK (default 30m)")
    p.add_argument("--timeline", action="store_true", help="also chart the phases and Velero objects over time")
    flags.add_output(p, ("table", "json", "yaml", "jsonpath"))
    return p


def main(argv) -> int:
    a = flags.parse(parser(), argv, validate)
    report = verify(open_source(a), names.name_of(a.migration, "migmigration"), a.stuck_after, verbose=a.verbose)
    if a.out.is_table:
        sys.stdout.write(render.scrub(with_timeline(report, a.timeline, render.use_color(sys.stdout))))
    else:
        a.out.document(data(report, a.timeline))
    for prob in report.problems:
        cli.warn(f"warning: {prob}")
    for detail in report.details:
        cli.warn(detail.rstrip())
    return report.exit_code


def validate(a) -> None:
    """Flag values that cannot work: one line, exit 64."""
    usage.no_empty(a, migration="the migration name", must_gather="--must-gather")


def run() -> None:
    cli.run(main, "kubectl mig-verify", parser=parser)


if __name__ == "__main__":
    run()
