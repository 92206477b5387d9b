"""Refusals of flag values and combinations that cannot work, shared by the plugins' validate():
one line naming the flags, exit 64 (UsageError)."""

from __future__ import annotations

from .errors import UsageError


def no_empty(a, **names: str) -> None:
    """Each attribute given (dest -> how the user wrote it) must not be an empty string when set:
    `--plan ''` or a blank name would match everything or nothing."""
    for dest, shown in names.items():
        v = getattr(a, dest, None)
        values = v if isinstance(v, list) else [v]
        if any(isinstance(x, str) and not x.strip() for x in values):
            raise UsageError(f"{shown} cannot be empty")


def not_together(a, **names: str) -> None:
    """At most one of the attributes given may be set."""
    given = [shown for dest, shown in names.items() if getattr(a, dest, None) not in (None, False, [], "")]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} cannot be combined")


def needs(a, dest: str, shown: str, other: str, other_shown: str) -> None:
    """`dest` only makes sense with `other`."""
    if getattr(a, dest, None) not in (None, False) and not getattr(a, other, None):
        raise UsageError(f"{shown} needs {other_shown}")


def not_negative(a, dest: str, shown: str) -> None:
    v = getattr(a, dest, None)
    if v is not None and v < 0:
        raise UsageError(f"{shown} must be 0 or more")
