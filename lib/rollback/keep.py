"""Before any change, the plan and its migrations are saved next to the journal (as `oc get -o yaml` prints
them), with a copy of the plan fit for `oc create -f`: BZ#1784899's "delete the plan and re-create it with its
PV settings" then loses nothing.

Both files are redacted as mig-gather redacts (lib/redact.py): a MigPlan holds references (clusters,
storage, PV selections), no secret, so re-creating it needs nothing redaction takes; what it takes (a
last-applied configuration, a password in an annotation or a URL, a Velero object's credentials) must
not sit in a file that support cases carry around."""

from __future__ import annotations

import copy
from pathlib import Path

from .. import objects as o
from ..errors import MigError
from ..render import dump
from .resolve import Context

SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
                 "ownerReferences", "finalizers", "deletionTimestamp")


def recreatable(plan: dict) -> dict:
    """The MigPlan without what the server owns (status, UID, versions), its PV selections kept."""
    p = copy.deepcopy(plan)
    p.pop("status", None)
    md = p.setdefault("metadata", {})
    for k in SERVER_FIELDS:
        md.pop(k, None)
    (md.get("annotations") or {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
    p.setdefault("apiVersion", "migration.openshift.io/v1alpha1")
    p.setdefault("kind", "MigPlan")
    return p


def save(ctx: Context, journal_path: Path, extra: list | None = None) -> tuple[Path, Path]:
    """Write <journal>.saved.yaml (plan, migrations, Velero objects to be deleted) and <journal>.migplan.yaml."""
    base = Path(str(journal_path).removesuffix(".jsonl"))
    saved, plan_file = Path(f"{base}.saved.yaml"), Path(f"{base}.migplan.yaml")
    from ..redact import Redactor

    r = Redactor()
    items = [ctx.plan] + list(ctx.migrations) + list(ctx.rollbacks) + list(extra or [])
    for x in items:
        r.learn(x)
    items = [r.obj(x) for x in items]
    try:
        saved.parent.mkdir(parents=True, exist_ok=True)
        with open(saved, "w") as f:
            dump({"apiVersion": "v1", "kind": "List", "items": items}, "yaml", f)
        with open(plan_file, "w") as f:
            dump(recreatable(items[0]), "yaml", f)
    except OSError as e:
        raise MigError(f"cannot save the plan before changing anything: {saved}: {e.strerror or e}") from None
    return saved, plan_file


def recreate_command(ctx: Context, plan_file: Path, namespace: str) -> str:
    return f"oc delete migplan {o.name(ctx.plan)} -n {namespace} && oc create -f {plan_file}"
