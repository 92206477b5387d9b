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
    sys.stderr.write(f"{_scrubbed(message)}\n")     # a URL with its password, a header with its token
    sys.stderr.flush()


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every cleanup (partial trees, extracted bundles,
    CA files) runs; the exit code is 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, _frame) -> None:
    for s in _SIGNALS:        # a second signal must not cut the cleanup short
        signal.signal(s, signal.SIG_IGN)
    raise Terminated(signum)


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def catch_signals() -> None:
    """SIGTERM and SIGHUP raise Terminated in the main thread (call from it). One the command was
    started with ignored stays ignored, as Python leaves an ignored SIGINT: `nohup kubectl mig-gather &`
    must outlive the terminal."""
    for s in _SIGNALS:
        if signal.getsignal(s) != signal.SIG_IGN:
            signal.signal(s, _terminate)


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
    catch_signals()
    try:
        code = main(args) or 0
        sys.stdout.flush()
    except MigError as e:
        _flush_quietly()
        sys.stderr.write(f"error: {_scrubbed(e.message)}\n")
        if verbose:
            sys.stderr.write(_scrubbed(traceback.format_exc()))
        code = e.code
    except KeyboardInterrupt as e:
        _flush_quietly()
        if isinstance(e, Terminated):
            sys.stderr.write(f"terminated by {signal.Signals(e.signum).name}\n")
            _exit_now(128 + e.signum)
        sys.stderr.write("interrupted\n")
        _exit_now(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `... | head` closed our stdout: not an error, and Python must not complain at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except Exception as e:  # a bug of ours: still one line unless -v
        _flush_quietly()
        sys.stderr.write(f"error: {prog}: unexpected {type(e).__name__}: {_scrubbed(str(e))} "
                         "(rerun with --verbose for details)\n")
        if verbose:
            sys.stderr.write(_scrubbed(traceback.format_exc()))
        code = EXIT_ERROR
    sys.exit(code)


def _scrubbed(message: str) -> str:
    """An error line may quote a URL with its password or a header with its token: the text rules of
    lib/redact.py apply to it as to everything mig-gather writes."""
    try:
        from .render import scrub

        return scrub(message)
    except Exception:         # the error must be said whatever happens here
        return message


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
