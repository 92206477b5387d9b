"""Start-up of `kubectl mig-crs <migration>` against the emulator versus `kubectl get migmigration`.

Warm runs (zipapp already unpacked) as a median of several, and the cold first run (shiv
extraction and byte-compilation), each with PYTHONDONTWRITEBYTECODE set and unset.
MIG_BENCH_RUNS sets the number of warm runs (default 9). Also the CPU time of the plugin's imports
(median of 9 fresh interpreters: less sensitive to a loaded machine than wall time) and which heavy
modules a run does not import any more.
"""

from __future__ import annotations

import json
import os
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


def _import_breakdown(env: dict) -> list[tuple[str, int]]:
    """The slowest imports (cumulative microseconds) of a warm run, from python -X importtime."""
    r = subprocess.run(["python3", "-X", "importtime", str(ROOT / "dist" / "kubectl-mig_crs"), "--help"],
                       env=env, capture_output=True, text=True)
    rows = []
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cum, name = line.split("|")
            rows.append((name.rstrip(), int(cum)))
    top = [(n.strip(), c) for n, c in rows if not n.startswith("    ")]
    return sorted(top, key=lambda x: -x[1])[:8]


DEFERRED = ("requests", "dateutil", "oauthlib", "requests_oauthlib", "multiprocessing.pool",
            "kubernetes.config.kube_config", "jsonpath_ng", "importlib.metadata")


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
    runs = int(os.environ.get("MIG_BENCH_RUNS", "9"))
    out: dict = {}
    with serve(SCENARIO) as kubeconfig:
        env = plugin_env(kubeconfig)
        mig = json.loads(subprocess.run(["kubectl", "get", "migmigrations", "-n", "openshift-migration", "-o", "json"],
                                        env=env, capture_output=True, text=True, check=True).stdout)["items"][0]
        name = mig["metadata"]["name"]
        kget = ["kubectl", "get", "migmigration", name, "-n", "openshift-migration"]
        ours = ["kubectl", "mig-crs", name]
        for label, dont in (("PYTHONDONTWRITEBYTECODE=1", "1"), ("PYTHONDONTWRITEBYTECODE unset", None)):
            with tempfile.TemporaryDirectory(prefix="shiv-") as shiv_root:
                e = dict(env, SHIV_ROOT=shiv_root)
                e.pop("PYTHONDONTWRITEBYTECODE", None)
                if dont:
                    e["PYTHONDONTWRITEBYTECODE"] = dont
                cold = _time(ours, e)
                warm = _median(ours, e, runs)
                base = _median(kget, e, runs)
                cpu, cpu_base = _cpu_median(ours, e, runs), _cpu_median(kget, e, runs)
                out[label] = {"cold_first_run_s": round(cold, 3), "warm_median_s": round(warm, 3),
                              "kubectl_get_median_s": round(base, 3), "ratio": round(warm / base, 2),
                              "warm_cpu_s": round(cpu, 3), "kubectl_get_cpu_s": round(cpu_base, 3),
                              "cpu_ratio": round(cpu / cpu_base, 2)}
                print(f"{label}: mig-crs cold {cold:.3f}s, warm median {warm:.3f}s; kubectl get {base:.3f}s; "
                      f"ratio {warm / base:.2f}; CPU {cpu:.3f}s vs {cpu_base:.3f}s: ratio {cpu / cpu_base:.2f}")
                if dont is None:
                    out["slowest_imports_us"] = _import_breakdown(e)
    for mod, us in out.get("slowest_imports_us", []):
        print(f"  import {mod}: {us / 1000:.0f} ms")
    out.update(import_cpu())
    print(f"imports before the first request: {out['import_cpu_ms_median']} ms CPU (median); "
          f"deferred modules still imported: {out['deferred_still_imported'] or 'none'}")
    return out


if __name__ == "__main__":
    main()
