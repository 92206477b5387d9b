"""Object arguments as kubectl prints them with -o name: `NAME`, `TYPE/NAME` or `TYPE.GROUP/NAME`.

`kubectl mig-crs -o name | xargs -n1 kubectl mig-verify` works: each plugin takes a migration as
`88435fe0`, `migmigration/88435fe0` or `migmigration.migration.openshift.io/88435fe0`.
"""

from __future__ import annotations

from .errors import UsageError

GROUPS = {"migmigration": "migration.openshift.io", "migplan": "migration.openshift.io", "namespace": "",
          "project": "project.openshift.io"}
_ALIASES = {"migmigrations": "migmigration", "migplans": "migplan", "namespaces": "namespace", "ns": "namespace",
            "projects": "project"}


def split(value: str) -> tuple[str, str]:
    """(kind, name) of an argument; kind is "" for a bare name. Plurals and TYPE.GROUP are accepted;
    a kind of another group comes back with its group (never one of ours)."""
    if "/" not in value:
        return "", value
    typ, name = value.split("/", 1)
    kind, _, group = typ.lower().partition(".")
    kind = _ALIASES.get(kind, kind)
    if not kind or not name or "/" in name:
        raise UsageError(f"{value!r} is not a name of the form NAME, TYPE/NAME or TYPE.GROUP/NAME")
    if group and GROUPS.get(kind) != group:
        return f"{kind}.{group}", name
    return kind, name


def name_of(value: str | None, *kinds: str) -> str | None:
    """The name in an argument, which must be of one of `kinds` when it has a type."""
    if value is None:
        return None
    kind, name = split(value)
    if kind and kind not in kinds:
        raise UsageError(f"{value!r}: expected {' or '.join(kinds)}, not a {kind}")
    return name
