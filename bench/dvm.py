"""mig-verify on a running direct volume migration of N PVCs (issue 11: `dvm-long-running` with 500 PVCs stays
within issue 4's request budget: a constant number of list calls per kind and cluster, no get per PVC).

The scenario is tests/scenarios/dvm-long-running.yaml with its DVM grown to N PVCs: a DVMP per PVC (named as
mig-controller names them, md5(<dvm><pvc><ns>)) and a running rsync client pod per PVC on the source. The API
requests of one `kubectl mig-verify` are counted per cluster through the emulator's control endpoint, for the
scenario as is (3 PVCs) and grown: the counts must be equal. Knobs: MIG_BENCH_DVM_PVCS (default 500),
MIG_BENCH_RUNS (default 5, median wall time).
"""

from __future__ import annotations

import copy
import os
import statistics
import tempfile

import yaml

from lib import mtc
from tests.emulator.scenario import SCENARIO_DIR, _Loader
from tests.simproc import plugin_env, serve

from .verify import _requests, _time

MIGRATION = "7e0c1a22-9b4f-4c61-8d0e-2f6a1c9b5e01"
CMD = ["kubectl", "mig-verify", MIGRATION]
RC = 3          # RUNNING


def grown(path: str, pvcs: int) -> str:
    """dvm-long-running with `pvcs` PVCs in its DVM, each with its DVMP and rsync client pod."""
    doc = yaml.load((SCENARIO_DIR / "dvm-long-running.yaml").read_text(), Loader=_Loader)
    host, source = doc["objects"]["host"], doc["objects"]["source"]
    dvm = next(x for x in host if x["kind"] == "DirectVolumeMigration")
    dvmp0 = next(x for x in host if x["kind"] == "DirectVolumeMigrationProgress" and x["status"]["phase"] == "Running")
    pod0 = next(x for x in source if x["kind"] == "Pod")
    plan = next(x for x in host if x["kind"] == "MigPlan")
    pv0 = plan["spec"]["persistentVolumes"][0]
    for i in range(pvcs - len(dvm["spec"]["persistentVolumeClaims"])):
        name = f"data-{i:04d}"
        dvm["spec"]["persistentVolumeClaims"].append({"name": name, "namespace": "inventory", "targetName": name,
                                                      "targetNamespace": "inventory", "targetStorageClass": "gp2"})
        pv = copy.deepcopy(pv0)
        pv["name"], pv["pvc"]["name"] = f"pvc-{i:04d}-bench", name
        plan["spec"]["persistentVolumes"].append(pv)
        dvmp = copy.deepcopy(dvmp0)
        dvmp["metadata"]["name"] = mtc.dvmp_name(dvm["metadata"]["name"], name, "inventory")
        dvmp["spec"]["podSelector"] = {mtc.RSYNC_PVC: mtc.md5(name)}
        dvmp["status"]["podName"] = f"rsync-b{i:04d}"
        host.append(dvmp)
        pod = copy.deepcopy(pod0)
        pod["metadata"]["name"] = f"rsync-b{i:04d}"
        pod["metadata"]["labels"][mtc.RSYNC_PVC] = mtc.md5(name)
        source.append(pod)
    doc["include"] = [str(SCENARIO_DIR / inc) for inc in doc.get("include") or []]
    doc.pop("expect", None)
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    return path


def _one(scenario: str, runs: int) -> dict:
    with serve(scenario) as kubeconfig:
        env = plugin_env(kubeconfig)
        _requests(kubeconfig, "DELETE")
        _time(CMD, env, RC)                                   # warm-up, and the run counted
        counts = _requests(kubeconfig, "GET")
        median = statistics.median(_time(CMD, env, RC) for _ in range(runs))
    return {"median_s": round(median, 3), "runs": runs, "requests": counts, "requests_total": sum(counts.values())}


def main() -> dict:
    pvcs = int(os.environ.get("MIG_BENCH_DVM_PVCS", "500"))
    runs = int(os.environ.get("MIG_BENCH_RUNS", "5"))
    out = {"3 PVCs": _one("dvm-long-running", runs)}
    with tempfile.TemporaryDirectory(prefix="mig-bench-dvm-") as tmp:
        out[f"{pvcs} PVCs"] = _one(grown(os.path.join(tmp, "dvm.yaml"), pvcs), runs)
    for label, r in out.items():
        per = ", ".join(f"{k} {v}" for k, v in r["requests"].items())
        print(f"mig-verify dvm-long-running, {label}: median {r['median_s']:.3f}s of {runs}; "
              f"{r['requests_total']} API requests ({per})", flush=True)
    small, big = out["3 PVCs"]["requests"], out[f"{pvcs} PVCs"]["requests"]
    out["constant"] = small == big
    if small != big:
        raise RuntimeError(f"requests grow with the PVCs: {small} -> {big}")
    return out


if __name__ == "__main__":
    main()
