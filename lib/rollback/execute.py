"""Apply a rollback plan: journal before and after every change; deletes carry a uid precondition;
409 -> re-read and retry; 403 or an unreachable cluster -> stop and say what was done and what remains."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import objects as o
from ..errors import ApiError, MigError
from ..mtc import VM_SUBRESOURCE
from .journal import Journal
from .leftovers import delete_backup_request
from .plan import Action, Plan

WAIT_GONE_S = 60.0
CONFLICT_RETRIES = 5


@dataclass
class Outcome:
    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)     # (action, why)
    remaining: list = field(default_factory=list)
    stopped: str = ""


class Stopped(MigError):
    def __init__(self, message: str, code: int, outcome: Outcome):
        super().__init__(message, code)
        self.outcome = outcome


def _apply(client, a: Action, journal: Journal) -> str:
    """Perform one action; returns 'done' or why it was skipped."""
    for _attempt in range(CONFLICT_RETRIES):
        cur = client.get_or_none(a.kind, a.name, a.namespace or None)
        if cur is None:
            return "already gone" if a.verb == "delete" else "no longer exists"
        if a.uid and (cur.get("metadata") or {}).get("uid") != a.uid:
            return "replaced by another object of the same name since the plan was made: not ours"
        journal.record("start", a.key, before=cur)
        try:
            if a.verb == "delete":
                client.delete(a.kind, a.name, a.namespace or None, "Background", uid=a.uid)
            elif a.verb == "request-deletion":
                client.create("DeleteBackupRequest", delete_backup_request(cur), a.namespace)
            elif a.verb == "start":     # KubeVirt's subresource, as mig-controller's startVM: StartOptions {}
                client.request("PUT", VM_SUBRESOURCE.format(namespace=a.namespace, name=a.name, action="start"),
                               body={}, what=f"start VirtualMachine {a.namespace}/{a.name}")
            else:
                body = {**a.patch, "metadata": {**(a.patch.get("metadata") or {}),
                                                "resourceVersion": cur["metadata"]["resourceVersion"]}}
                client.patch(a.kind, a.name, a.namespace or None, body, "merge")
            journal.record("done", a.key)
            return "done"
        except ApiError as e:
            if e.status == 404:
                journal.record("done", a.key, note="gone meanwhile")
                return "already gone"
            if e.status == 409 and a.verb != "start":   # a start KubeVirt refused (running, recovering) is final
                journal.record("conflict", a.key, error=str(e))
                continue
            journal.record("failed", a.key, error=str(e))
            raise
    raise MigError(f"{a.key}: still conflicting after {CONFLICT_RETRIES} attempts")


def _still_there(client, pending: list[Action]) -> list[Action]:
    """The deletions not finished yet: one list per kind and namespace, never a get per object."""
    alive: set = set()
    for kind, ns in {(a.kind, a.namespace) for a in pending}:
        alive |= {(kind, o.uid(x)) for x in client.list(kind, ns or None)}
    return [a for a in pending if (a.kind, a.uid) in alive]


def _wait_gone(client, actions: list[Action]) -> None:
    deadline = time.monotonic() + WAIT_GONE_S
    pending = [a for a in actions if a.verb == "delete"]
    while pending and time.monotonic() < deadline:
        pending = _still_there(client, pending)
        if pending:
            time.sleep(0.5)
    if pending:
        raise MigError(f"{len(pending)} objects are still being deleted after {int(WAIT_GONE_S)}s "
                       f"(e.g. {pending[0].kind} {pending[0].name}); run the command again to resume")


def execute(src, plan: Plan, journal: Journal, progress=None) -> Outcome:
    """Group by group in the plan's order (MTC leftovers, then per namespace the target, then the source),
    waiting for each group's deletions to be gone before the next: stage pods are gone before anything scales up."""
    out = Outcome()
    journal.record("run", plan_uid=plan.context.plan_uid, project=plan.context.journal_key(),
                   actions=len(plan.actions))
    groups: list[tuple[str, str, list]] = []
    for a in plan.actions:
        if not groups or groups[-1][:2] != (a.cluster, a.group):
            groups.append((a.cluster, a.group, []))
        groups[-1][2].append(a)
    for _gi, (cluster, _group, acts) in enumerate(groups):
        try:
            client = src.client(cluster)
            client.retry_writes = True
            for a in acts:
                res = _apply(client, a, journal)
                (out.done.append(a) if res == "done" else out.skipped.append((a, res)))
                if progress:
                    progress(a, res)
            _wait_gone(client, acts)
        except ApiError as e:
            out.remaining = [a for a in plan.actions if a not in out.done and a not in [s for s, _ in out.skipped]]
            out.stopped = str(e)
            journal.record("stopped", error=str(e))
            raise Stopped(f"rollback stopped: {e}", e.code, out) from None
    journal.record("complete")
    return out
