"""kubectl mig-gather: must-gather for migrations, from every cluster at once, secrets redacted."""

from __future__ import annotations

from lib import cli, flags, names, usage, verbosity
from lib.clusters import Clusters
from lib.errors import UsageError
from lib.gather import command as gather
from lib.kubeconfig import ConnFlags
from lib.source import LiveSource

EXAMPLES = """\
  # everything about every migration, from the host and every MigCluster: ./must-gather.local.<id>/ and
  # ./must-gather.tar.gz
  kubectl mig-gather
  # one migration (its plan's clusters get their roles from it), elsewhere, without the tarball
  kubectl mig-gather 88435fe0 --dest-dir /tmp/case-0042 --no-archive
  # also the full objects of the migrated namespaces
  kubectl mig-gather --namespaces
  # diagnose what was gathered, anywhere
  kubectl mig-verify 88435fe0 --must-gather must-gather.tar.gz
  # scrub a bundle made elsewhere (the MTC must-gather image, oc adm inspect), one mapping for the whole case
  kubectl mig-gather --redact must-gather.local.5196 --dest-dir /tmp/case-0042 --redaction-map case-0042.map.json
  # only logs of the last 6 hours
  kubectl mig-gather --since 6h
  # as a must-gather image (see Containerfile)
  oc adm must-gather --image=quay.io/mig-tools/mig-gather:latest"""


def parser() -> flags.Parser:
    p = flags.parser("kubectl mig-gather", "Collect the MTC and Velero CRs, pods, events, logs (current and "
                     "previous) and cluster facts of the host, source and target clusters in parallel, with "
                     "mig-verify's reports, into must-gather.local.<id>/ and must-gather.tar.gz. Secrets are "
                     "redacted before anything is written.", EXAMPLES, own=("cluster",))
    p.add_argument("migration", nargs="?", help="MigMigration name, UID or prefix (default: all of them)")
    p.add_argument("--dest-dir", help="where to write (default: the current directory; /must-gather in-cluster)")
    p.add_argument("--cluster", action="append", default=[], metavar="NAME|ROLE",
                   help="only this cluster: a MigCluster name or host|source|target (repeatable; default all)")
    p.add_argument("--no-archive", action="store_true", help="do not write must-gather.tar.gz")
    p.add_argument("--namespaces", action="store_true",
                   help="full objects of the migrated namespaces (default: their workloads and a summary)")
    p.add_argument("--no-redact", action="store_true", help="write secrets in clear (explicitly asked only)")
    p.add_argument("--in-cluster", action="store_true",
                   help="run as a must-gather image: the pod's service account, output in /must-gather")
    p.add_argument("--since", type=flags.duration, metavar="DURATION",
                   help="only logs newer than this, e.g. 6h, 90m (in-cluster: $MUST_GATHER_SINCE, set by "
                        "oc adm must-gather --since)")
    p.add_argument("--since-time", type=flags.rfc3339, metavar="RFC3339",
                   help="only logs from this time on, e.g. 2026-01-02T15:04:05Z ($MUST_GATHER_SINCE_TIME)")
    p.add_argument("--redact", metavar="PATH",
                   help="write a scrubbed copy of the bundle at PATH (directory, tarball or zip: ours, the MTC "
                        "must-gather image's, oc adm inspect's) instead of gathering")
    p.add_argument("--report-only", metavar="PATH",
                   help="write report.html for the bundle directory at PATH (any layout --must-gather reads) "
                        "instead of gathering; with a migration, for that one")
    p.add_argument("--redaction-map", metavar="FILE",
                   help="placeholder mapping to reuse and extend (0600), so a secret reads the same in every "
                        "bundle of a case (default: a new one under $XDG_STATE_HOME/mig-tools/redactions)")
    return p


def main(argv) -> int:
    a = flags.parse(parser(), argv, validate)
    if a.report_only:
        from lib.gather import report

        print(report.for_bundle(a.report_only, a.migration, a.namespace, redact=not a.no_redact))
        return 0
    if a.redact:
        from lib.gather import scrub  # only --redact needs it (start-up)

        return scrub.redact_bundle(a.redact, a.dest_dir or ".", a.redaction_map, not a.no_archive)
    clusters = Clusters(source_context=a.source_context, target_context=a.target_context,
                        in_cluster_config=a.in_cluster, conn=ConnFlags.from_args(a))
    opt = gather.Options(names.name_of(a.migration, "migmigration"),
                         a.dest_dir or ("/must-gather" if a.in_cluster else "."),
                         not (a.no_archive or a.in_cluster), not a.no_redact, a.namespaces, a.in_cluster,
                         clusters=tuple(a.cluster), redaction_map=a.redaction_map,
                         since_seconds=flags.since_seconds(a.since), since_time=a.since_time)
    verbosity.hold()            # -v: every object read (and its secrets learnt) before a body is logged
    try:
        return gather.run(LiveSource(clusters, a.namespace), opt)
    finally:
        verbosity.release()


def validate(a) -> None:
    """Flag values and combinations that cannot work: one line, exit 64."""
    if a.must_gather or getattr(a, "role", None):
        raise UsageError("mig-gather reads live clusters; --must-gather and --role are for the other plugins "
                         "(--redact PATH and --report-only PATH take a bundle)")
    usage.no_empty(a, migration="the migration name", dest_dir="--dest-dir", cluster="--cluster",
                   redact="--redact", report_only="--report-only", redaction_map="--redaction-map",
                   since_time="--since-time")
    if a.report_only and (a.redact or a.cluster or a.namespaces or a.in_cluster or a.redaction_map or a.dest_dir
                          or a.no_archive or a.since is not None or a.since_time):
        raise UsageError("--report-only PATH writes the report of an existing bundle: it takes only a migration "
                         "and --no-redact")
    if a.redact and (a.no_redact or a.migration or a.cluster or a.namespaces or a.in_cluster):
        raise UsageError("--redact PATH scrubs an existing bundle: it takes only --dest-dir, --redaction-map "
                         "and --no-archive")
    usage.not_together(a, since="--since", since_time="--since-time")
    if a.since == 0:      # flags.duration takes no sign; 0 would mean no window (as kubectl's), not what was asked
        raise UsageError("--since must be more than 0")


def run() -> None:
    cli.run(main, "kubectl mig-gather", parser=parser)


if __name__ == "__main__":
    run()
