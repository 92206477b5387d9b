"""The flag set every plugin embeds (as kubectl's genericclioptions) and the output flag."""

from __future__ import annotations

import argparse
import os
import re
import sys

from .errors import UsageError
from .objects import parse_time

DEFAULT_NAMESPACE = "openshift-migration"

CONNECTION_HELP = """\
kubectl passes flags to a plugin only after its name: `kubectl mig-crs X --context host`.
The host cluster is the kubeconfig's current context (or --context); source and target
clusters are reached with the credentials in their MigCluster CRs unless
--source-context/--target-context name kubeconfig contexts for them. Every connection flag
(--server, --token, --as, ...) applies to the host only; --request-timeout and -v to all."""

# kubectl's defaults (genericclioptions): no overall limit per request ("0"); client-go still gives up
# connecting after 30 s (net.Dialer) -- lib/client.py applies the same bound.
DEFAULT_TIMEOUT = "0"


def _columns() -> int:
    """shutil.get_terminal_size().columns (COLUMNS, else the terminal of stdout, else 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's, with the width it would compute, but without importing shutil: argparse builds a
    formatter for every add_argument, and shutil (with bz2 and lzma) is ~2 ms of each start-up."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 64."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def parser(prog: str, description: str, examples: str, own: tuple = ()) -> Parser:
    """The parser with kubectl's connection flags; `own` names kubectl flags the plugin gives another
    meaning (mig-logs and mig-gather: --cluster selects host|source|target, not a kubeconfig cluster)."""
    p = Parser(prog=prog, description=description,
               epilog=f"Examples:\n{examples.rstrip()}\n\n{CONNECTION_HELP}",
               formatter_class=_Formatter)
    g = p.add_argument_group("connection (as kubectl)")
    g.add_argument("--kubeconfig", help="path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    g.add_argument("--context", help="kubeconfig context of the host cluster (default: current context)")
    if "cluster" not in own:
        g.add_argument("--cluster", dest="cluster_name", metavar="NAME", help="the kubeconfig cluster to use")
    g.add_argument("--user", help="the kubeconfig user to use")
    g.add_argument("-s", "--server", help="the address and port of the host's API server")
    g.add_argument("--token", help="bearer token for the host's API server")
    g.add_argument("--as", dest="as_user", metavar="USER", help="user to impersonate on the host")
    g.add_argument("--as-group", action="append", default=[], metavar="GROUP",
                   help="group to impersonate on the host (repeatable)")
    g.add_argument("--insecure-skip-tls-verify", action="store_true",
                   help="do not check the host's server certificate (insecure)")
    g.add_argument("--certificate-authority", metavar="FILE", help="CA certificate file for the host")
    g.add_argument("--client-certificate", metavar="FILE", help="client certificate file for TLS")
    g.add_argument("--client-key", metavar="FILE", help="client key file for TLS")
    g.add_argument("--tls-server-name", metavar="NAME", help="server name to validate the host's certificate for")
    g.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE,
                   help=f"namespace of the MTC resources (default: {DEFAULT_NAMESPACE})")
    g.add_argument("--request-timeout", default=DEFAULT_TIMEOUT, type=duration,
                   help="how long a single request may take, connecting included, e.g. 1s, 2m; "
                        "0 (default, as kubectl): no limit beyond 30 s to connect")
    g.add_argument("--source-context", help="kubeconfig context for the source cluster (instead of its MigCluster)")
    g.add_argument("--target-context", help="kubeconfig context for the target cluster (instead of its MigCluster)")
    g.add_argument("--must-gather", metavar="PATH",
                   help="read a must-gather (directory, .tar.gz or .zip, as oc adm must-gather or mig-gather left it) "
                        "instead of live clusters")
    g.add_argument("--role", action="append", metavar="DIR=ROLE",
                   help="with --must-gather: the cluster directory DIR plays ROLE (host|source|target), where the "
                        "bundle's MigClusters cannot tell (repeatable)")
    p.add_argument("-v", "--v", dest="v", type=level, default=0, metavar="N",
                   help="log level as kubectl: 6 each request with its time, 8 with bodies (secrets masked)")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of unexpected errors")
    p.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    return p


class _Version(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        from . import __version__

        sys.stdout.write(f"{parser.prog} {__version__}\n")
        parser.exit(0)


def level(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid log level {text!r} (a number, as kubectl -v 6)") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"invalid log level {text!r} (0 or more)")
    return n


def add_output(p: argparse.ArgumentParser, formats: tuple[str, ...] | None = None, default: str = "table") -> None:
    """The one -o of every plugin (with --no-headers where it prints tables), in `formats` (default: every one
    render.FORMATS knows); validated by validate()."""
    from .render import FORMATS, shown_formats

    formats = tuple(formats or FORMATS)
    p.set_defaults(_formats=formats)
    p.add_argument("-o", "--output", default=default, metavar="FORMAT",
                   help=f"output format: {'|'.join(shown_formats(formats))} "
                        f"(default: {'a table' if default == 'table' else default})")
    if "table" in formats or "custom-columns" in formats:
        p.add_argument("--no-headers", action="store_true", help="print tables without their header line")


def validate(p: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Every check of the parsed flags, in one place; sets args.out (render.Output) for -o."""
    from .render import Output

    formats = getattr(args, "_formats", None)
    if formats is not None:
        args.out = Output(args.output, formats, getattr(args, "no_headers", False))
    return args


def parse(p: argparse.ArgumentParser, argv, plugin_validate=None) -> argparse.Namespace:
    """parse_args, then validate() (the flags every plugin shares), then the plugin's own
    `plugin_validate(args)`; sets the log level (-v) for the whole process."""
    args = validate(p, p.parse_args(argv))
    if plugin_validate is not None:
        plugin_validate(args)
    from . import verbosity

    verbosity.set_level(getattr(args, "v", 0))
    return args


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def since_seconds(d: float | None) -> int | None:
    """A --since duration as the API's sinceSeconds: whole seconds, rounded up (500ms is 1, never the 0 the
    API server refuses); None (or 0, kubectl's "no window") for none."""
    return max(1, int(-(-d // 1))) if d else None


def duration(text: str) -> float:
    """Seconds from a Go-style duration (1h30m, 90s, 250ms) or a bare number of seconds."""
    t = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return _in_range(text, float(t))
    parts = _DURATION.findall(t)
    if not parts or "".join(n + u for n, u in parts) != t:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (examples: 30s, 5m, 1h30m)")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return _in_range(text, sum(float(n) * scale[u] for n, u in parts))


# Go's time.Duration is int64 nanoseconds: kubectl refuses a longer one ("invalid duration"), as this does
MAX_DURATION_S = (1 << 63) / 1e9


def _in_range(text: str, seconds: float) -> float:
    if not seconds <= MAX_DURATION_S:          # NaN and inf too (a number of 400 digits)
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: longer than 2562047h (Go's time.Duration)")
    return seconds


def int64(text: str) -> int:
    """A whole number as kubectl takes it (int64): one past its range is refused, not carried into a read."""
    try:
        n = int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not -(1 << 63) <= n < (1 << 63):
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}: out of range (a 64-bit integer)")
    return n


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def rfc3339(text: str) -> str:
    """An RFC3339 time as the API server takes it (sinceTime), e.g. 2006-01-02T15:04:05Z; kept as given."""
    t = str(text).strip()
    if not _RFC3339.fullmatch(t) or parse_time(t) is None:        # month 13, or no UTC time (year 0 or 10000)
        raise argparse.ArgumentTypeError(f"invalid time {text!r} (RFC3339, e.g. 2006-01-02T15:04:05Z)")
    return t


def argv() -> list[str]:
    return sys.argv[1:]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")
