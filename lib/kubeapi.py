"""The parts of the `kubernetes` package we use, imported without its model classes.

`import kubernetes` runs package __init__ files that import every API and ~800 generated
models (about 0.25 s). We only need ApiClient's transport, Configuration and the kubeconfig
loader, so the packages are registered as empty shells and just those modules are loaded.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types


def _shell(name: str) -> None:
    """Register package `name` without running its __init__ (keeps __path__ for submodules)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        spec = None
    mod = types.ModuleType(name)
    # The zipapps leave generated models out entirely (build.py PRUNE): an empty shell then.
    mod.__path__ = list(spec.submodule_search_locations or []) if spec else []
    mod.__spec__ = spec
    mod.__package__ = name
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, mod)


if "kubernetes" not in sys.modules:
    for _pkg in ("kubernetes", "kubernetes.client", "kubernetes.client.models", "kubernetes.config"):
        _shell(_pkg)

from kubernetes.client.configuration import Configuration  # noqa: E402
from kubernetes.client.exceptions import ApiException  # noqa: E402
from kubernetes.client import rest  # noqa: E402,F401
from kubernetes.client.api_client import ApiClient  # noqa: E402

_client_pkg = sys.modules["kubernetes.client"]
for _attr, _val in (("ApiClient", ApiClient), ("Configuration", Configuration), ("ApiException", ApiException)):
    if not hasattr(_client_pkg, _attr):
        setattr(_client_pkg, _attr, _val)

from kubernetes.config.config_exception import ConfigException  # noqa: E402
from kubernetes.config import kube_config  # noqa: E402
from kubernetes.config import incluster_config  # noqa: E402

__all__ = ["ApiClient", "ApiException", "Configuration", "ConfigException", "kube_config",
           "incluster_config", "default_kubeconfig"]


def default_kubeconfig() -> str:
    """KUBECONFIG (may list several files) or ~/.kube/config."""
    return os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
