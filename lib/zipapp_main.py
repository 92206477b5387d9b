"""The `__main__.py` of every zipapp: shiv's bootstrap, without its cost on a warm start.

build.py puts this file (with BUILD_ID and ENTRY_POINT filled in) at the root of each zipapp in
place of shiv's own `__main__.py` (`import _bootstrap; _bootstrap.bootstrap()`). It runs before the
zipapp's site-packages is on sys.path, so it imports nothing but `os` and `sys` (both already loaded
by the interpreter).

shiv's bootstrap imports compileall, hashlib, subprocess, zipfile, pathlib, shutil and json and
reads the archive's directory on every run, ~20 ms of a 0.1 s start, only to find that the
extraction under ~/.shiv already exists. Here the warm path does what shiv's does in that case,
and everything else goes to shiv's bootstrap unchanged:
- the extraction directory is shiv's (`cache_path`: `$SHIV_ROOT` or `~/.shiv`, then the zipapp's
  resolved file name, `_`, the build id), and it exists only once complete (shiv extracts into a
  `.tmp` directory and renames it);
- its site-packages goes on sys.path before the first site-packages or dist-packages entry, as
  shiv's `site.addsitedir` and reordering put it (build.py refuses a site-packages with `.pth`
  files, which only `site.addsitedir` would process);
- the entry point is imported and its return value (or SystemExit) is the exit status, as shiv's
  `run`; the exit itself skips the interpreter's finalization (see exit_now).
Any other SHIV_* variable (SHIV_FORCE_EXTRACT, SHIV_INTERPRETER, SHIV_ENTRY_POINT, ...), or a
missing extraction (the first run), takes shiv's bootstrap.
"""

import os
import sys

BUILD_ID = ""  # filled in by build.py: shiv's build id of this zipapp (environment.json)
ENTRY_POINT = ""  # filled in by build.py: "module:function"


def warm_site_packages(environ, argv0: str):
    """The site-packages shiv extracted for this zipapp, or None when shiv's bootstrap must run."""
    if not BUILD_ID or any(k.startswith("SHIV_") and k != "SHIV_ROOT" for k in environ):
        return None
    root = os.path.expanduser(environ.get("SHIV_ROOT") or "~/.shiv")
    name = os.path.basename(os.path.realpath(argv0))
    site = os.path.join(os.path.abspath(root), f"{name}_{BUILD_ID}", "site-packages")
    return site if os.path.isdir(site) else None


def first_site_dir_index(path: list) -> int:
    """Where shiv inserts its site-packages: before the first site-packages or dist-packages entry."""
    for index, part in enumerate(path):
        if part and os.path.splitext(os.path.basename(os.path.normpath(part)))[0] in ("site-packages", "dist-packages"):
            return index or len(path)  # shiv's `get_first_sitedir_index() or length`
    return len(path)


def main() -> None:
    site = warm_site_packages(os.environ, sys.argv[0])
    if site is None:
        import _bootstrap  # shiv's: extracts on the first run, honours every SHIV_* variable

        _bootstrap.bootstrap()
        return
    sys.path.insert(first_site_dir_index(sys.path), site)
    module, _, function = ENTRY_POINT.partition(":")
    entry = getattr(__import__(module, fromlist=[function]), function)
    try:
        status = entry()
    except SystemExit as e:
        status = e.code
    if isinstance(status, int) or status is None:
        exit_now(status or 0)
    sys.exit(status)


def exit_now(code: int) -> None:
    """Exit as the interpreter would, without tearing down every module and object first (~10 ms of
    a 0.1 s command): stdout and stderr are flushed and the atexit handlers run (temp files, logging).
    Only when no other non-daemon thread is alive (the interpreter would wait for it) and the flush
    succeeds (the interpreter would report a failed one); otherwise the ordinary exit."""
    threading = sys.modules.get("threading")
    if threading is not None and any(t.is_alive() and not t.daemon and t is not threading.main_thread()
                                     for t in threading.enumerate()):
        sys.exit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):      # what the handlers wrote
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
