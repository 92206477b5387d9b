"""Check 4: the Velero Backups (source) and Restores (target) of the migration."""

from __future__ import annotations

from .. import objects as o
from ..graph import velero_role
from .registry import Finding, check, ref

BAD = {"Failed": "error", "PartiallyFailed": "error", "FailedValidation": "error"}


@check("velero-backup-failed", "velero-restore-failed", "velero-warnings", "restore-pvr-failed")
def velero_objects(f):
    ns = f.src.namespace
    for role, items, kind in (("source", f.graph.backups, "backup"), ("target", f.graph.restores, "restore")):
        for v in items:
            st = o.status(v)
            phase = st.get("phase") or "New"
            name = o.name(v)
            if phase in BAD:
                ev = [f"{v['kind']} {name} ({velero_role(v)}): phase {phase}, errors {st.get('errors', 0)}, "
                      f"warnings {st.get('warnings', 0)}"]
                if st.get("failureReason"):
                    ev.append(f"failureReason: {st['failureReason']}")
                ev += [f"validationErrors: {x}" for x in st.get("validationErrors") or []]
                yield Finding(id=f"velero-{kind}-failed", severity="error",
                              title=f"Velero {kind} {phase}: {velero_role(v)}", cluster=role,
                              objects=[ref(v)], evidence=ev,
                              fix=[f"oc logs deployment/velero -n {ns} --context <{role}> | grep {name}",
                               f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source velero --level error"])
            elif phase == "Completed" and int(st.get("warnings") or 0):
                yield Finding(id="velero-warnings", severity="info",
                              title=f"Velero {kind} completed with {st['warnings']} warnings",
                              cluster=role, objects=[ref(v)], evidence=[f"{v['kind']} {name}: warnings {st['warnings']}"],
                              fix=[f"oc mig-logs {o.name(f.mig)} --cluster {role} --log-source velero --level warning"])
            if kind == "restore" and phase == "Completed":
                failed = [p for p in f.graph.pvrs_of(v) if o.phase(p) == "Failed"]
                if failed:
                    yield Finding(id="restore-pvr-failed", severity="error",
                                  title="Restore says Completed but PodVolumeRestores failed: the volume data was not restored",
                                  cluster=role, objects=[ref(v)] + [ref(p) for p in failed],
                                  evidence=[f"Restore {name}: phase Completed"] +
                                  [f"PodVolumeRestore {o.name(p)}: phase Failed, volume {o.spec(p).get('volume')}, "
                                   f"message: {o.status(p).get('message', '')}" for p in failed],
                                  fix=["Do not use the application on the target with this data; roll back "
                                   "(oc mig-rollback) and migrate again once the restic pods are healthy."])
