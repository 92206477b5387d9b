"""mig-verify's checks. A check is one small function, registered with its id, that looks at the
Facts of one migration and yields Findings (id, severity, title, evidence, fix) — adding a check is
adding one function and one scenario. Importing this package registers them all."""

from __future__ import annotations

from . import infra, known_issues, migration, restic, stuck, target, velero, volumes  # noqa: F401
from .registry import CHECKS, Finding, run_all

__all__ = ["CHECKS", "Finding", "run_all"]
