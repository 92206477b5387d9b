"""Peak RSS of mig-gather, mig-logs and mig-verify on a Velero log with 10 MB lines (target: under
150 MB each; memory bounded by the line, not a multiple of it).

The restic-timeout scenario's source Velero log gets MIG_BENCH_LONG_LINES (default 6) lines of
MIG_BENCH_LINE_MB MB (default 10), each naming the migration: a logrus line whose quoted message is
full of escaped quotes (what made logline's pair regex keep state per character: 1.4 GB for one
line), a single 10 MB word, and a zap JSON line, with ordinary lines between them.
mig-gather collects it from the emulated clusters; mig-logs and mig-verify read the bundle.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from bench import measure
from tests.emulator.scenario import SCENARIO_DIR
from tests.simproc import plugin_env, serve_split

MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
NS = "openshift-migration"


def _log(path: Path, lines: int, size: int) -> None:
    with open(path, "w") as f:
        for i in range(lines):
            f.write(f'2019-09-02T11:10:{i:02d}.000000Z time="2019-09-02T11:10:{i:02d}Z" level=info '
                    f'msg="restore item backup={MIG}" logSource="pkg/restore/restore.go:1"\n')
            kind = i % 3
            if kind == 0:
                body = 'a \\"quoted\\" word ' * (size // 19)
                f.write(f'2019-09-02T11:11:{i:02d}.000000Z time="2019-09-02T11:11:{i:02d}Z" level=error '
                        f'msg="{body}" backup={NS}/{MIG}\n')
            elif kind == 1:
                f.write(f'2019-09-02T11:11:{i:02d}.000000Z time="2019-09-02T11:11:{i:02d}Z" level=warning '
                        f'backup={NS}/{MIG} msg={"x" * size}\n')
            else:
                f.write(f'2019-09-02T11:11:{i:02d}.000000Z {{"level":"error","ts":1567422642.1,"msg":"'
                        f'{"y" * size}","migMigration":"{MIG}"}}\n')


def main() -> dict:
    lines = int(os.environ.get("MIG_BENCH_LONG_LINES", "6"))
    size = int(float(os.environ.get("MIG_BENCH_LINE_MB", "10")) * 1e6)
    out: dict = {"lines": lines, "lineMB": size / 1e6}
    with tempfile.TemporaryDirectory(prefix="mig-bench-longlines-") as tmp:
        work = Path(tmp)
        log = work / "velero.log"
        _log(log, lines, size)
        scenario = work / "long.yaml"
        scenario.write_text(yaml.safe_dump({
            "description": "restic-timeout with 10 MB log lines", "include": [str(SCENARIO_DIR / "restic-timeout.yaml")],
            "logs": {"source": {f"{NS}/velero-7d9c4b8f5-x2x7q/velero": str(log)}}}))
        with serve_split(str(scenario), timeout=300) as kubeconfig:
            env = plugin_env(kubeconfig, XDG_STATE_HOME=str(work / "state"), HOME=str(work))
            dest = work / "out"
            wall, rss, _ = measure.run(["kubectl", "mig-gather", "--no-archive", "--dest-dir", str(dest)], env=env,
                                       ok=(0, 1, 69))
            out["mig-gather"] = {"seconds": round(wall, 2), "peakRssMB": round(rss, 1)}
            print(f"  mig-gather: {wall:6.2f} s, peak RSS {rss:5.1f} MB", flush=True)
        bundle = next(dest.glob("must-gather.local.*"))
        for name, args in (("mig-logs", ["mig-logs", MIG, "--must-gather", str(bundle), "--log-source", "velero"]),
                           ("mig-verify", ["mig-verify", MIG, "--must-gather", str(bundle)])):
            wall, rss, _ = measure.run(["kubectl", *args], env=env, ok=(0, 1, 2, 3, 69))
            out[name] = {"seconds": round(wall, 2), "peakRssMB": round(rss, 1)}
            print(f"  {name}: {wall:6.2f} s, peak RSS {rss:5.1f} MB", flush=True)
    worst = max(v["peakRssMB"] for k, v in out.items() if isinstance(v, dict))
    print(f"  worst peak RSS {worst} MB (target < 150 MB)", flush=True)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
