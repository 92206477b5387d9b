"""kubectl mig-logs: Velero, Restic and controller logs of one migration, from every cluster."""

from __future__ import annotations

from lib import cli, flags, names, usage
from lib.logs.command import Options, execute
from lib.logs.select import ALL_SOURCES
from lib.session import open_source

EXAMPLES = """\
  # every line about one migration from Velero, Restic and the controller, in time order
  kubectl mig-logs 88435fe0
  # only errors from Velero on the source cluster
  kubectl mig-logs 88435fe0 --cluster source --log-source velero --level error
  # follow new lines of the restic pods
  kubectl mig-logs 88435fe0 --log-source restic -f
  # the rsync transfer pods of a direct volume migration (they run in the application namespaces)
  kubectl mig-logs 88435fe0 --log-source rsync --cluster source
  # one JSON object per line for jq
  kubectl mig-logs 88435fe0 -o json | jq -r 'select(.level=="error") | .msg'
  # the console's "Download Logs": every log of every cluster, as files or a tarball
  kubectl mig-logs --output-dir ./logs
  kubectl mig-logs 88435fe0 --archive logs.tar.gz"""


def parser() -> flags.Parser:
    p = flags.parser("kubectl mig-logs", "Show the Velero, Restic and migration controller logs that concern a "
                     "migration, from the source, target and host clusters.", EXAMPLES, own=("cluster",))
    p.add_argument("migration", nargs="?", help="MigMigration name, UID or unique prefix (omit: all lines)")
    p.add_argument("--cluster", action="append", choices=["host", "source", "target"], default=[],
                   help="cluster to read (repeatable; default: all)")
    p.add_argument("--log-source", action="append", choices=list(ALL_SOURCES), default=[],
                   help="log source (repeatable; default: all): velero, restic (node-agent), controller, and MTC's "
                   "pods in the application namespaces: rsync, stunnel, hook, stage, registry")
    p.add_argument("--pod", help="only this pod")
    p.add_argument("-c", "--container", help="only this container")
    p.add_argument("-l", "--selector", help="pod label selector instead of the MTC labels")
    p.add_argument("--all-lines", action="store_true", help="do not keep only the lines about the migration")
    p.add_argument("-f", "--follow", action="store_true", help="stream new lines until Ctrl-C")
    p.add_argument("--since", type=flags.duration, help="only lines newer than this, e.g. 1h, 30m")
    p.add_argument("--since-time", type=flags.rfc3339, help="only lines after this RFC3339 time")
    p.add_argument("--tail", type=flags.int64, help="last N lines of each container")
    p.add_argument("-p", "--previous", action="store_true", help="the previous (crashed) container instance")
    p.add_argument("--timestamps", action="store_true", help="prefix each line with its timestamp")
    p.add_argument("--level", choices=["error", "warning", "info"], help="only lines at this level or worse")
    flags.add_output(p, ("text", "json"), default="text")   # json: one object per line
    p.add_argument("--output-dir", metavar="DIR", help="write every log to DIR/<cluster>/<source>/<pod>/<container>.log")
    p.add_argument("--archive", metavar="FILE", help="write every log into a .tar.gz")
    return p


def main(argv) -> int:
    a = flags.parse(parser(), argv, validate)
    opt = Options(names.name_of(a.migration, "migmigration"), a.cluster, a.log_source, a.pod, a.container,
                  a.selector, a.all_lines, a.follow,
                  flags.since_seconds(a.since), a.since_time, a.tail, a.previous, a.timestamps, a.level,
                  a.output, a.output_dir, a.archive)
    return execute(open_source(a), opt)


def validate(a) -> None:
    """Flag values and combinations that cannot work: one line, exit 64."""
    usage.no_empty(a, migration="the migration name", pod="--pod", container="--container", selector="--selector",
                   since_time="--since-time", output_dir="--output-dir", archive="--archive",
                   must_gather="--must-gather")
    usage.not_together(a, output_dir="--output-dir", archive="--archive")
    usage.not_together(a, follow="--follow", output_dir="--output-dir")
    usage.not_together(a, follow="--follow", archive="--archive")
    usage.not_together(a, since="--since", since_time="--since-time")
    usage.not_negative(a, "tail", "--tail")
    usage.not_negative(a, "since", "--since")


def run() -> None:
    cli.run(main, "kubectl mig-logs", parser=parser)


if __name__ == "__main__":
    run()
