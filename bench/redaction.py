"""What redaction costs: mig-gather with and without --no-redact on the estate of bench/gather.py
(target: redaction adds at most 25 % to the gather), and the redactor alone on the estate's log
bytes, per second of CPU.

1. In process: the estate's logs (timestamped logrus and zap lines) streamed through
   lib.redact.StreamRedactor in 1 MiB reads, with a Redactor that learnt MIG_BENCH_SECRETS secrets
   (Secrets, env, a kubeconfig), against the same bytes only copied. Best of 3.
2. End to end: `kubectl mig-gather --no-archive` twice on the same estate (MIG_BENCH_REDACT_MB of logs,
   default 1024; objects as bench/gather.py), redacting and with --no-redact, each log stream limited
   to MIG_BENCH_STREAM_MBPS MB/s (default 10, a remote cluster; 0 = loopback, where the gatherer and
   the three emulated API servers share the machine's 2 cores), best of MIG_BENCH_RUNS (default 2).
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench import measure
from bench.estate import NS, build, write_log
from lib.redact import Redactor, StreamRedactor
from tests.simproc import control, plugin_env, serve_split

CHUNK = 1 << 20


def _learnt(n: int, rng: random.Random) -> Redactor:
    r = Redactor()
    for i in range(n):
        tok = base64.b64encode(rng.randbytes(24)).decode()
        r.learn({"kind": "Secret", "metadata": {"name": f"s{i}", "namespace": NS},
                 "data": {"password": base64.b64encode(tok.encode()).decode()}})
        r.learn({"kind": "Pod", "spec": {"containers": [{"env": [{"name": "DB_PASSWORD", "value": f"Pw{i}{tok}"}]}]}})
    r.learn({"kind": "ConfigMap", "metadata": {"name": "kc", "namespace": NS}, "data": {
        "kubeconfig": "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: sha256~" + "k" * 43 + "\n"}})
    r.prepare()
    return r


def in_process(log_mb: int, secrets: int, work: Path) -> dict:
    rng = random.Random(15)
    path = work / "velero.log"
    write_log(path, log_mb << 20, rng, controller=False)
    size = path.stat().st_size
    best_copy = best_red = float("inf")
    r = _learnt(secrets, rng)
    for _ in range(3):
        with open(path, "rb") as f, open(work / "copy.out", "wb") as out:
            t0 = time.process_time()
            for chunk in iter(lambda: f.read(CHUNK), b""):
                out.write(chunk)
            best_copy = min(best_copy, time.process_time() - t0)
        with open(path, "rb") as f, open(work / "red.out", "wb") as out:
            sr = StreamRedactor(r)
            t0 = time.process_time()
            for chunk in iter(lambda: f.read(CHUNK), b""):
                out.write(sr.feed(chunk))
            out.write(sr.close())
            best_red = min(best_red, time.process_time() - t0)
    redaction = max(best_red - best_copy, 1e-9)
    out = {"logMiB": size >> 20, "secretsKnown": secrets, "copyCpuSeconds": round(best_copy, 2),
           "redactCpuSeconds": round(best_red, 2), "redactionMBps": round(size / redaction / 1e6, 1),
           "cpuSecondsPerGiB": round(redaction * (1 << 30) / size, 2)}
    print(f"  redactor alone: {out['redactionMBps']} MB/s per core ({out['cpuSecondsPerGiB']} s of CPU per GiB) "
          f"with {secrets} secrets known", flush=True)
    return out


def end_to_end(total_mb: int, objects: int, rate: float, runs: int, work: Path) -> dict:
    scenario = build(work / "estate", total_mb << 20, objects)
    res: dict = {"logMiB": total_mb, "objectsPerCluster": objects, "streamMBps": rate or "unlimited"}
    with serve_split(str(scenario), timeout=300) as kubeconfig:
        env = plugin_env(kubeconfig, XDG_STATE_HOME=str(work / "state"), HOME=str(work))
        if rate:
            for ctx in ("host", "source", "target"):
                control(kubeconfig, ctx, "POST", "faults", {"path": "/log$", "rate": rate * 1e6})
        for label, extra in (("noRedact", ["--no-redact"]), ("redact", [])):
            best = (float("inf"), 0.0)
            for _ in range(runs):
                dest = work / f"out-{label}"
                wall, rss, _ = measure.run(["kubectl", "mig-gather", "--no-archive", "--dest-dir", str(dest), *extra],
                                           env=env)
                shutil.rmtree(dest, ignore_errors=True)
                best = min(best, (wall, rss))
            res[label] = {"seconds": round(best[0], 2), "peakRssMB": round(best[1], 1)}
            print(f"  {total_mb} MiB, {label:8}: {best[0]:6.2f} s, peak RSS {best[1]:5.1f} MB", flush=True)
    res["overheadPercent"] = round(100 * (res["redact"]["seconds"] / res["noRedact"]["seconds"] - 1), 1)
    print(f"  redaction adds {res['overheadPercent']} % (target <= 25 %)", flush=True)
    return res


def main() -> dict:
    total = int(os.environ.get("MIG_BENCH_REDACT_MB", "1024"))
    objects = int(os.environ.get("MIG_BENCH_OBJECTS", "3000"))
    rate = float(os.environ.get("MIG_BENCH_STREAM_MBPS", "10"))
    runs = int(os.environ.get("MIG_BENCH_RUNS", "2"))
    secrets = int(os.environ.get("MIG_BENCH_SECRETS", "50"))
    with tempfile.TemporaryDirectory(prefix="mig-bench-redaction-") as tmp:
        out = {"inProcess": in_process(min(total, 256), secrets, Path(tmp))}
        out["gather"] = end_to_end(total, objects, rate, runs, Path(tmp))
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
