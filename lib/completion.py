"""Shell completion as kubectl (1.26+) and oc ask plugins for it.

`kubectl mig-crs 88<TAB>` runs `kubectl_complete-mig_crs 88` from PATH (kubectl pkg/cmd/plugin/
plugin_completion.go): the arguments typed so far, the last one being the word to complete ("" for a
new word). It prints one candidate a line and, last, `:<directive>` (cobra's ShellCompDirective).
build.py writes those executables; each runs the plugin's zipapp as `kubectl-mig_<name> __complete ARGS`.

Candidates: flags (from the plugin's parser), flag values (contexts, clusters and users of the
kubeconfig, namespaces, migrations, plans, -o formats, choices) and the positional argument
(migrations; projects for mig-rollback), read from the host with the connection flags typed so far.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Callable

# cobra's ShellCompDirective values
DEFAULT, NO_SPACE, NO_FILE = 0, 2, 4
LIVE_TIMEOUT = 5.0

# what a flag's value is, when argparse has no choices for it
VALUE_KINDS = {"--context": "context", "--source-context": "context", "--target-context": "context",
               "--cluster": "cluster", "--user": "user", "-n": "namespace", "--namespace": "namespace",
               "--plan": "migplan", "--migration": "migmigration", "-o": "output", "--output": "output"}
FILE_FLAGS = {"--kubeconfig", "--certificate-authority", "--client-certificate", "--client-key", "--must-gather",
              "--journal", "--output-dir", "--archive", "--dest-dir"}


def run(parser: Callable[[], argparse.ArgumentParser], args: Sequence[str], out=None) -> int:
    out = out or sys.stdout
    words, directive = candidates(parser(), list(args))
    for w in words:
        out.write(w + "\n")
    out.write(f":{directive}\n")
    return 0


def candidates(p: argparse.ArgumentParser, args: list[str]) -> tuple[list[str], int]:
    typed, word = (args[:-1], args[-1]) if args else ([], "")
    prev = typed[-1] if typed else ""
    action = p._option_string_actions.get(prev) if prev.startswith("-") else None
    if action is not None and action.nargs != 0:
        return _values(p, action, prev, typed[:-1], word)
    if word.startswith("-"):
        if "=" in word:
            flag, _, part = word.partition("=")
            act = p._option_string_actions.get(flag)
            if act is None or act.nargs == 0:
                return [], NO_FILE
            vals, d = _values(p, act, flag, typed, part)
            return [f"{flag}={v}" for v in vals], d
        flags = sorted({o for a in p._actions for o in a.option_strings if a.help != argparse.SUPPRESS})
        return [f for f in flags if f.startswith(word)], NO_FILE
    positional = [a for a in p._actions if not a.option_strings]
    if not positional or _positional_given(p, typed):
        return [], NO_FILE
    kind = "namespace-migrated" if positional[0].dest == "project" else "migmigration"
    return _live(p, typed, kind, word), NO_FILE


def _positional_given(p: argparse.ArgumentParser, typed: list[str]) -> bool:
    i, seen = 0, 0
    while i < len(typed):
        t = typed[i]
        if t.startswith("-"):
            act = p._option_string_actions.get(t.split("=", 1)[0])
            if act is not None and act.nargs != 0 and "=" not in t:
                i += 1
        else:
            seen += 1
        i += 1
    return seen > 0


def _values(p, action, flag: str, typed: list[str], word: str) -> tuple[list[str], int]:
    if flag in FILE_FLAGS:
        return [], DEFAULT
    if action.choices:
        return [str(c) for c in action.choices if str(c).startswith(word)], NO_FILE
    kind = VALUE_KINDS.get(flag)
    if kind == "output":
        from .render import shown_formats

        shown = shown_formats(p.get_default("_formats") or (), "=")
        return [f for f in shown if f.startswith(word)], NO_FILE | (NO_SPACE if word.endswith("=") else 0)
    if kind in ("context", "cluster", "user"):
        return _kubeconfig_names(p, typed, kind, word), NO_FILE
    if kind:
        return _live(p, typed, kind, word), NO_FILE
    return [], NO_FILE


def _parsed(p, typed: list[str]):
    """The flags typed so far; a positional not typed yet is no error here."""
    for a in p._actions:
        if not a.option_strings and a.nargs is None:
            a.nargs, a.required = "?", False
    try:
        ns, _ = p.parse_known_args(typed)
        return ns
    except Exception:
        return None


def _kubeconfig_names(p, typed, kind: str, word: str) -> list[str]:
    from .kubeconfig import default_files, merge

    ns = _parsed(p, typed)
    try:
        files, _ = default_files(getattr(ns, "kubeconfig", None) if ns else None)
        m = merge(files)
    except Exception:
        return []
    names = {"context": m.contexts, "cluster": m.clusters, "user": m.users}[kind]
    return sorted(n for n in names if n.startswith(word))


def _live(p, typed, kind: str, word: str) -> list[str]:
    """Names read from the host (or a must-gather), quietly nothing when it cannot be read."""
    ns = _parsed(p, typed)
    if ns is None:
        return []
    ns.request_timeout = min(ns.request_timeout or LIVE_TIMEOUT, LIVE_TIMEOUT)
    try:
        from .session import open_source

        src = open_source(ns)
        if kind == "namespace":
            items = [i["metadata"]["name"] for i in src.list("host", "Namespace")]
        elif kind == "namespace-migrated":
            items = [n.split(":")[-1] for plan in src.list("host", "MigPlan", src.namespace)
                     for n in ((plan.get("spec") or {}).get("namespaces") or [])]
        else:
            kind_name = {"migmigration": "MigMigration", "migplan": "MigPlan"}[kind]
            items = [i["metadata"]["name"] for i in src.list("host", kind_name, src.namespace)]
    except Exception:
        return []
    return sorted({i for i in items if i.startswith(word)})
