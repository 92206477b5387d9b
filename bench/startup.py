"""Start-up of `kubectl mig-crs <migration>` against the emulator versus `kubectl get migmigration`.

Warm runs (zipapp already unpacked) as a median of several, and the cold first run (shiv
extraction and byte-compilation), for each `python3` the zipapps' shebang may meet here (see
interpreters()); `python -X importtime` of a warm run. MIG_BENCH_RUNS sets the number of warm runs
(default 15). Also the CPU time of the plugin's imports
(median of 9 fresh interpreters: less sensitive to a loaded machine than wall time) and which heavy
modules a run does not import any more.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from tests.simproc import ROOT, plugin_env, serve

SCENARIO = "sock-shop-success"


def _time(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.decode(errors='replace')}")
    return time.perf_counter() - t0


def _cpu(cmd: list[str], env: dict) -> float:
    """CPU seconds (user + system) of one run: a fair measure on a loaded machine, where wall time
    mostly measures the other processes."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _time(cmd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cpu_median(cmd: list[str], env: dict, runs: int) -> float:
    return statistics.median(_cpu(cmd, env) for _ in range(runs))


def _median(cmd: list[str], env: dict, runs: int) -> float:
    _time(cmd, env)  # warm-up
    return statistics.median(_time(cmd, env) for _ in range(runs))


def _import_breakdown(cmd: list[str], env: dict) -> dict:
    """`python -X importtime` of one warm run of `cmd` (the zipapp and its arguments): the total of every
    module's own time, and the slowest top-level imports (cumulative microseconds)."""
    r = subprocess.run([_interpreter(env), "-X", "importtime", *cmd], env=env, capture_output=True, text=True)
    rows = []
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            own, cum, name = line[len("import time:"):].split("|")
            rows.append((name.rstrip(), int(own), int(cum)))
    top = sorted(((n.strip(), c) for n, _, c in rows if not n.startswith("    ")), key=lambda x: -x[1])[:8]
    return {"modules": len(rows), "total_self_ms": round(sum(own for _, own, _ in rows) / 1000, 1),
            "slowest_top_level_us": top}


def _is_script(path: str | None) -> bool:
    try:
        with open(path or "", "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def _interpreter(env: dict) -> str:
    return shutil.which("python3", path=env["PATH"]) or "python3"


def interpreters() -> list[tuple[str, str | None]]:
    """(label, interpreter) to run the zipapps with: `python3` as PATH gives it (their shebang is
    `#!/usr/bin/env python3`), and where that is a wrapper script (a pyenv shim runs bash and pyenv
    before Python), the interpreter the shim stands for; and the system's /usr/bin/python3."""
    found = shutil.which("python3")
    rows: list[tuple[str, str | None]] = [(f"python3 from PATH ({found}{', a script' if _is_script(found) else ''})", None)]
    seen = {os.path.realpath(found or "")}
    if _is_script(found):
        base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        rows.append((f"{base} (what the shim runs)", base))
        seen.add(base)
    if os.path.exists("/usr/bin/python3") and os.path.realpath("/usr/bin/python3") not in seen:
        rows.append(("/usr/bin/python3 (the system's)", "/usr/bin/python3"))
    return rows


def _with_python(env: dict, python: str | None, bindir: str) -> dict:
    """env whose PATH resolves `python3` to `python` (None: unchanged)."""
    if python is None:
        return env
    os.makedirs(bindir)
    os.symlink(python, os.path.join(bindir, "python3"))
    dist, _, rest = env["PATH"].partition(os.pathsep)
    return dict(env, PATH=os.pathsep.join([dist, bindir, rest]))


DEFERRED = ("requests", "dateutil", "oauthlib", "requests_oauthlib", "multiprocessing", "multiprocessing.pool",
            "kubernetes.config.kube_config", "jsonpath_ng", "importlib.metadata", "dataclasses", "inspect",
            "tempfile", "shutil", "certifi")


def import_cpu(runs: int = 9) -> dict:
    """CPU milliseconds to import what `kubectl mig-crs` imports before its first request, and which of
    DEFERRED were imported; from the source tree, with .pyc, as `python -X importtime` would show."""
    code = ("import sys, time; t = time.process_time(); import lib.session, plugins.mig_crs; "
            "ms = (time.process_time() - t) * 1000; "
            f"print(round(ms), ','.join(m for m in {DEFERRED!r} if m in sys.modules))")
    outs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
            .stdout.split() for _ in range(runs + 1)][1:]
    return {"import_cpu_ms_median": statistics.median(int(o[0]) for o in outs),
            "deferred_still_imported": sorted({m for o in outs[1:] for m in (o[1].split(",") if len(o) > 1 else [])})}


def main() -> dict:
    """MIG_BENCH_COMPARE=<dir> also times <dir>/kubectl-mig_crs (an earlier build) the same way."""
    runs = int(os.environ.get("MIG_BENCH_RUNS", "15"))
    compare = os.environ.get("MIG_BENCH_COMPARE")
    out: dict = {}
    with serve(SCENARIO) as kubeconfig, tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = plugin_env(kubeconfig)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        mig = json.loads(subprocess.run(["kubectl", "get", "migmigrations", "-n", "openshift-migration", "-o", "json"],
                                        env=env, capture_output=True, text=True, check=True).stdout)["items"][0]
        name = mig["metadata"]["name"]
        kget = ["kubectl", "get", "migmigration", name, "-n", "openshift-migration"]
        apps = [("this build", str(ROOT / "dist" / "kubectl-mig_crs"))]
        if compare:
            apps.append((f"earlier build ({compare})", os.path.join(compare, "kubectl-mig_crs")))
        for i, (label, python) in enumerate(interpreters()):
            e = dict(_with_python(env, python, os.path.join(tmp, f"py{i}")), SHIV_ROOT=os.path.join(tmp, f"shiv{i}"))
            base = _median(kget, e, runs)
            cpu_base = _cpu_median(kget, e, runs)
            bare = _median([_interpreter(e), "-c", "pass"], e, runs)
            for j, (app_label, app) in enumerate(apps):
                # the plugin as kubectl runs it: found on PATH as kubectl-mig_crs
                pdir = os.path.join(tmp, f"plugin{i}-{j}")
                os.makedirs(pdir)
                os.symlink(app, os.path.join(pdir, "kubectl-mig_crs"))
                ea = dict(e, PATH=os.pathsep.join([pdir, e["PATH"]]))
                ours = ["kubectl", "mig-crs", name]
                cold = _time(ours, ea)
                warm = _median(ours, ea, runs)
                cpu = _cpu_median(ours, ea, runs)
                row = {"python3": label, "build": app_label, "python3_c_pass_s": round(bare, 3),
                       "cold_first_run_s": round(cold, 3), "warm_median_s": round(warm, 3),
                       "kubectl_get_median_s": round(base, 3), "ratio": round(warm / base, 2),
                       "warm_cpu_s": round(cpu, 3), "kubectl_get_cpu_s": round(cpu_base, 3),
                       "cpu_ratio": round(cpu / cpu_base, 2),
                       "importtime": _import_breakdown([app, name], ea)}
                out.setdefault("runs", []).append(row)
                print(f"{label}, {app_label}: `python3 -c pass` {bare:.3f}s; mig-crs cold {cold:.3f}s, warm median "
                      f"{warm:.3f}s; kubectl get {base:.3f}s: ratio {warm / base:.2f}; CPU {cpu:.3f}s vs "
                      f"{cpu_base:.3f}s: ratio {cpu / cpu_base:.2f}; -X importtime: {row['importtime']['modules']} "
                      f"modules, {row['importtime']['total_self_ms']} ms")
    out.update(import_cpu())
    print(f"imports before the first request: {out['import_cpu_ms_median']} ms CPU (median); "
          f"deferred modules still imported: {out['deferred_still_imported'] or 'none'}")
    return out


if __name__ == "__main__":
    main()
