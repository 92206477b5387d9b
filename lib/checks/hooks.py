"""MigHooks (MTC 1.2+): a hook Job that failed (mig-controller fails the migration in its phase), and hook
pods that hit their deadline.

MTC puts the MigHook's activeDeadlineSeconds (default 1800) on the Job's pod template, not on the Job (MC-1.4
... 1.8 pkg/controller/migmigration/hooks.go baseJobTemplate: `Template: corev1.PodTemplateSpec{ Spec:
corev1.PodSpec{ ... ActiveDeadlineSeconds: &deadlineSeconds`). A pod past it fails by itself (pod
status.reason DeadlineExceeded), the Job controller counts it failed and starts another, and ensureJob fails
the hook ("Hook job %s failed.") once `Status.Failed >= HookJobFailedLimit` (6) or the Job's first condition is
BackoffLimitExceeded. Only a deadline set on the Job itself by hand (Job condition DeadlineExceeded) goes
unnoticed by those rules: the migration then waits on it for ever."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .. import pods as podlib
from .registry import Finding, check, ref

LOG_LINES = 8


def deadline_of(job: dict) -> object:
    """The hook pods' activeDeadlineSeconds, on the pod template where MTC sets it (MC hooks.go); a Job's own
    (set by hand) is told apart by the caller."""
    return o.dig(job, "spec", "template", "spec", "activeDeadlineSeconds")


def pod_hit_deadline(pod: dict) -> bool:
    """A pod the kubelet failed for running past its activeDeadlineSeconds (status.reason DeadlineExceeded)."""
    return o.status(pod).get("reason") == "DeadlineExceeded"


def job_failure(job: dict) -> str:
    """'failed' (mig-controller's rule), 'deadline' (DeadlineExceeded, which it misses) or ''."""
    conds = o.conditions(job)
    if any(c.get("reason") == "DeadlineExceeded" and o.is_true(c) for c in conds):
        return "deadline"
    if o.number(o.status(job).get("failed")) >= mtc.HOOK_JOB_FAILED_LIMIT \
            or (conds and conds[0].get("reason") == "BackoffLimitExceeded") or o.has_condition(job, "Failed"):
        return "failed"
    return ""


@check("hook-failed", "hook-deadline", logs={"source": ("hook",), "target": ("hook",)})
def hooks(f):
    """Hook Jobs of the migration that failed or ran out of time, with their pods' last log lines."""
    for role in ("source", "target"):
        for job in f.graph.jobs.get(role, []):
            why = job_failure(job)
            pods = f.graph.job_pods(role, job)
            timed_out = [p for p in pods if pod_hit_deadline(p)]
            if not why and (not timed_out or o.status(job).get("succeeded")):
                continue
            hook = f.graph.hook_of_job(job)
            phase = o.labels(job).get(mtc.HOOK_PHASE, "?")
            st = o.status(job)
            deadline = deadline_of(job)
            job_deadline = o.spec(job).get("activeDeadlineSeconds")
            ev = [f"Job {o.namespace(job)}/{o.name(job)} ({role}): hook phase {phase}, MigHook "
                  f"{o.name(hook) if hook else o.labels(job).get(mtc.HOOK_UID, '?')}, failed pods {st.get('failed', 0)}"
                  + (f", pod activeDeadlineSeconds {deadline}" if deadline else "")
                  + (f", Job activeDeadlineSeconds {job_deadline} (not MTC's: set by hand)" if job_deadline else "")]
            ev += [f"Job condition {c.get('type')} ({c.get('reason', '')}): {c.get('message', '')}"
                   for c in o.conditions(job)]
            if hook is not None:
                ev.append(f"MigHook {o.name(hook)}: image {o.spec(hook).get('image', '?')}, "
                          f"{'custom image' if o.spec(hook).get('custom') else 'Ansible playbook'}")
            ev += [f"Pod {o.namespace(p)}/{o.name(p)} hit its deadline (DeadlineExceeded): {o.status(p).get('message', '')}"
                   for p in timed_out]
            objs = [ref(job)] + ([ref(hook)] if hook else []) + [ref(p) for p in pods]
            for p in pods[-2:]:
                problems = podlib.problems(p)
                for cs in o.maps(o.status(p).get("containerStatuses")):
                    term = podlib.terminated(cs)
                    if term:
                        problems.append(f"container {cs.get('name')} exited {term.get('exitCode')} ({term.get('reason', '')})")
                ev.append(f"Pod {o.namespace(p)}/{o.name(p)}: phase {o.phase(p) or '?'}"
                          + (f"; {', '.join(dict.fromkeys(problems))}" if problems else ""))
                logged = [e for e in f.log([role], ["hook"], pod=o.name(p)) if e.line.raw.strip()]
                ev += [f"{e.pod}/{e.container}: {e.line.raw}" for e in logged[-LOG_LINES:]]
            secs = f"{deadline or mtc.HOOK_DEFAULT_DEADLINE_S}s"
            if why == "failed":
                title = f"{phase} hook Job {o.name(job)} failed: the migration failed in {phase}Hooks" + \
                    (f" ({len(timed_out)} of its pods hit their deadline, {secs})" if timed_out else "")
            elif why == "deadline":
                title = (f"{phase} hook Job {o.name(job)} hit the deadline set on the Job by hand "
                         f"({job_deadline or '?'}s; MTC sets one only on its pods): MTC does not notice, the migration "
                         f"waits in {phase}Hooks")
            else:
                title = (f"{phase} hook pod hit its deadline ({secs}): MTC fails the hook after "
                         f"{mtc.HOOK_JOB_FAILED_LIMIT} pod failures (Job {o.name(job)}: {st.get('failed', 0)} so far), "
                         f"each retry running up to {secs}")
            yield Finding(id="hook-failed" if why == "failed" else "hook-deadline", severity="error", title=title,
                          cluster=role, objects=objs, evidence=ev,
                          fix=[f"oc logs job/{o.name(job)} -n {o.namespace(job)} --context <{role}>",
                               f"oc mig-logs {o.name(f.mig)} --log-source hook --cluster {role}",
                               "Fix the hook (its image or playbook, the service account's permissions) and run a new "
                               "migration" + ("" if why != "deadline" else
                                              f"; to stop this one: oc patch migmigration {o.name(f.mig)} -n "
                                              f"{f.src.namespace} --type merge -p '{{\"spec\":{{\"canceled\":true}}}}'")])
