"""Wall time of `kubectl mig-verify <migration>` and `kubectl mig-crs <prefix>` against the emulator,
on the restic-timeout scenario and on a stage migration with 2,000 PodVolumeRestores (sock-shop
plus generated objects; issue: at most 25 API requests there).

The emulator serves each scenario out of process; each command runs once to warm up
(zipapp unpacked, bytecode written), then MIG_BENCH_RUNS times (default 5) and the median is
reported. mig-verify exits 1 there (the migration failed): that is expected. The API requests one
run makes are counted per cluster through the emulator's /_emulator/requests control endpoint.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time

import yaml

from tests.emulator.scenario import SCENARIO_DIR
from tests.simproc import control, plugin_env, serve

SCENARIO = "restic-timeout"
MIGRATION = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
COMMANDS = {
    "mig-verify": (["kubectl", "mig-verify", MIGRATION], 1),   # (command, expected exit code)
    "mig-crs": (["kubectl", "mig-crs", MIGRATION[:8]], 0),
}
BIG = "big-stage-migration"
BIG_COMMANDS = {
    "mig-verify (2,000 PodVolumeRestores)": (["kubectl", "mig-verify", BIG], 0),
    "mig-crs (2,000 PodVolumeRestores)": (["kubectl", "mig-crs", BIG], 0),
}


def big_scenario(path: str, pvrs: int = 2000) -> str:
    """sock-shop-success plus a completed stage migration whose Restore has `pvrs` PodVolumeRestores."""
    ns, uid = "openshift-migration", "0b1c2d3e-0000-11ea-b7f5-0a580a83000e"
    target = [{"apiVersion": "velero.io/v1", "kind": "Restore", "metadata": {
        "name": f"{BIG}-r1", "namespace": ns, "labels": {"migmigration": uid, "migration-stage-restore": uid}},
        "spec": {"backupName": f"{BIG}-b1"}, "status": {"phase": "Completed"}}]
    target += [{"apiVersion": "velero.io/v1", "kind": "PodVolumeRestore", "metadata": {
        "name": f"{BIG}-r1-{i:04d}", "namespace": ns, "labels": {"velero.io/restore-name": f"{BIG}-r1"}},
        "spec": {"volume": f"v{i}", "pod": {"namespace": "sock-shop", "name": f"p{i}"}},
        "status": {"phase": "Completed", "resticPod": "restic-nr2v5"}} for i in range(pvrs)]
    host = [{"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigMigration", "metadata": {
        "name": BIG, "namespace": ns, "uid": uid, "creationTimestamp": "2019-08-30T01:00:00Z"},
        "spec": {"migPlanRef": {"name": "socks-shop-mig-plan", "namespace": ns}, "stage": True},
        "status": {"phase": "Completed", "startTimestamp": "2019-08-30T01:00:00Z", "conditions": [
            {"type": "Succeeded", "status": "True", "category": "Advisory", "lastTransitionTime": "2019-08-30T02:00:00Z"}]}}]
    with open(path, "w") as f:
        yaml.safe_dump({"description": "benchmark: 2,000 PodVolumeRestores",
                        "include": [str(SCENARIO_DIR / "sock-shop-success.yaml")],
                        "objects": {"host": host, "target": target}}, f)
    return path


def _time(cmd: list[str], env: dict, rc: int) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != rc:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return time.perf_counter() - t0


def _requests(kubeconfig: str, method: str) -> dict:
    """Each cluster's request log (GET, as a count) or its reset (DELETE), through the control API."""
    return {ctx: len(control(kubeconfig, ctx, method, "requests").get("requests", []))
            for ctx in ("host", "source", "target")}


def _measure(scenario: str, commands: dict, runs: int, out: dict) -> None:
    with serve(scenario) as kubeconfig:
        env = plugin_env(kubeconfig)
        for label, (cmd, rc) in commands.items():
            _requests(kubeconfig, "DELETE")
            _time(cmd, env, rc)                                  # warm-up, and the run counted
            counts = _requests(kubeconfig, "GET")
            median = statistics.median(_time(cmd, env, rc) for _ in range(runs))
            out[label] = {"median_s": round(median, 3), "runs": runs, "requests": counts,
                          "requests_total": sum(counts.values())}
            per = ", ".join(f"{k} {v}" for k, v in counts.items())
            print(f"{label}: median {median:.3f}s of {runs}; {sum(counts.values())} API requests ({per})",
                  flush=True)


def main() -> dict:
    runs = int(os.environ.get("MIG_BENCH_RUNS", "5"))
    out: dict = {}
    _measure(SCENARIO, COMMANDS, runs, out)
    with tempfile.TemporaryDirectory(prefix="mig-bench-verify-") as tmp:
        _measure(big_scenario(os.path.join(tmp, "big.yaml")), BIG_COMMANDS, runs, out)
    return out


if __name__ == "__main__":
    main()
