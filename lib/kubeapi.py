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


def _deferred(name: str, **attrs) -> types.ModuleType | None:
    """A stand-in for module `name` holding only `attrs` (functions that import the real module when
    called), for the time the kubernetes package's own imports run; None if it is already loaded."""
    if name in sys.modules:
        return None
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__path__ = []           # a package, so `from name.sub import x` finds the stand-in below
    sys.modules[name] = mod
    return mod


def _should_bypass_proxies(url, no_proxy):
    from requests.utils import should_bypass_proxies       # only with a proxy configured

    return should_bypass_proxies(url, no_proxy=no_proxy)


def _parse_date(*args, **kw):
    from dateutil.parser import parse      # only to deserialize generated models, which we never use

    return parse(*args, **kw)


def _thread_pool(*args, **kw):
    from multiprocessing.pool import ThreadPool         # only for async_req, which we never use

    return ThreadPool(*args, **kw)


if "kubernetes" not in sys.modules:
    for _pkg in ("kubernetes", "kubernetes.client", "kubernetes.client.models", "kubernetes.config"):
        _shell(_pkg)

def _cpu_count() -> int:
    """multiprocessing.cpu_count() itself (3.9 to 3.13), for Configuration's pool size, without
    importing multiprocessing (~2 ms)."""
    count = os.cpu_count()
    if count is None:
        raise NotImplementedError("cannot determine number of cpus")
    return count


def _where() -> str:
    import certifi                  # only for a cluster without a CA of its own (Mozilla's roots)

    return certifi.where()


def _mkstemp(*args, **kw):
    import tempfile                 # only to download a file-typed API response, which we never do

    return tempfile.mkstemp(*args, **kw)


def _guess_type(*args, **kw):
    import mimetypes                # only to upload files, which we never do

    return mimetypes.guess_type(*args, **kw)


def _version(name):
    from importlib.metadata import version      # only when urllib3's HTTP/2 support is switched on

    return version(name)


# api_client and rest import requests (for one proxy helper), dateutil, multiprocessing.pool, tempfile,
# mimetypes and certifi at the top, configuration multiprocessing (for cpu_count), and urllib3.http2
# importlib.metadata: ~0.1 s of start-up for code a command never runs.
# Stand-ins serve those imports; they are removed right after, so a later real import (an exec
# credential plugin's OIDC path, a caller of importlib.metadata) gets the real modules.
_standins = {}
for _name, _attrs in (("requests", {}), ("requests.utils", {"should_bypass_proxies": _should_bypass_proxies}),
                      ("dateutil", {}), ("dateutil.parser", {"parse": _parse_date}),
                      ("multiprocessing", {"cpu_count": _cpu_count}),
                      ("multiprocessing.pool", {"ThreadPool": _thread_pool}),
                      ("certifi", {"where": _where}), ("tempfile", {"mkstemp": _mkstemp}),
                      ("mimetypes", {"guess_type": _guess_type}),
                      ("importlib.metadata", {"version": _version})):
    _parent = _name.rpartition(".")[0]
    if _parent in ("requests", "dateutil") and _parent not in _standins:
        continue                        # the real package is loaded: let the real child load too
    _m = _deferred(_name, **_attrs)
    if _m is not None:
        _standins[_name] = _m
try:
    import urllib3  # noqa: E402,F401
    from kubernetes.client.configuration import Configuration  # noqa: E402
    from kubernetes.client.exceptions import ApiException  # noqa: E402
    from kubernetes.client import rest  # noqa: E402,F401
    from kubernetes.client.api_client import ApiClient  # noqa: E402
finally:
    for _name, _m in _standins.items():
        if sys.modules.get(_name) is _m:
            del sys.modules[_name]
        _parent, _, _child = _name.rpartition(".")
        if _parent in sys.modules and getattr(sys.modules[_parent], _child, None) is _m:
            delattr(sys.modules[_parent], _child)

_client_pkg = sys.modules["kubernetes.client"]
for _attr, _val in (("ApiClient", ApiClient), ("Configuration", Configuration), ("ApiException", ApiException)):
    if not hasattr(_client_pkg, _attr):
        setattr(_client_pkg, _attr, _val)

from kubernetes.config.config_exception import ConfigException  # noqa: E402

__all__ = ["ApiClient", "ApiException", "Configuration", "ConfigException", "kube_config",
           "incluster_config", "default_kubeconfig"]


def kube_config():
    """kubernetes.config.kube_config, imported when a kubeconfig user needs it (exec plugins, auth
    providers): it pulls in oauthlib and requests_oauthlib (~0.07 s)."""
    from kubernetes.config import kube_config as mod

    return mod


def incluster_config():
    from kubernetes.config import incluster_config as mod

    return mod


def default_kubeconfig() -> str:
    """KUBECONFIG (may list several files) or ~/.kube/config."""
    return os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
