"""mig-verify's verdict and mig-crs' result held to what MTC itself says for the same objects: mig-controller
(pkg/controller/migmigration/migrate.go, task.go; pkg/controller/migplan/migplan_controller.go) and mig-ui
(src/app/plan/duck/selectors.ts getMigrationStatus, src/app/home/pages/PlansPage/helpers.ts getPlanStatusText)."""

from __future__ import annotations

import copy

from lib import crs
from lib import objects as o
from lib.graph import migration_type
from lib.verify import verify
from tests.unit.scenario_source import ScenarioSource


def _src(name: str) -> ScenarioSource:
    src = ScenarioSource(name)
    src.doc = copy.deepcopy(src.doc)
    return src


def _host(src: ScenarioSource, kind: str, name: str = "") -> dict:
    return next(x for x in src.doc["objects"]["host"] if x.get("kind") == kind and (not name or o.name(x) == name))


# --- CAM 1.2/1.3: Succeeded with a Warn condition is "completed with warnings" --------------------------------
# The controller of CAM 1.2/1.3 set Succeeded whether or not it had set Warn conditions (release-1.2.5 and
# release-1.3.2 migrate.go: `if failed == nil` only); SucceededWithWarnings came with MTC 1.4 (release-1.4.7
# migrate.go). mig-ui release-1.2.5 shows such a migration "Completed with warnings" (migrationState "warn").

# The condition lines as mig-controller wrote them, verbatim: StageNoOp from migtools/mig-controller#510 (the
# example in the PR that added it, CAM 1.2), Succeeded from migtools/mig-controller#514 (a CAM 1.2 stage migration
# without PVs, `oc describe` there, here as YAML keys).
STAGE_NO_OP = {"category": "Warn", "durable": True, "lastTransitionTime": "2020-04-22T13:56:22Z",
               "message": "Stage migration was run without any PVs. No Velero operations were initiated.",
               "status": "True", "type": "StageNoOp"}
SUCCEEDED_1_2 = {"category": "Advisory", "durable": True, "lastTransitionTime": "2020-04-15T11:12:53Z",
                 "message": "The migration has completed successfully.", "reason": "Completed", "status": "True",
                 "type": "Succeeded"}


def _cam12_stage(conditions: list) -> dict:
    return {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigMigration",
            "metadata": {"name": "migplan-robotshop", "namespace": "openshift-migration"},
            "spec": {"stage": True, "quiescePods": False, "migPlanRef": {"name": "migplan-robotshop"}},
            "status": {"phase": "Completed", "startTimestamp": "2020-04-15T11:12:43Z", "conditions": conditions}}


def test_cam_1_2_succeeded_with_a_warn_condition_is_succeeded_with_warnings():
    mig = _cam12_stage([STAGE_NO_OP, SUCCEEDED_1_2])
    assert o.outcome(mig) == "SucceededWithWarnings"
    assert crs.result(mig) == "SucceededWithWarnings"                 # the mig-crs RESULT column
    assert o.succeeded(mig)
    assert o.outcome(_cam12_stage([SUCCEEDED_1_2])) == "Succeeded"   # no Warn condition: plain success
    canceled = {"type": "Canceled", "status": "True", "category": "Advisory", "message": "The migration has been canceled."}
    assert o.outcome(_cam12_stage([canceled, STAGE_NO_OP, SUCCEEDED_1_2])) == "Canceled"


def test_cam_1_2_restic_verify_errors_with_succeeded_stays_succeeded_with_warnings():
    """restic-verify-errors (an April 2020 CAM 1.2 migration) as CAM 1.2 really ended it: Succeeded beside the Warn
    ResticVerifyErrors, not SucceededWithWarnings."""
    src = _src("restic-verify-errors")
    mig = _host(src, "MigMigration", "registry-example-migration")
    conds = mig["status"]["conditions"]
    sww = next(c for c in conds if c["type"] == "SucceededWithWarnings")
    sww.update(type="Succeeded", message="The migration has completed successfully.")
    rep = verify(src, "registry-example-migration", now=src.now, strict=True)
    assert rep.verdict == "SUCCEEDED WITH WARNINGS" and rep.exit_code == 2
    assert crs.result(mig) == "SucceededWithWarnings"


# --- a closed plan is Closed, not "not Ready" ----------------------------------------------------------------
# migplan_controller.go handleClosed: SetReady(false) and, in ensureClosed, the Advisory condition
# {type: Closed, message: "The migration plan is closed."}; the plan is validated no more. mig-ui's
# getPlanStatusText says "Closed" before "Not Ready". Closing the plan after the final migration is what the UI
# offered (migtools/mig-ui#401, #792): it is no warning about the migration.

CLOSED = {"category": "Advisory", "lastTransitionTime": "2019-08-29T02:30:00Z", "message": "The migration plan is closed.",
          "status": "True", "type": "Closed"}


def test_a_migration_whose_plan_was_closed_since_still_succeeded():
    src = _src("sock-shop-success")
    plan = _host(src, "MigPlan", "socks-shop-mig-plan")
    plan["spec"]["closed"] = True
    plan["status"]["conditions"] = [CLOSED]
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert "plan-not-ready" not in {f.id for f in rep.findings}
    assert (rep.verdict, rep.exit_code) == ("SUCCEEDED", 0), rep.findings
    row = crs.chain(rep.graph)[0]
    assert (row.kind, row.phase) == ("MigPlan", "Closed")


def test_a_migration_stopped_by_a_closed_plan_is_blocked_by_plan_closed():
    """An unfinished migration of a closed plan: the MigMigration's own PlanClosed (Critical, validation.go
    validatePlan) stops it, and says so first."""
    src = _src("sock-shop-success")
    plan = _host(src, "MigPlan", "socks-shop-mig-plan")
    plan["spec"]["closed"] = True
    plan["status"]["conditions"] = [CLOSED]
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    mig["status"] = {"phase": "Created", "conditions": [
        {"category": "Critical", "lastTransitionTime": "2019-08-29T02:31:00Z", "status": "True", "type": "PlanClosed",
         "message": "The associated migration plan is closed, subject: openshift-migration/socks-shop-mig-plan."}]}
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert rep.verdict == "STUCK"
    assert rep.findings[0].id == "migration-blocked" and "PlanClosed" in rep.findings[0].title
    assert "plan-not-ready" not in {f.id for f in rep.findings}


# --- a state migration (MTC 1.5+ spec.migrateState) runs the Stage itinerary ---------------------------------
# task.go init (release-1.7, release-1.8): `t.stage() || t.migrateState()` -> StageItinerary; it migrates PVCs and
# their data only ("It only migrates PersistentVolumeClaims and data on the persistent volumes",
# migtools/mig-operator#801 docs/usage/StateTransferUsage.md): the target lacking the namespaces' other objects
# is what it is meant to leave.

def test_a_state_migration_is_not_held_to_a_full_target():
    src = _src("target-incomplete")
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    assert "target-incomplete" in {f.id for f in verify(src, "88435fe0", now=src.now, strict=True).findings}
    mig["spec"].pop("stage", None)
    mig["spec"]["migrateState"] = True
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert migration_type(mig) == "state" and rep.to_dict()["type"] == "state"
    assert "target-incomplete" not in {f.id for f in rep.findings}
    assert rep.verdict == "SUCCEEDED"


def test_migration_type_follows_mig_controller_s_itinerary_choice():
    def t(**spec):
        return migration_type({"spec": spec})
    assert (t(), t(stage=True), t(migrateState=True), t(rollback=True)) == ("final", "stage", "state", "rollback")
    assert t(stage=False, migrateState=False, quiescePods=True) == "final"


# --- a migration MTC's rollback has undone since -------------------------------------------------------------
# The Rollback itinerary deletes what the plan migrated from the target and unquiesces the source (task.go
# RollbackItinerary: DeleteMigrated, EnsureMigratedDeleted, UnQuiesceSrcApplications, release-1.4 ... 1.8); a
# successful rollback resets the plan: validation.go validateFinalMigration lets a new final migration run, and
# mig-ui counts only the migrations after it (migtools/mig-ui#1090). The migration's own Succeeded still stands.

def _rollback_after(src: ScenarioSource, conditions: list) -> dict:
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    rb = {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "MigMigration",
          "metadata": {"name": "socks-shop-rollback", "namespace": "openshift-migration", "uid": "rb-0001",
                       "creationTimestamp": "2019-08-30T09:00:00Z"},
          "spec": {"migPlanRef": copy.deepcopy(mig["spec"]["migPlanRef"]), "rollback": True},
          "status": {"phase": "Completed", "itinerary": "Rollback", "conditions": conditions}}
    src.doc["objects"]["host"].append(rb)
    return rb


ROLLBACK_SUCCEEDED = [{"type": "Succeeded", "status": "True", "category": "Advisory", "reason": "Completed",
                       "message": "The migration has completed successfully.", "durable": True}]


def test_a_migration_rolled_back_since_is_not_a_clean_success_nor_a_failure():
    src = _src("target-incomplete")       # the target as the rollback leaves it: the migrated objects gone
    _rollback_after(src, ROLLBACK_SUCCEEDED)
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    ids = {f.id for f in rep.findings}
    assert "target-incomplete" not in ids and "migration-rolled-back" in ids, ids
    assert (rep.verdict, rep.exit_code) == ("SUCCEEDED WITH WARNINGS", 2)


def test_a_canceled_rollback_undid_nothing():
    src = _src("target-incomplete")
    _rollback_after(src, [{"type": "Canceled", "status": "True", "category": "Advisory",
                           "message": "The migration has been canceled."}] + ROLLBACK_SUCCEEDED)
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    ids = {f.id for f in rep.findings}
    assert "target-incomplete" in ids and "migration-rolled-back" not in ids
    assert rep.verdict == "FAILED"


# --- a canceled migration did not succeed, though it carries Succeeded ----------------------------------------
# The Cancel itinerary ends in phase Completed, where migrate.go sets Succeeded (or SucceededWithWarnings) because
# no Failed condition is there (release-1.4 ... 1.8): the Canceled condition decides (mig-ui getPipelineSummaryTitle
# "Canceled"). Infrastructure broken now is then an error for the next attempt, as after a failure.

def test_infrastructure_findings_of_a_canceled_migration_are_not_softened_as_after_a_success():
    src = _src("initial-backup-partial-bsl-gone")
    mig = _host(src, "MigMigration", "metrics-final-1119")
    sev = {f.id: f.severity for f in verify(src, "metrics-final-1119", now=src.now, strict=True).findings}
    assert sev["bsl-unavailable"] == "warning"                       # it succeeded (with warnings): a warning
    mig["spec"]["canceled"] = True
    mig["status"]["conditions"].insert(0, {"type": "Canceled", "status": "True", "category": "Advisory",
                                           "reason": "Cancel", "message": "The migration has been canceled.",
                                           "durable": True, "lastTransitionTime": "2020-11-19T09:19:00Z"})
    rep = verify(src, "metrics-final-1119", now=src.now, strict=True)
    sev = {f.id: f.severity for f in rep.findings}
    assert rep.verdict == "FAILED" and sev["migration-canceled"] == "warning"
    assert sev["bsl-unavailable"] == "error"


def test_cancel_asked_of_a_completed_migration_changes_nothing():
    """migmigration_controller.go Reconcile returns at once for phase Completed: spec.canceled set afterwards
    gets no Canceling/Canceled and the migration's Succeeded stands."""
    src = _src("sock-shop-success")
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    mig["spec"]["canceled"] = True
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert "migration-canceled" not in {f.id for f in rep.findings}
    assert (rep.verdict, rep.exit_code) == ("SUCCEEDED", 0)
    mig["status"]["phase"] = "EnsureFinalRestore"                  # asked while it runs: it is being canceled
    mig["status"]["conditions"] = []
    assert "migration-canceled" in {f.id for f in verify(src, "88435fe0", now=src.now, strict=True).findings}


# --- a DirectVolumeMigration its controller does not run -----------------------------------------------------
# directvolumemigration_controller.go runs migrate() only without a blocker condition (release-1.4 ... 1.8), and
# validation.go sets PodsNotFoundOnSourceCluster (Critical, "The set of pvcs were not found on source cluster")
# when a PVC of its spec is gone from the source; the MigMigration waits in WaitForDirectVolumeMigrationToComplete
# for a DVM that never moves (dvm.go mirrors only Warn conditions). That is a blocked migration, as one whose plan
# is not Ready: STUCK from the first minute, the DVM's condition said.

def test_a_migration_waiting_on_a_blocked_dvm_is_stuck_from_the_first_minute():
    src = _src("dvm-long-running")
    dvm = _host(src, "DirectVolumeMigration")
    src.doc["objects"]["host"] = [x for x in src.doc["objects"]["host"]
                                  if x.get("kind") != "DirectVolumeMigrationProgress"]   # it never started rsync
    dvm["status"] = {"conditions": [
        {"type": "PodsNotFoundOnSourceCluster", "status": "True", "reason": "NotFound", "category": "Critical",
         "message": "The set of pvcs were not found on source cluster", "lastTransitionTime": "2021-06-01T10:00:00Z"}]}
    rep = verify(src, "7e0c1a22", now=src.now, strict=True, stuck_after=86400)
    assert (rep.verdict, rep.exit_code) == ("STUCK", 3)
    first = rep.findings[0]
    assert first.id == "migration-blocked" and "PodsNotFoundOnSourceCluster" in first.title
    assert any(e.startswith(f"DirectVolumeMigration {o.name(dvm)}: PodsNotFoundOnSourceCluster (Critical") for e in first.evidence)
    assert f"oc describe dvm {o.name(dvm)} -n openshift-migration" in first.fix
    dvm["status"]["phase"] = "MigrationFailed"                       # failed: the migration goes on (with a warning)
    dvm["status"]["conditions"].append({"type": "Failed", "status": "True", "category": "Advisory"})
    assert "migration-blocked" not in {f.id for f in verify(src, "7e0c1a22", now=src.now, stuck_after=86400).findings}


def test_a_canceled_final_migration_is_not_held_to_a_full_target():
    src = _src("target-incomplete")
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    mig["spec"]["canceled"] = True
    mig["status"]["conditions"].insert(0, {"type": "Canceled", "status": "True", "category": "Advisory", "reason": "Cancel",
                                           "message": "The migration has been canceled.", "durable": True})
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    ids = {f.id for f in rep.findings}
    assert rep.verdict == "FAILED" and "migration-canceled" in ids and "target-incomplete" not in ids


# --- Postponed is MTC's queue, not a fault --------------------------------------------------------------------
# migmigration_controller.go postpone(): Critical (so nothing runs meanwhile), "Postponed %d seconds to ensure
# migrations run serially and in order.", while another migration of the plan is not Completed; mig-ui shows
# "Postponed". It is RUNNING (blocked.py does not count it), and the condition a note naming what it waits for.

def _postponed_beside(name: str, created: str, running: bool = True) -> tuple:
    """sock-shop's final migration Postponed, and another migration `name` of its plan created at `created`:
    running a stage, or (running False) Postponed too."""
    src = _src("sock-shop-success")
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    mig["status"] = {"conditions": [{"type": "Postponed", "status": "True", "category": "Critical",
                                     "message": "Postponed 10 seconds to ensure migrations run serially and in order.",
                                     "lastTransitionTime": "2019-08-29T01:01:30Z"}]}
    other = copy.deepcopy(mig)
    other["metadata"].update(name=name, creationTimestamp=created)
    if running:
        other["spec"]["stage"] = True
        other["status"] = {"phase": "EnsureStageBackup", "conditions": []}
    src.doc["objects"]["host"].append(other)
    return src, mig, other


def test_a_postponed_migration_is_running_with_a_note_naming_what_it_waits_for():
    src, mig, ahead = _postponed_beside("socks-shop-stage-1", "2019-08-29T01:00:00Z")
    ahead["metadata"]["uid"] = "stage-0001"
    rep = verify(src, "88435fe0", now=o.parse_time("2019-08-29T01:05:00Z"), strict=True)
    f = next(x for x in rep.findings if x.id == "migration-condition" and x.title.startswith("Postponed"))
    assert (rep.verdict, f.severity) == ("RUNNING", "info")
    assert "MigMigration socks-shop-stage-1 of the plan is not Completed (phase EnsureStageBackup)" in f.evidence
    later = verify(src, "88435fe0", now=o.parse_time("2019-08-29T04:00:00Z"), strict=True)
    assert later.verdict == "RUNNING"           # queued for 3h behind a running stage: not stuck on its own clock
    ahead["status"]["phase"] = "Completed"
    ahead["status"]["conditions"] = [{"type": "Succeeded", "status": "True", "category": "Advisory"}]
    assert verify(src, "88435fe0", now=o.parse_time("2019-08-29T04:00:00Z"), strict=True).verdict == "STUCK"


# --- MTC's own word beside ours -------------------------------------------------------------------------------
def test_the_verdict_says_mtc_s_own_result_where_it_differs():
    """A SucceededWithWarnings whose volume rsync did not copy is FAILED here, as docs/mig-verify.md says, and
    the first line says what MTC (and mig-ui, "Completed with warnings") says of it; -o json carries it always."""
    from lib.verify_text import text

    src = _src("dvm-rsync-failed")
    rep = verify(src, "4b1c6d10", now=src.now)
    assert rep.verdict == "FAILED"
    assert text(rep).splitlines()[0].endswith("; MTC says SucceededWithWarnings")
    assert rep.to_dict()["mtcResult"] == "SucceededWithWarnings"
    src = _src("sock-shop-success")
    mig = next(iter(src.expect))
    rep = verify(src, mig, now=src.now)
    assert rep.verdict == "SUCCEEDED" and "MTC says" not in text(rep)
    assert rep.to_dict()["mtcResult"] == "Succeeded"


def test_a_postponed_migration_waits_only_for_older_ones_without_an_end():
    """mig-controller's postpone() waits on the plan's older migrations (by creation) that carry none of
    Succeeded, Failed or Canceled: a newer one queued behind it is not ahead of it."""
    src, mig, behind = _postponed_beside("socks-shop-later", "2019-08-29T01:02:00Z", running=False)
    behind["metadata"]["uid"] = "later-0001"
    rep = verify(src, "88435fe0", now=o.parse_time("2019-08-29T04:00:00Z"), strict=True)
    assert rep.verdict == "STUCK"
    assert not any("socks-shop-later" in e for f in rep.findings for e in f.evidence)


# --- booleans and UIDs as a bundle may hold them ----------------------------------------------------------------
def test_a_rollback_flag_that_is_not_true_rolled_nothing_back():
    # spec.rollback is a bool in MTC's types (migmigration_types.go): the string "false" is none, not a rollback
    src = _src("target-incomplete")
    rb = _rollback_after(src, ROLLBACK_SUCCEEDED)
    rb["spec"]["rollback"] = "false"
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    ids = {f.id for f in rep.findings}
    assert "target-incomplete" in ids and "migration-rolled-back" not in ids, ids
    assert migration_type(rb) == "final"


def test_a_postponed_migration_is_queued_behind_one_without_a_uid():
    src, mig, ahead = _postponed_beside("socks-shop-stage-1", "2019-08-29T01:00:00Z")
    mig["metadata"].pop("uid")          # uid "" on both: still two migrations
    ahead["metadata"].pop("uid")
    assert verify(src, "88435fe0", now=o.parse_time("2019-08-29T04:00:00Z")).verdict == "RUNNING"


def test_a_cancel_flag_that_is_not_true_canceled_nothing():
    src = _src("sock-shop-success")
    mig = _host(src, "MigMigration", "88435fe0-c9f8-11e9-85e6-5d593ce65e10")
    mig["status"]["phase"] = "EnsureStageBackup"
    mig["status"]["conditions"] = [c for c in mig["status"].get("conditions", []) if c.get("type") != "Succeeded"]
    mig["spec"]["canceled"] = "false"
    rep = verify(src, "88435fe0", now=src.now, strict=True)
    assert "migration-canceled" not in {f.id for f in rep.findings}
    mig["spec"]["canceled"] = True
    assert "migration-canceled" in {f.id for f in verify(src, "88435fe0", now=src.now, strict=True).findings}
