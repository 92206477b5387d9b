"""mig-verify's checks. A check is one small function in a module of this package, registered with
`@check` (its ids and what it reads), that looks at the Facts of one migration and yields Findings.
Modules are found by discovery: adding a check is adding one function and one scenario."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from .registry import CHECKS, Check, Finding, Need, check, needed, ref, run_all

__all__ = ["CHECKS", "Check", "Finding", "Need", "check", "discover", "modules", "needed", "ref", "run_all"]

_LOADED: list[str] = []
_LOADING = threading.Lock()


def modules() -> list[str]:
    """Every check module of this package (all but the registry)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "registry" and not m.name.startswith("_"))


def discover() -> list[str]:
    """Import every check module once, so that each registers its checks. Thread-safe: mig-gather's cluster
    threads ask at once (lib/gather/spec), and one that saw some modules loaded but not all would leave out the
    kinds only the others declare (a VirtualMachine) from what is collected, while the bundle claims them."""
    with _LOADING:
        if not _LOADED:
            names = modules()
            for name in names:
                importlib.import_module(f"{__name__}.{name}")
            _LOADED.extend(names)
    return list(_LOADED)
