"""`make demo`: emulated clusters with a failed migration, and the plugins run against them via kubectl.

    python -m tests.demo [--scenario restic-timeout]

Every command is printed as a user would type it, followed by what it printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

from tests.simproc import ROOT, plugin_env, serve


def _sh(cmd: list[str], env: dict) -> int:
    print(f"\n$ {' '.join(cmd)}", flush=True)
    r = subprocess.run(cmd, env=env)
    if r.returncode:
        print(f"(exit code {r.returncode})", flush=True)
    return r.returncode


def _failed_first(migs: list[dict]) -> dict:
    def failed(m):
        return any(c.get("type") in ("Failed", "SucceededWithWarnings") for c in (m.get("status") or {}).get("conditions") or [])
    return sorted(migs, key=lambda m: (not failed(m), m["metadata"].get("creationTimestamp", "")))[0]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="make demo")
    p.add_argument("--scenario", default="restic-timeout")
    args = p.parse_args(argv)
    built = {f.name for f in (ROOT / "dist").glob("kubectl-mig_*")}
    with serve(args.scenario) as kubeconfig:
        env = plugin_env(kubeconfig)
        print(f"Emulated clusters of scenario '{args.scenario}' are up; KUBECONFIG={kubeconfig} "
              f"(contexts host, source, target). Plugins are found by kubectl on PATH=dist/.")
        items = json.loads(subprocess.run(
            ["kubectl", "get", "migmigrations", "-n", "openshift-migration", "-o", "json"],
            env=env, capture_output=True, text=True, check=True).stdout)["items"]
        if not items:
            print("the scenario has no MigMigration", file=sys.stderr)
            return 1
        mig = _failed_first(items)
        name = mig["metadata"]["name"]
        plan = (mig.get("spec") or {}).get("migPlanRef", {}).get("name", "")
        plans = json.loads(subprocess.run(
            ["kubectl", "get", "migplans", "-n", "openshift-migration", "-o", "json"],
            env=env, capture_output=True, text=True, check=True).stdout)["items"]
        nss = next((pl["spec"].get("namespaces") or [] for pl in plans if pl["metadata"]["name"] == plan), [])
        project = nss[0].split(":")[-1] if nss else ""

        steps = [["kubectl", "mig-crs"], ["kubectl", "mig-crs", name], ["kubectl", "mig-crs", name, "-o", "wide"]]
        if "kubectl-mig_verify" in built:
            steps += [["kubectl", "mig-verify", name], ["kubectl", "mig-verify", name, "--timeline"]]
        if "kubectl-mig_logs" in built:
            steps += [["kubectl", "mig-logs", name, "--level", "error"]]
        if "kubectl-mig_rollback" in built and project:
            steps += [["kubectl", "mig-rollback", project]]
        dest = tempfile.mkdtemp(prefix="mig-demo-gather-")
        if "kubectl-mig_gather" in built:
            steps += [["kubectl", "mig-gather", name, "--dest-dir", dest],
                      ["kubectl", "mig-verify", name, "--must-gather", f"{dest}/must-gather.tar.gz"]]
        for cmd in steps:
            _sh(cmd, env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
