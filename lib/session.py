"""From parsed connection flags to a Source: live clusters or a must-gather archive."""

from __future__ import annotations

from .clusters import Clusters
from .source import LiveSource, Source


def open_source(args) -> Source:
    """The Source the flags ask for (--must-gather PATH, or the kubeconfig's clusters)."""
    if getattr(args, "role", None) and not getattr(args, "must_gather", None):
        from .errors import UsageError

        raise UsageError("--role DIR=ROLE says which directory of a must-gather plays a role: it needs --must-gather")
    if getattr(args, "must_gather", None):
        from .mustgather import open_must_gather

        return open_must_gather(args.must_gather, args.namespace, getattr(args, "role", None))
    clusters = Clusters(args.kubeconfig, args.context, args.request_timeout,
                        args.source_context, args.target_context)
    return LiveSource(clusters, args.namespace)
