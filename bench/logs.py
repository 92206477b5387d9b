"""Filtering one migration's lines out of a large Velero log: lib.logs versus `grep -F <uid>`.

A logrus-format Velero log (each line prefixed by the API server's timestamp, as `kubectl logs
--timestamps` gives it and as the plugin asks for it) is generated into a temp dir; ~1% of its
lines concern the target migration (Backups/Restores/PodVolumeBackups named after its uid), the
rest other migrations with random uids. Timed, best of 3, each in a fresh process:
  grep      `grep -F <uid> FILE > OUT`
  ours      lib.logs.stream.raw_lines (1 MiB chunks cut at the last newline) with a Needles built
            from the migration's objects, the selected lines written to OUT
OUT is a file, not /dev/null: GNU grep stops at the first match when its output is /dev/null.
Both outputs must be identical. Peak RSS of each child comes from GNU time (os.wait4 as a fallback:
its figure includes the parent's own peak, see _run).
Done at MIG_BENCH_LOG_MB/4 and MIG_BENCH_LOG_MB megabytes (default 1024).
Target: ours within 3x of grep's time, and a peak RSS that stays flat as the log grows.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid

from bench.measure import run as run_measured
from tests.simproc import ROOT

UID = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"   # the migration's name, which its Backups etc. carry
RUNS = 3
CHUNK = 1 << 20
BLOCK = 4 << 20      # the generator writes blocks of about this size
BLOCKS = 16          # distinct blocks, written in turn


# --- the migration, as Needles sees it (no graph: a bare object with its attributes) ---------
def _obj(name: str, uid: str = "") -> dict:
    return {"metadata": {"name": name, "uid": uid or str(uuid.uuid4())}}


class _Graph:
    migration = _obj(UID)                        # its metadata.uid differs, like a real MigMigration
    migrations: list = []
    plan = _obj("rocket-chat-plan")              # never in the log
    backups = [_obj(f"{UID}-4jq7n"), _obj(f"{UID}-x8k2p")]
    restores = [_obj(f"{UID}-r2m9d"), _obj(f"{UID}-w5t7c")]
    pvbs = [_obj(f"{UID}-4jq7n-h8z2q")]
    pvrs = [_obj(f"{UID}-r2m9d-k3v6b")]


# --- the log -------------------------------------------------------------------------------
MSGS = [
    ('Backing up item', 'logSource="pkg/backup/item_backupper.go:169" name={pod} namespace={ns} resource=pods'),
    ('Executing custom action', 'logSource="pkg/backup/item_backupper.go:330" name={pod} namespace={ns} resource=pods'),
    ('Skipping persistent volume snapshot because volume has already been backed up with restic.',
     'logSource="pkg/backup/item_backupper.go:411" name=pvc-{n:08x} namespace= persistentVolume=pvc-{n:08x} '
     'resource=persistentvolumes'),
    ('Waiting for all pod volume backups to complete', 'logSource="pkg/restic/backupper.go:154" name={pod} '
     'namespace={ns}'),
    ('Restoring resource \'pods\' into namespace \'{ns}\'', 'logSource="pkg/restore/restore.go:1082"'),
]
NAMESPACES = ["rocket-chat", "sock-shop", "mssql-example", "nginx-example", "robot-shop", "parks-app"]


def _block(rng: random.Random, others: list[str], start: int) -> bytes:
    """About BLOCK bytes of whole lines; one line in a hundred concerns UID."""
    out, size, n = [], 0, start
    while size < BLOCK:
        n += 1
        s, frac = divmod(n, 1000)
        hh, mm, ss = s // 3600 % 24, s // 60 % 60, s % 60
        who = f"{UID}-{rng.choice(('4jq7n', 'x8k2p'))}" if rng.random() < 0.01 else rng.choice(others)
        kind = "restore" if rng.random() < 0.2 else "backup"
        msg, rest = rng.choice(MSGS)
        ns = rng.choice(NAMESPACES)
        pod = f"{ns}-{rng.randrange(16 ** 5):05x}-{rng.randrange(36 ** 5):x}"
        line = (f'2019-09-11T{hh:02}:{mm:02}:{ss:02}.{frac:03}000000Z time="2019-09-11T{hh:02}:{mm:02}:{ss:02}Z" '
                f'level=info msg="{msg.format(ns=ns)}" {kind}=openshift-migration/{who} '
                f'{rest.format(pod=pod, ns=ns, n=n)}\n')
        out.append(line)
        size += len(line)
    return "".join(out).encode()


def generate(path: str, mb: int) -> int:
    """Write `mb` MiB (cut at a newline) of log to `path`; return how many lines name UID."""
    rng = random.Random(42)
    others = [f"{uuid.UUID(int=rng.getrandbits(128), version=1)}-{rng.randrange(36 ** 5):x}" for _ in range(300)]
    blocks = [_block(rng, others, i * 100_000) for i in range(BLOCKS)]
    left, i, want = mb << 20, 0, 0
    with open(path, "wb", buffering=0) as f:
        while left > 0:
            b = blocks[i % BLOCKS]
            if len(b) > left:
                b = b[:b.rfind(b"\n", 0, left) + 1]
            f.write(b)
            want += b.count(UID.encode())
            left -= len(b) or left
            i += 1
    return want


# --- the filter, run in a child: `python -m bench.logs _filter FILE OUT` ------------------------
class _FileSource:
    """A stand-in for the API source: the container's log is the file, read in 1 MiB chunks."""

    def __init__(self, path: str):
        self.path = path

    def logs(self, cluster, namespace, pod, container, **opts):
        with open(self.path, "rb", buffering=0) as f:
            while chunk := f.read(CHUNK):
                yield chunk


def _filter(path: str, out_path: str) -> None:
    from lib.logs.filter import Needles
    from lib.logs.select import Target
    from lib.logs.stream import raw_lines
    t = Target(cluster="source", source="velero", pod="velero-0", container="velero", namespace="openshift-migration")
    with open(out_path, "wb") as out:
        for stamp, data in raw_lines(_FileSource(path), t, Needles(_Graph)):
            out.write(f"{stamp} ".encode() + data if stamp else data)   # the line as it came


# --- measurement -----------------------------------------------------------------------------
def _run(cmd: list[str], out_path: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child writing its stdout to out_path."""
    with open(out_path, "wb") as out:
        wall, rss, _ = run_measured(cmd, stdout=out, cwd=ROOT, ok=(0, 1))   # grep: 1 = nothing matched
    return wall, rss


def _best(cmd: list[str], out_path: str) -> tuple[float, float]:
    runs = [_run(cmd, out_path) for _ in range(RUNS)]
    return min(w for w, _ in runs), max(r for _, r in runs)


def measure(tmp: str, mb: int) -> dict:
    log, g_out, o_out = (os.path.join(tmp, n) for n in ("velero.log", "grep.out", "ours.out"))
    t0 = time.perf_counter()
    want = generate(log, mb)
    gen = time.perf_counter() - t0
    subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)  # into the page cache
    g_s, g_rss = _best(["grep", "-F", UID, log], g_out)
    # the child writes to a file named on its command line; its stdout (the same file) stays unused
    o_s, o_rss = _best([sys.executable, "-m", "bench.logs", "_filter", log, o_out], os.devnull)
    with open(g_out, "rb") as a, open(o_out, "rb") as b:
        g_lines, ours = a.read(), b.read()
    n = g_lines.count(b"\n")
    assert g_lines == ours, f"outputs differ: grep {n} lines, ours {len(ours.splitlines())}"
    assert n == want, f"{n} lines matched, {want} name the migration"
    os.remove(log)
    r = {"log_mb": mb, "generate_s": round(gen, 2), "matched_lines": n, "grep_s": round(g_s, 3),
         "ours_s": round(o_s, 3), "ratio": round(o_s / g_s, 2), "grep_peak_rss_mb": round(g_rss, 1),
         "ours_peak_rss_mb": round(o_rss, 1)}
    print(f"{mb} MiB ({n} of the lines match): grep {g_s:.3f}s, ours {o_s:.3f}s, ratio {o_s / g_s:.2f}; "
          f"peak RSS grep {g_rss:.1f} MiB, ours {o_rss:.1f} MiB (generated in {gen:.1f}s)", flush=True)
    return r


def main() -> dict:
    mb = int(os.environ.get("MIG_BENCH_LOG_MB", "1024"))
    with tempfile.TemporaryDirectory(prefix="mig-bench-logs-") as tmp:
        small, big = measure(tmp, max(1, mb // 4)), measure(tmp, mb)
    growth = big["ours_peak_rss_mb"] - small["ours_peak_rss_mb"]
    print(f"ours: peak RSS grows {growth:+.1f} MiB from {small['log_mb']} to {big['log_mb']} MiB of log; "
          f"ratio to grep {small['ratio']:.2f} / {big['ratio']:.2f} (target: within 3x, RSS flat)")
    return {"small": small, "big": big, "ours_rss_growth_mb": round(growth, 1)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["_filter"]:
        _filter(*sys.argv[2:4])
    else:
        main()
