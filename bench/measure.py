"""Wall time and peak RSS of one child process, for the benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

TIME = shutil.which("time", path="/usr/bin:/bin")   # GNU time


def run(cmd: list[str], stdout=subprocess.DEVNULL, env: dict | None = None, cwd=None,
        ok: tuple = (0,)) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stderr) of `cmd`; RuntimeError unless it exits with a code in `ok`.

    A child's own ru_maxrss (os.wait4) starts at its parent's peak RSS (exec keeps the old address
    space's high-water mark), so a benchmark's ~100 MiB would hide grep's 2 MiB: GNU time, a small
    process, starts the command and reports its peak instead when it is installed."""
    with tempfile.NamedTemporaryFile(prefix="mig-bench-rss-") as rss_file:
        timed = [TIME, "-f", "%M", "-o", rss_file.name, *cmd] if TIME else cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(timed, stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=cwd)
        err = p.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err}")
        rss = int(open(rss_file.name).read().split()[-1]) / 1024 if TIME else usage.ru_maxrss / 1024
    return wall, rss, err
