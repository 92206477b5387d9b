"""From parsed connection flags to a Source: live clusters or a must-gather archive."""

from __future__ import annotations

from .clusters import Clusters
from .kubeconfig import ConnFlags
from .source import LiveSource, Source


def open_source(args) -> Source:
    """The Source the flags ask for (--must-gather PATH, or the kubeconfig's clusters)."""
    if getattr(args, "role", None) and not getattr(args, "must_gather", None):
        from .errors import UsageError

        raise UsageError("--role DIR=ROLE says which directory of a must-gather plays a role: it needs --must-gather")
    if getattr(args, "must_gather", None):
        from .mustgather import open_must_gather

        return open_must_gather(args.must_gather, args.namespace, getattr(args, "role", None))
    clusters = Clusters(source_context=args.source_context, target_context=args.target_context,
                        conn=ConnFlags.from_args(args))
    return LiveSource(clusters, args.namespace)
