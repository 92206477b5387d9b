"""The flag set every plugin embeds (as kubectl's genericclioptions) and the output flag."""

from __future__ import annotations

import argparse
import os
import re
import sys

from .errors import UsageError

DEFAULT_NAMESPACE = "openshift-migration"

CONNECTION_HELP = """\
kubectl passes flags to a plugin only after its name: `kubectl mig-crs X --context host`.
The host cluster is the kubeconfig's current context (or --context); source and target
clusters are reached with the credentials in their MigCluster CRs unless
--source-context/--target-context name kubeconfig contexts for them."""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 64."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def parser(prog: str, description: str, examples: str) -> Parser:
    p = Parser(prog=prog, description=description,
               epilog=f"Examples:\n{examples.rstrip()}\n\n{CONNECTION_HELP}",
               formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("connection (as kubectl)")
    g.add_argument("--kubeconfig", help="path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    g.add_argument("--context", help="kubeconfig context of the host cluster (default: current context)")
    g.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE,
                   help=f"namespace of the MTC resources (default: {DEFAULT_NAMESPACE})")
    g.add_argument("--request-timeout", default="30s", type=duration,
                   help="timeout of each API request, e.g. 30s, 1m (default: 30s)")
    g.add_argument("--source-context", help="kubeconfig context for the source cluster (instead of its MigCluster)")
    g.add_argument("--target-context", help="kubeconfig context for the target cluster (instead of its MigCluster)")
    g.add_argument("--must-gather", metavar="PATH",
                   help="read a must-gather (directory, .tar.gz or .zip, as oc adm must-gather or mig-gather left it) "
                        "instead of live clusters")
    g.add_argument("--role", action="append", metavar="DIR=ROLE",
                   help="with --must-gather: the cluster directory DIR plays ROLE (host|source|target), where the "
                        "bundle's MigClusters cannot tell (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="show tracebacks of unexpected errors")
    return p


def add_output(p: argparse.ArgumentParser, formats=("table", "wide", "json", "yaml", "name")) -> None:
    shown = "|".join(f for f in formats if f != "table")
    p.add_argument("-o", "--output", default="table", metavar="FORMAT",
                   help=f"output format: {shown} (default: a table)")


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def duration(text: str) -> float:
    """Seconds from a Go-style duration (1h30m, 90s, 250ms) or a bare number of seconds."""
    t = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    parts = _DURATION.findall(t)
    if not parts or "".join(n + u for n, u in parts) != t:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (examples: 30s, 5m, 1h30m)")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def rfc3339(text: str) -> str:
    """An RFC3339 time as the API server takes it (sinceTime), e.g. 2006-01-02T15:04:05Z; kept as given."""
    t = str(text).strip()
    if not _RFC3339.fullmatch(t):
        raise argparse.ArgumentTypeError(f"invalid time {text!r} (RFC3339, e.g. 2006-01-02T15:04:05Z)")
    return t


def argv() -> list[str]:
    return sys.argv[1:]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")
