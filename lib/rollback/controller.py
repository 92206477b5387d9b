"""--via-controller: MTC's own rollback (MTC 1.3+), a MigMigration with spec.rollback: true, followed phase by
phase on stderr. On failure: where it stopped, and the manual plan instead."""

from __future__ import annotations

import time

from .. import objects as o
from ..errors import MigError
from .resolve import Context

POLL_S = 1.0


def rollback_migration(ctx: Context, namespace: str) -> dict:
    return {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigMigration",
            "metadata": {"generateName": f"{o.name(ctx.plan)[:40]}-rollback-", "namespace": namespace,
                         "labels": {"mig-tools/created-by": "mig-rollback"}},
            "spec": {"migPlanRef": {"name": o.name(ctx.plan), "namespace": namespace},
                     "rollback": True, "stage": False, "quiescePods": False}}


def where(mig: dict) -> str:
    st = o.status(mig)
    failed = [p.get("name") for p in st.get("pipeline") or [] if p.get("failed")]
    errs = "; ".join(st.get("errors") or []) or (o.condition(mig, "Failed") or {}).get("message", "")
    return (f"phase {st.get('phase') or '?'}" + (f", step {failed[0]}" if failed else "")
            + (f": {errs}" if errs else ""))


def follow(client, name: str, namespace: str, timeout: float, err, sleep=time.sleep) -> dict:
    """Poll the MigMigration until it ends; one stderr line per new phase."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        mig = client.get_or_none("MigMigration", name, namespace)
        if mig is None:
            raise MigError(f"rollback MigMigration {namespace}/{name} disappeared")
        phase = o.status(mig).get("phase") or "(not started)"
        if phase != last:
            running = o.condition(mig, "Running") or {}
            step = running.get("message", "")
            err.write(f"controller: {phase}" + (f" ({step})" if step else "") + "\n")
            err.flush()
            last = phase
        if o.outcome(mig):
            return mig
        if time.monotonic() > deadline:
            raise MigError(f"rollback MigMigration {namespace}/{name} still at {where(mig)} after {int(timeout)}s; "
                           f"follow it with: oc get migmigration {name} -n {namespace} -w")
        sleep(POLL_S)


def run_via_controller(src, ctx: Context, timeout: float, err) -> dict:
    host = src.client("host")
    created = host.create("MigMigration", rollback_migration(ctx, src.namespace), src.namespace)
    name = o.name(created)
    if o.spec(created).get("rollback") is not True:
        # A CRD older than MTC 1.3 prunes spec.rollback: what was created is an ordinary final migration.
        host.delete("MigMigration", name, src.namespace, uid=o.uid(created))
        raise MigError(f"this MTC does not know spec.rollback (MTC 1.3+): the API server dropped it, so MigMigration "
                       f"{name} was deleted at once; run mig-rollback without --via-controller")
    err.write(f"created MigMigration {src.namespace}/{name} (spec.rollback: true) for plan {o.name(ctx.plan)}\n")
    return follow(host, name, src.namespace, timeout, err)
