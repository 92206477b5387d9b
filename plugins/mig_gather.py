"""kubectl mig-gather: must-gather for migrations, from every cluster at once, secrets redacted."""

from __future__ import annotations

from lib import cli, flags, names
from lib.clusters import Clusters
from lib.errors import UsageError
from lib.kubeconfig import ConnFlags
from lib.gather import command as gather
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
    return p


def main(argv) -> int:
    p = parser()
    a = flags.parse(p, argv)
    if a.must_gather:
        raise UsageError("mig-gather reads live clusters; --must-gather is for the other plugins")
    clusters = Clusters(source_context=a.source_context, target_context=a.target_context,
                        in_cluster_config=a.in_cluster, conn=ConnFlags.from_args(a))
    opt = gather.Options(names.name_of(a.migration, "migmigration"),
                         a.dest_dir or ("/must-gather" if a.in_cluster else "."),
                         not (a.no_archive or a.in_cluster), not a.no_redact, a.namespaces, a.in_cluster,
                         clusters=tuple(a.cluster))
    return gather.run(LiveSource(clusters, a.namespace), opt)


def run() -> None:
    cli.run(main, "kubectl mig-gather", parser=parser)


if __name__ == "__main__":
    run()
