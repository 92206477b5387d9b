"""Check 4: the Velero Backups (source) and Restores (target) of the migration."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .. import mtc
from .. import objects as o
from ..errors import MigError
from ..facts import Facts
from ..graph import velero_role
from ..velero_log import grouped_errors
from .registry import Finding, check, ref

BAD = {"Failed": "error", "PartiallyFailed": "error", "FailedValidation": "error"}


def root_causes(f, role: str, v: dict) -> list[str]:
    """The distinct error lines of this Backup's/Restore's own log, grouped by cause and counted, with
    the objects they concern; for a Restore, also the items its results list as failed."""
    entries, where = f.velero_log(role, v)
    out = [f"{v['kind']} {o.name(v)}'s log ({where}): {line}" for line in grouped_errors(entries)] if where else []
    if v.get("kind") == "Restore" and o.phase(v) in ("PartiallyFailed", "Failed"):
        out += restore_results(f, role, v)
    return out


def restore_results(f, role: str, v: dict) -> list[str]:
    """What `velero restore describe` lists under Errors: per namespace, the items that failed and why."""
    try:
        data = json.loads(f.download(role, "RestoreResults", o.name(v)) or b"{}")
    except (MigError, ValueError, RecursionError):
        return []        # the log's grouped lines stand; a missing results file is not a finding
    errors = o.dig(data, "errors")
    errors = errors if isinstance(errors, dict) else {}      # results of another shape: none read
    out = []
    for scope in ("velero", "cluster"):
        out += [f"Restore {o.name(v)} results, {scope}: {e}" for e in o.items(errors.get(scope))]
    spaces = errors.get("namespaces")
    for ns, items in sorted((spaces if isinstance(spaces, dict) else {}).items()):
        out += [f"Restore {o.name(v)} results, namespace {ns}: {e}" for e in o.items(items)]
    return out[:20] + ([f"... {len(out) - 20} more failed items"] if len(out) > 20 else [])


def velero_cli(f, role: str) -> str:
    """The Velero CLI of the cluster that ran the Backup/Restore, as MTC's troubleshooting documents it: the binary
    inside the velero pod, so no local velero is needed and its version matches the server's (CAM 1.x: `oc exec
    $(oc get pods -n openshift-migration -o name | grep velero) -- ./velero ...`; MTC 1.4+: `oc exec
    deployment/velero -c velero -- ./velero ...`)."""
    from .restic import context_of

    return f"oc exec deployment/velero -c velero -n {f.src.namespace} --context {context_of(f, role)} -- ./velero"


@check("velero-backup-failed", "velero-restore-failed", "velero-warnings", "restore-pvr-failed",
       logs={"source": ("velero",), "target": ("velero",)}, data_not_copied=("restore-pvr-failed",))
def velero_objects(f: Facts) -> Iterator[Finding]:
    for role, items, kind in (("source", f.graph.backups, "backup"), ("target", f.graph.restores, "restore")):
        for v in items:
            st = o.status(v)
            phase = o.phase(v) or "New"
            name = o.name(v)
            if phase in BAD:
                ev = [f"{v['kind']} {name} ({velero_role(v)}): phase {phase}, errors {st.get('errors', 0)}, "
                      f"warnings {st.get('warnings', 0)}"]
                if st.get("failureReason"):
                    ev.append(f"failureReason: {st['failureReason']}")
                ev += [f"validationErrors: {x}" for x in o.items(st.get("validationErrors"))]
                if f.reachable(role):
                    ev += root_causes(f, role, v)
                yield Finding(id=f"velero-{kind}-failed", severity="error",
                              title=f"Velero {kind} {phase}: {velero_role(v)}", cluster=role,
                              objects=[ref(v)], evidence=ev,
                              fix=[f"{velero_cli(f, role)} {kind} logs {name}    # its own log, as read here",
                               f"{velero_cli(f, role)} {kind} describe {name} --details",
                               f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source velero --level error"])
            elif phase == "Completed" and o.number(st.get("warnings")):
                yield Finding(id="velero-warnings", severity="info",
                              title=f"Velero {kind} completed with {st['warnings']} warnings",
                              cluster=role, objects=[ref(v)], evidence=[f"{v['kind']} {name}: warnings {st['warnings']}"],
                              fix=[f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source velero --level warning"])
            if kind == "restore" and phase == "Completed":
                failed = [p for p in f.graph.pvrs_of(v) if o.phase(p) in mtc.PV_FAILED]
                if failed:
                    yield Finding(id="restore-pvr-failed", severity="error",
                                  title="Restore says Completed but PodVolumeRestores failed: the volume data was not restored",
                                  cluster=role, objects=[ref(v)] + [ref(p) for p in failed],
                                  evidence=[f"Restore {name}: phase Completed"] +
                                  [f"PodVolumeRestore {o.name(p)}: phase {o.phase(p)}, volume {o.spec(p).get('volume')}, "
                                   f"message: {o.status(p).get('message', '')}" for p in failed],
                                  fix=["Do not use the application on the target with this data; roll back "
                                   "(oc mig-rollback) and migrate again once the restic pods are healthy."])
