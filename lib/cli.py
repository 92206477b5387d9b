"""Runs a plugin's main: errors a user can cause become one stderr line and an exit code."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Callable

from .errors import EXIT_ERROR, EXIT_INTERRUPTED, MigError


def warn(message: str) -> None:
    """A warning or progress line: stderr, never stdout (stdout carries data only)."""
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


COMPLETE = "__complete"      # argv[1] of the kubectl_complete-mig_<name> executables (lib/completion.py)


def run(main: Callable[[Sequence[str]], int | None], prog: str, args: Sequence[str] | None = None,
        parser: Callable | None = None) -> None:
    """Call main(args) and exit with its code; MigError -> `error: ...` on stderr, no traceback."""
    args = list(sys.argv[1:] if args is None else args)
    if parser is not None and args[:1] == [COMPLETE]:
        from . import completion

        main = lambda a: completion.run(parser, a)  # noqa: E731
        args = args[1:]
    verbose = "--verbose" in args or _level(args) >= 10
    try:
        code = main(args) or 0
        sys.stdout.flush()
    except MigError as e:
        _flush_quietly()
        sys.stderr.write(f"error: {e.message}\n")
        if verbose:
            traceback.print_exc()
        code = e.code
    except KeyboardInterrupt:
        _flush_quietly()
        sys.stderr.write("interrupted\n")
        _exit_now(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `... | head` closed our stdout: not an error, and Python must not complain at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except Exception as e:  # a bug of ours: still one line unless -v
        _flush_quietly()
        sys.stderr.write(f"error: {prog}: unexpected {type(e).__name__}: {e} (rerun with --verbose for details)\n")
        if verbose:
            traceback.print_exc()
        code = EXIT_ERROR
    sys.exit(code)


def _exit_now(code: int) -> None:
    """Exit at once: worker threads still blocked on a socket (thread pools join theirs at exit) must
    not keep an interrupted command alive; atexit handlers (temp files) still run."""
    import atexit

    try:
        atexit._run_exitfuncs()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _level(args: list[str]) -> int:
    """The -v N / -v=N / --v=N of the command line (tracebacks from level 10), before parsing may fail."""
    for i, a in enumerate(args):
        val = None
        if a in ("-v", "--v") and i + 1 < len(args):
            val = args[i + 1]
        elif a.startswith(("-v=", "--v=")):
            val = a.split("=", 1)[1]
        elif a.startswith("-v") and a[2:].isdigit():
            val = a[2:]
        if val is not None and val.isdigit():
            return int(val)
    return 0


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except Exception:
        pass


def default_sigpipe() -> None:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
