"""mig-gather on a large estate (bench/estate.py: three clusters, thousands of objects, 1 GiB of logs):
wall time of gathering the three clusters together against the slowest one alone (target: at most
1.3x) and peak RSS (target: at most 150 MB, flat as the logs grow), through `kubectl mig-gather`.

Each emulated cluster is its own process (as each real cluster is its own API server), but all
of them share this machine's 2 cores with the gatherer. The clusters are remote in real life: each
emulated log stream is served at most at MIG_BENCH_STREAM_MBPS MB/s (default 10, a cross-site link;
0 = as fast as loopback goes, which measures how the 2 shared cores divide between three API
servers and the gatherer rather than gathering). Knobs: MIG_BENCH_GATHER_MB (default 1024), MIG_BENCH_OBJECTS
(per cluster, default 3000). Collection is timed with --no-archive; the tarball is timed apart.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from bench import measure
from bench.estate import build
from tests.simproc import control, plugin_env, serve_split



def _throttle(kubeconfig: str, rate_mbps: float) -> None:
    if rate_mbps:
        for ctx in ("host", "source", "target"):
            control(kubeconfig, ctx, "POST", "faults", {"path": "/log$", "rate": rate_mbps * 1e6})


def _one_size(total_mb: int, objects: int, rate: float, work: Path) -> dict:
    scenario = build(work / f"estate-{total_mb}", total_mb << 20, objects)
    out: dict = {"logMiB": total_mb, "objectsPerCluster": objects, "streamMBps": rate or "unlimited"}
    with serve_split(str(scenario), timeout=300) as kubeconfig:
        env = plugin_env(kubeconfig, XDG_STATE_HOME=str(work / "state"), HOME=str(work))
        _throttle(kubeconfig, rate)
        runs = {"all": []}
        for role in ("host", "source", "target"):
            runs[role] = ["--cluster", role]
        for label, extra in runs.items():
            dest = work / f"out-{total_mb}-{label}"
            wall, rss, _ = measure.run(["kubectl", "mig-gather", "--no-archive", "--dest-dir", str(dest), *extra],
                                       env=env)
            out[label] = {"seconds": round(wall, 2), "peakRssMB": round(rss, 1)}
            shutil.rmtree(dest, ignore_errors=True)
            print(f"  {total_mb} MiB, {label:6}: {wall:6.2f} s, peak RSS {rss:5.1f} MB", flush=True)
        dest = work / f"out-{total_mb}-archive"
        wall, rss, _ = measure.run(["kubectl", "mig-gather", "--dest-dir", str(dest)], env=env)
        out["allWithArchive"] = {"seconds": round(wall, 2), "peakRssMB": round(rss, 1),
                                 "tarballMB": round((dest / "must-gather.tar.gz").stat().st_size / 1e6, 1)}
        print(f"  {total_mb} MiB, with tarball: {wall:6.2f} s, peak RSS {rss:5.1f} MB", flush=True)
        shutil.rmtree(dest, ignore_errors=True)
    slowest = max(out[r]["seconds"] for r in ("host", "source", "target"))
    out["ratioAllToSlowest"] = round(out["all"]["seconds"] / slowest, 2)
    shutil.rmtree(work / f"estate-{total_mb}", ignore_errors=True)
    return out


def main() -> dict:
    total = int(os.environ.get("MIG_BENCH_GATHER_MB", "1024"))
    objects = int(os.environ.get("MIG_BENCH_OBJECTS", "3000"))
    rate = float(os.environ.get("MIG_BENCH_STREAM_MBPS", "10"))
    results = {}
    with tempfile.TemporaryDirectory(prefix="mig-bench-gather-") as tmp:
        for size in (max(total // 4, 1), total):
            results[f"{size}MiB"] = r = _one_size(size, objects, rate, Path(tmp))
            print(f"  {size} MiB: together/slowest alone = {r['ratioAllToSlowest']}x (target <= 1.3x), "
                  f"peak RSS {r['all']['peakRssMB']} MB (target <= 150 MB)", flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
