"""MTC 1.4-1.8 names the tools rely on, as data, each with the upstream file it is read from; where CAM 1.2/1.3
(MC release-1.2.0 ... release-1.3.2) wrote objects differently (stage and registry pods), that form too.

Aliases (see ../shared/reference/mtc-facts.md for the commits): MC = migtools/mig-controller
(release-1.4.7 ... release-1.8), CL = konveyor/crane-lib (rsync pods of MC 1.6+: the version MC's go.mod pins,
v0.0.6-0.20220110140809-e59142d7deab for MC-1.6, v0.0.11 for MC-1.7, v0.1.4 for MC-1.8 with blockrsync; mirrored
as migtools/crane-lib), MO = migtools/mig-operator,
OADP = openshift/oadp-operator, V = vmware-tanzu/velero. Older (MC-1.4/1.5) and newer (crane-lib) forms are
both listed where they differ: the tools accept either.
"""

from __future__ import annotations

from . import objects as o

# --- correlation labels (MC pkg/apis/migration/v1alpha1/labels.go, migmigration_types.go GetCorrelationLabels) --
PART_OF = "app.kubernetes.io/part-of"                       # labels.go PartOfLabel
PART_OF_VALUE = "openshift-migration"                       # labels.go Application
MIGMIGRATION = "migmigration"                               # CorrelationLabel(MigMigration) = <MigMigration UID>
DVM_OF_MIGRATION = "migration-direct-volume"                # labels.go DirectVolumeMigrationLabel (on the DVM)
DVM_UID = "directvolumemigration"                           # CorrelationLabel(DVM): DVMPs, rsync pods (MC-1.5+)
DIM_UID = "directimagemigration"                            # CorrelationLabel(DIM): DISMs
IMAGESTREAM_UID = "imagestream"                             # directimagemigration/imagestream.go (DISM label)
MIGPLAN_UID = "migplan"                                     # stage pods, registry objects (<MigPlan UID>)
MIGRATED_BY_PLAN = "migration.openshift.io/migrated-by-migplan"   # labels.go MigPlanLabel

# --- DirectVolumeMigration rsync pods --------------------------------------------------------------------
# MC-1.4/1.5 pkg/controller/directvolumemigration/rsync.go; MC-1.6+ crane-lib state_transfer/transfer/rsync/*.go
# with labels from MC rsync.go buildDVMLabels.
RSYNC_APP = "directvolumemigration-rsync-transfer"          # rsync.go DirectVolumeMigrationRsyncTransfer (label app)
# MC release-1.4.0..1.4.2 put no part-of label on rsync pods: directvolumemigration/task.go buildDVMLabels is
# {app, owner: directvolumemigration} (+ purpose: rsync|stunnel, rsync.go/stunnel.go), the client pods {app,
# directvolumemigration: rsync-client} (rsync.go); release-1.4.3 adds PartOfLabel to both.
RSYNC_APP_BLOCK = "directvolumemigration-rsync-transfer-block"  # MC-1.8 rsync.go (block volumes)
RSYNC_APPS = (RSYNC_APP, RSYNC_APP_BLOCK)
PURPOSE = "purpose"                                         # rsync.go: purpose=rsync (server) | stunnel (MC-1.4)
RSYNC_PVC = "migration.openshift.io/created-for-pvc"        # labels.go RsyncPodIdentityLabel: md5 of the PVC name
                                                            # (MC rsync.go :2771) or the name itself
RSYNC_ATTEMPT = "migration.openshift.io/rsync-attempt"      # rsync.go RsyncAttemptLabel
DVMP_DONE = "migration.openshift.io/dvmp-done"              # directvolumemigrationprogress_types.go:42
RSYNC_CLIENT_VALUE = "rsync-client"                         # MC-1.4/1.5 rsync.go: label directvolumemigration=rsync-client
# pod names: transfer (server) pod on the target, client pods (generateName) on the source
# MC-1.8 block volumes and KubeVirt VM disks (file system PVCs holding a disk.img too) go through blockrsync
# (MC-1.8 rsync.go ensureBlockRsyncTransferServer, runRsyncOperations with CL v0.1.4 state_transfer/transfer/
# blockrsync/{blockrsync,server,client}.go): one server pod `blockrsync-server` per target namespace (containers
# `blockrsync`, which runs /proxy --target, and `stunnel`), one client pod per source PVC, generateName
# `blockrsync-` (containers `proxy`, `blockrsync`, `stunnel`; restartPolicy OnFailure, where rsync's is Never),
# both labelled app=RSYNC_APP_BLOCK, purpose=rsync; reached through Service RSYNC_SVC_BLOCK and Route
# RSYNC_ROUTE_BLOCK (MC-1.8 task.go).
BLOCKRSYNC_SERVER_POD = "blockrsync-server"                 # CL blockrsync/server.go blockrsyncServerPodName
BLOCKRSYNC_CLIENT_PREFIX = "blockrsync-"                    # CL blockrsync/client.go generateName
BLOCKRSYNC_CONTAINER = "blockrsync"                         # CL blockrsync/blockrsync.go BlockRsyncContainer
RSYNC_SVC, RSYNC_SVC_BLOCK = "directvolumemigration-rsync-transfer-svc", "directvolumemigration-rsync-transfer-svc-block"
RSYNC_ROUTE, RSYNC_ROUTE_BLOCK = "dvm", "dvm-block"        # MC task.go DirectVolumeMigrationRsyncTransferRoute[Block]
RSYNC_SERVER_PODS = ("directvolumemigration-rsync-transfer", "rsync-server",   # MC-1.4/1.5 rsync.go; CL server.go
                     BLOCKRSYNC_SERVER_POD)
STUNNEL_SOURCE_POD = "directvolumemigration-stunnel-transfer"                  # MC-1.4 stunnel.go
RSYNC_CLIENT_PREFIXES = ("dvm-rsync-", "rsync-", BLOCKRSYNC_CLIENT_PREFIX)   # MC-1.4/1.5 rsync.go; CL client.go
# containers that run rsync: MC-1.4/1.5 client `rsync-client`, server `rsyncd`; CL `rsync`; MC-1.8 `blockrsync`
# (directvolumemigrationprogress_controller.go reads exactly these)
RSYNC_CONTAINERS = ("rsync-client", "rsync", "rsyncd", BLOCKRSYNC_CONTAINER)
STUNNEL_CONTAINER = "stunnel"                               # rsync.go / CL transport/stunnel
DEFAULT_RSYNC_BACKOFF_LIMIT = 20                            # MC rsync.go DefaultRsyncBackOffLimit
DEFAULT_STUNNEL_TIMEOUT_S = 20                              # MC rsync.go DefaultStunnelTimeout

# --- DVM / DVMP / DIM / DISM phases and conditions ----------------------------------------------------------
DVM_FAILED_PHASE = "MigrationFailed"                        # directvolumemigration/task.go, directimage*/task.go
DVM_RUNNING_RSYNC = "RunRsyncOperations"                    # directvolumemigration/task.go
DVMP_FAILED, DVMP_SUCCEEDED, DVMP_RUNNING, DVMP_PENDING = "Failed", "Succeeded", "Running", "Pending"
# MigMigration conditions (MC pkg/controller/migmigration/validation.go)
COND_DVM_FAILED = "DirectVolumeMigrationFailed"
COND_DIM_FAILED = "DirectImageMigrationFailed"
COND_DVM_BLOCKED = "DirectVolumeMigrationBlocked"
COND_REGISTRIES_UNHEALTHY = "RegistriesUnhealthy"
COND_STAGE_PODS_CREATED = "StagePodsCreated"
# DVM Warn/Critical conditions (MC directvolumemigration/validation.go, rsync.go)
DVM_NETWORK_ERROR = "SourceToDestinationNetworkError"
DVM_PENDING_CONDITIONS = ("RsyncTransferPodsPending", "RsyncClientPodsPending", "StunnelClientPodsPending",
                          "RsyncRouteNotAdmitted")

# MC-1.8 live migration of a running VM's volumes (KubeVirt VirtualMachineInstanceMigration, no rsync pod): DVM
# status.failedLiveMigration[] (sic: singular JSON names, directvolumemigration_types.go LiveMigrationProgress: vmName,
# vmNamespace, pvcRef, message = the VMIM's migrationState.failureReason or the VMI's condition; rsync.go
# updateVolumeLiveMigrationProgressStatus), with runningLiveMigration, pendingLiveMigration, successfulLiveMigration.
DVM_FAILED_LIVE_MIGRATIONS = "failedLiveMigration"
DVM_LIVE_MIGRATIONS = {"runningLiveMigration": DVMP_RUNNING, "pendingLiveMigration": DVMP_PENDING,
                       "successfulLiveMigration": DVMP_SUCCEEDED}      # status list -> the volume's phase
# KubeVirt aborts a live migration that makes no progress for progressTimeout (default 150 s: KubeVirt
# MigrationConfiguration; OpenShift Virtualization docs "Live migration limits and timeouts"), so one the DVM
# lists as running is moving data.

# MigMigration pipeline steps (MC pkg/controller/migmigration/task.go Step*): a migration runs DVMs, DIMs, stage
# pods only when its pipeline has these steps (initPipeline lists every step of the itinerary at start).
DVM_STEPS = ("DirectVolume", "RollbackLiveMigration")
DIM_STEPS = ("DirectImage",)
HELPER_STEPS = DVM_STEPS + ("StageBackup", "StageRestore")

# --- MigHook Jobs (MC pkg/apis/migration/v1alpha1/mighook_types.go, pkg/controller/migmigration/hooks.go) ---
HOOK_UID = "mighook"                                        # CorrelationLabel(MigHook) on the Job
HOOK_PHASE = "phase"                                        # mighook_types.go HookPhaseLabel
HOOK_OWNER = "owner"                                        # mighook_types.go HookOwnerLabel (MigMigration UID)
HOOK_PHASES = ("PreBackup", "PostBackup", "PreRestore", "PostRestore")   # mighook_types.go:31-34
HOOK_JOB_FAILED_LIMIT = 6                                   # hooks.go HookJobFailedLimit
HOOK_DEFAULT_DEADLINE_S = 1800                              # hooks.go baseJobTemplate: pod activeDeadlineSeconds
JOB_NAME = "job-name"                                       # Kubernetes Job controller: label on the Job's pods
HOOK_TARGET_ROLE = {"source": "source", "destination": "target"}   # MigHook spec.targetCluster -> our role


def hook_role(hook: dict) -> str:
    """The role of the cluster a MigHook runs on ('' when its targetCluster is neither)."""
    return HOOK_TARGET_ROLE.get(str(o.spec(hook).get("targetCluster", "")), "")

# --- stage pods (MC pkg/controller/migmigration/stage.go, labels.go) ---------------------------------------
STAGE_POD = "migration.openshift.io/is-stage-pod"           # labels.go StagePodLabel ("True"), MC-1.4+ only
# CAM 1.2/1.3 stage pods carry no StagePodLabel: only the MigMigration correlation labels (part-of, migmigration=
# <UID>) and IncludedInStageBackupLabel=Task.UID(), which is the MigMigration UID (MC release-1.2.0
# pkg/controller/migmigration/pod.go buildStagePod; release-1.2.1..1.3.2 stage.go stagePodLabels; task.go UID()).
# mig-controller itself tells them from application pods by the correlation label (release-1.2.0 annotation.go
# annotatePods "Skip stage pods").
APPLICATION_POD = "migration.openshift.io/is-application-pod"   # labels.go ApplicationPodLabel (MC-1.6+)
INCLUDED_IN_STAGE_BACKUP = "migration-included-stage-backup"    # labels.go IncludedInStageBackupLabel
# MC-1.6+ labels running application pods with the stage pod labels (is-stage-pod included) and is-application-pod
# instead of making stage pods (stage.go GetApplicationPodsWithStageLabels, stagePodLabels). On the source such a
# pod is the application's own; the stage restore recreates it on the target, where the MTC velero plugin makes it
# a stage pod (stage image, `sleep infinity`, as for any pod with migration-included-stage-backup:
# openshift-velero-plugin velero-plugins/pod/restore.go "swapping stage pod images", release-1.5.0 .. oadp-1.2)
# and Velero labels it, as every restored object, velero.io/restore-name (V pkg/restore/restore.go
# addRestoreLabels): that copy is a stage pod.
VELERO_RESTORE_NAME = "velero.io/restore-name"
STAGE_POD_PREFIX = "stage-"                                 # stage.go generateName stage-<pod|pvc>-

# --- registry pods (MC pkg/controller/migmigration/registry.go) ---------------------------------------------
REGISTRY = "migration.openshift.io/migration-registry"      # migplan_types.go MigrationRegistryLabel ("True")
REGISTRY_CONTAINER = "registry"
# CAM 1.2/1.3 run the plan's registry as a DeploymentConfig in MTC's namespace whose pod template carries only
# {app: <name>, deploymentconfig: <name>} (MC release-1.2.0..1.3.2 pkg/apis/migration/v1alpha1/migplan_types.go
# UpdateRegistryDC; the MigrationRegistryLabel, then "migration-registry"=<plan UID>, is on the DC, Secret, Service
# only), <name> being the registry Secret's generated name registry-<MigPlan UID>-xxxxx (BuildRegistrySecret).
LEGACY_REGISTRY_DC = "deploymentconfig"
LEGACY_REGISTRY_PREFIX = "registry-"


def legacy_registry_plan(pod: dict) -> str:
    """The MigPlan UID of a CAM 1.2/1.3 registry pod (see LEGACY_REGISTRY_DC), '' for any other pod."""
    import re

    lb = o.labels(pod)
    m = re.fullmatch(LEGACY_REGISTRY_PREFIX + r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-[a-z0-9]+",
                     str(lb.get("app") or ""))
    return m.group(1) if m and lb.get(LEGACY_REGISTRY_DC) == lb.get("app") else ""

# --- MigAnalytic (MC pkg/controller/miganalytic/miganalytics_controller.go) ---------------------------------
ANALYTIC_PLAN = "migplan"                                   # label = MigPlan *name*

# --- restic / node-agent pods (MO roles/migrationcontroller/templates/velero.yml.j2; OADP controllers/
# restic.go, nodeagent.go; V pkg/install/daemonset.go) ------------------------------------------------------
# label `name`: restic (Velero < 1.10, OADP 1.0/1.1, MO-1.4..1.6), node-agent (Velero 1.10+, OADP 1.2+); Velero
# 1.16+ also installs DaemonSet node-agent-windows (V-1.16 pkg/install/daemonset.go dsName) and labels both
# role=node-agent (V-1.16 pkg/nodeagent/node_agent.go nodeAgentRole, the selector it finds them by). Every one of
# these carries component=velero too (V pkg/install/resources.go Labels; not MO-1.4..1.6's restic).
RESTIC_NAMES = ("restic", "node-agent", "node-agent-windows")
NODE_AGENT_ROLE = ("role", "node-agent")
# Pods the node-agent starts for a volume's data path, in Velero's namespace, named after their object and whose
# one container is named by its UID: the data mover's backup/restore pods of a DataUpload / DataDownload
# (V-1.12+ pkg/controller/data_upload_controller.go, data_download_controller.go HostingPodLabels, pkg/exposer/
# csi_snapshot.go, generic_restore.go; OADP 1.3+) and, from Velero 1.17, the file system backup's own pods of a
# PodVolumeBackup / PodVolumeRestore (V-1.17 pod_volume_backup_controller.go, pod_volume_restore_controller.go,
# pkg/exposer/pod_volume.go): they log what the node-agent used to (V-1.17 pkg/podvolume/backup_micro_service.go).
DATA_PATH_POD_LABELS = {"velero.io/data-upload": "DataUpload", "velero.io/data-download": "DataDownload",
                        "velero.io/pod-volume-backup": "PodVolumeBackup",
                        "velero.io/pod-volume-restore": "PodVolumeRestore"}   # V pkg/apis/velero/v1/labels_annotations.go

# --- MTC's own pods on the host (MO roles/migrationcontroller/templates/, CAM 1.2 ... MTC 1.8): the controller
# (Deployment migration-controller, containers cam|mtc and discovery) is labelled app=migration,
# control-plane=controller-manager; app=migration alone is also on migration-ui (service=migration-ui, ui.yml.j2)
# and migration-log-reader (logreader=mig, log_reader.yml.j2: containers color and plain, stern tailing every MTC
# pod, whose lines would come twice) and migration-operator (app=migration only, MO-1.8 deploy/olm-catalog/bundle/
# manifests/crane-operator.v1.8.clusterserviceversion.yaml). control-plane=controller-manager alone is also the OADP
# operator's pod (OADP config/manager/manager.yaml, Deployment openshift-adp-controller-manager), in MTC's namespace
# from MTC 1.7 (mig-operator makes the DataProtectionApplication there). CAM 1.0's controller has no app label, but
# has controller-tools.k8s.io=1.0 as every later one (MO release-1.0 ... release-1.8 controller.yml.j2).
CONTROLLER_LABEL = ("control-plane", "controller-manager")
CONTROLLER_ALSO = (("app", "migration"), ("controller-tools.k8s.io", "1.0"))   # one of these besides

# Velero 1.14/1.15 run repository maintenance as Jobs in Velero's namespace (`<repo>-maintain-job-<ms>`, container
# velero-repo-maintenance-container) whose pods take the Velero server's pod labels (component=velero, ...):
# V-1.14 pkg/repository/maintenance.go, V-1.15 pkg/repository/manager/manager.go `job.Spec.Template.Labels =
# veleroutil.GetVeleroServerLables(deployment)`; V-1.16+ label them velero.io/repo-name only. A Job's pod (the
# Job controller's job-name label) or one labelled REPO_NAME is not the Velero server.
REPO_NAME = "velero.io/repo-name"                           # V pkg/repository RepositoryNameLabel
NOT_VELERO_SERVER = (JOB_NAME, "batch.kubernetes.io/job-name", REPO_NAME)

# --- PodVolumeBackup/Restore phases (V pkg/apis/velero/v1/pod_volume_backup_types.go, pod_volume_restore_type.go):
# New, InProgress, Completed, Failed up to v1.16; v1.17 adds Accepted, Prepared, Canceling, Canceled (a canceled
# one is an error: v1.17 pkg/podvolume/backupper.go logs "pod volume backup canceled: %s")
PV_PENDING = ("", "New", "Accepted", "Prepared", "InProgress", "Canceling")
PV_FAILED = ("Failed", "Canceled")

# --- which helper pods a log source means (mig-logs --log-source), and how each is recognised -------------
HELPER_SOURCES = ("rsync", "stunnel", "hook", "stage", "registry")


def helper_kind(pod: dict, hook_jobs: object = ()) -> str:
    """rsync | stunnel | hook | stage | registry for a pod MTC made for a migration, '' otherwise. Only
    labels are used, never a pod name alone: an application pod is never one of these (its copy the stage restore
    made on the target is a stage pod: see VELERO_RESTORE_NAME). Hook Job pods carry
    no MTC label (hooks.go leaves the pod template bare): they are the pods of the hook Jobs `hook_jobs`
    (names), by the Job controller's `job-name` label."""
    lb = o.labels(pod)
    if lb.get(APPLICATION_POD) == "True":      # MC-1.6+: an application pod labelled for the stage backup
        return "stage" if lb.get(STAGE_POD) == "True" and lb.get(VELERO_RESTORE_NAME) else ""
    if lb.get(REGISTRY) == "True" or legacy_registry_plan(pod):
        return "registry"
    if lb.get(STAGE_POD) == "True" or is_legacy_stage_pod(pod):
        return "stage"
    if lb.get("app") in RSYNC_APPS or lb.get(DVM_UID) == RSYNC_CLIENT_VALUE:
        return "stunnel" if lb.get(PURPOSE) == "stunnel" else "rsync"
    if lb.get(JOB_NAME) and lb.get(JOB_NAME) in hook_jobs:   # type: ignore[operator]
        return "hook"
    return ""


def transfer_side(pod: dict) -> str:
    """The cluster role an rsync/stunnel pod runs on: 'source' for a client (created-for-pvc label; MC-1.4/1.5
    directvolumemigration=rsync-client; MC-1.4's stunnel pod), 'target' for a transfer (server) pod, '' for
    another pod. Told by labels, for a migration within one cluster (MTC 1.7+ storage class conversion and state
    migration, MTC 1.8 VM storage migration), where both roles list the same pods."""
    kind, lb = helper_kind(pod), o.labels(pod)
    if kind not in ("rsync", "stunnel"):
        return ""
    return "source" if RSYNC_PVC in lb or lb.get(DVM_UID) == RSYNC_CLIENT_VALUE or kind == "stunnel" else "target"


def is_legacy_stage_pod(pod: dict) -> bool:
    """A CAM 1.2/1.3 stage pod (no is-stage-pod label, see STAGE_POD): part-of openshift-migration, a MigMigration
    correlation label and the stage-backup label of that same migration."""
    lb = o.labels(pod)
    return lb.get(PART_OF) == PART_OF_VALUE and bool(lb.get(MIGMIGRATION)) \
        and lb.get(INCLUDED_IN_STAGE_BACKUP) == lb.get(MIGMIGRATION) and lb.get(APPLICATION_POD) != "True"


def is_rsync_client(pod: dict) -> bool:
    """A source-side rsync client pod (one per PVC per attempt): it carries the PVC identity label (MC-1.4.3+), or
    MC-1.4/1.5's directvolumemigration=rsync-client (MC release-1.4.0..1.4.2 rsync.go label the client pods with
    {app, directvolumemigration: rsync-client} only; RsyncPodIdentityLabel first appears in release-1.4.3)."""
    lb = o.labels(pod)
    return helper_kind(pod) == "rsync" and (RSYNC_PVC in lb or lb.get(DVM_UID) == RSYNC_CLIENT_VALUE)


def is_block_transfer(pod: dict | None = None, name: str = "") -> bool:
    """A blockrsync pod of MC-1.8 (block volume or VM disk): labelled app=RSYNC_APP_BLOCK; when only its name is
    known (DVM status.failedPods, DVMP status.podName), named BLOCKRSYNC_SERVER_POD or BLOCKRSYNC_CLIENT_PREFIX*."""
    app = o.labels(pod).get("app") if pod else None
    if app in RSYNC_APPS:
        return app == RSYNC_APP_BLOCK
    name = name or (o.name(pod) if pod else "")
    return name == BLOCKRSYNC_SERVER_POD or name.startswith(BLOCKRSYNC_CLIENT_PREFIX)


def containers_for(pod: dict, source: str) -> list[str]:
    """The containers to read for log source `source` in a helper pod."""
    names = [c.get("name", "") for c in o.maps(o.spec(pod).get("containers"))]
    if source == "stunnel":
        return [n for n in names if n == STUNNEL_CONTAINER] or (names if helper_kind(pod) == "stunnel" else [])
    if source == "rsync":
        return [n for n in names if n != STUNNEL_CONTAINER]
    return names


# --- rsync exit codes (rsync's errcode.h and man page "EXIT VALUES", https://download.samba.org/pub/rsync/rsync.1)
# From MC-1.5 the client container runs rsync inside a wrapper that first waits for the local stunnel port:
# `timeout=600; SECONDS=0; while [ $SECONDS -lt $timeout ]; do nc -z localhost 2222; rc=$?; if [ $rc -eq 0 ]; then
# <rsync>; rc=$?; break; fi; done; exit $rc;` (MC-1.5 rsync.go:1796; CL state_transfer/transfer/rsync/client.go
# with timeout=120, MC-1.6+). When stunnel never listens the container exits 1 (nc's) after 120 s (600 s on MTC
# 1.5) without running rsync; MC-1.4 has no wrapper.
RSYNC_WRAPPER_WAIT_S = 120                                  # CL client.go timeout=120 (MC-1.5: 600)
STUNNEL_NEVER_OPENED = "stunnel port never opened: the rsync client wrapper gave up"
RSYNC_EXIT = {
    1: "syntax or usage error",
    2: "protocol incompatibility",
    3: "errors selecting input/output files, dirs",
    5: "error starting client-server protocol",
    10: "error in socket I/O (the connection to the target's rsync daemon failed)",
    11: "error in file I/O",
    12: "error in rsync protocol data stream (the connection broke during the transfer)",
    20: "received SIGUSR1 or SIGINT (the pod was stopped)",
    23: "partial transfer due to error (some files or attributes were not transferred)",
    24: "partial transfer due to vanished source files (files changed while being copied)",
    30: "timeout in data send/receive",
    35: "timeout waiting for daemon connection",
    137: "killed (SIGKILL: out of memory or deleted)",
}

# rsync and stunnel error texts -> what they mean and what to do (rsync's log.c / io.c / syscall messages,
# stunnel's client messages; the texts as rsync prints them).
RSYNC_CAUSES = (
    ("Permission denied", "permission",
     "rsync may not read (source) or write (target) some files: run the transfer as root "
     "(MigrationController spec.migration_rsync_privileged: true, MO defaults/main.yml) or fix the files' "
     "ownership"),
    ("Operation not permitted", "permission",
     "rsync may not set owners or permissions on the target: run the transfer as root "
     "(MigrationController spec.migration_rsync_privileged: true)"),
    ("No space left on device", "no space",
     "the target PVC is full: give it more capacity (MigPlan persistentVolumes[].capacity, or a MigAnalytic "
     "with analyzeExtendedPVCapacity for the proposed size) and migrate again"),
    ("Disk quota exceeded", "no space", "a quota on the target filled up: raise it and migrate again"),
    ("No route to host", "connection",
     "the source cannot reach the target's rsync route: check egress network policies and the route"),
    ("Connection refused", "connection",
     "nothing listens at the target's rsync endpoint: check the rsync transfer pod and its route/service"),
    ("connection reset", "connection",
     "the connection to the target was dropped (stunnel timed out): check the network between the clusters"),
    ("Connection timed out", "connection", "the target's rsync endpoint does not answer: check routes and network"),
    ("vanished", "partial transfer",
     "files changed while they were copied: quiesce the application (MigMigration spec.quiescePods) and migrate again"),
    ("some files/attrs were not transferred", "partial transfer",
     "some files or attributes were not copied: the rsync error lines above name them"),
)


def wrapper_gave_up(exit_code: object, ran_s: float | None, lines: list[str]) -> bool:
    """Exit 1 after the client wrapper's wait (>= ~120 s) with no rsync line: nc's exit, not rsync's (see above)."""
    return str(exit_code) == "1" and ran_s is not None and ran_s >= RSYNC_WRAPPER_WAIT_S - 5 \
        and not any("rsync" in ln.lower() for ln in lines)


BLOCKRSYNC_EXIT = ("blockrsync's own, not rsync's: rsync's exit values do not apply (the container runs "
                   "`/blockrsync <disk> --source ...` directly, without the rsync client's wait wrapper)")


def exit_meaning(exit_code: object, ran_s: float | None, lines: list[str], block: bool = False) -> str:
    """What the rsync pod's exit code means: rsync's own (RSYNC_EXIT), or the client wrapper's when it gave up
    waiting for stunnel (then 1 is nc's); '' for a code neither explains. A blockrsync pod's code (`block`) is
    blockrsync's: neither table applies (CL blockrsync/client.go getBlockrsyncCommand)."""
    if block:
        return BLOCKRSYNC_EXIT if str(exit_code) not in ("?", "0", "") else ""
    if wrapper_gave_up(exit_code, ran_s, lines):
        return (f"not rsync's: after {o.human_duration(ran_s)} the client wrapper's wait for the local stunnel port "
                f"ran out (timeout={RSYNC_WRAPPER_WAIT_S}s; 600s on MTC 1.5) and it exited with nc's 1")
    try:
        return RSYNC_EXIT.get(int(str(exit_code)), "")
    except ValueError:
        return ""


def rsync_meaning(exit_code: object, lines: list[str], ran_s: float | None = None,
                  block: bool = False) -> tuple[str, str]:
    """(what happened, what to do) from an rsync exit code, its error lines and how long the container ran.
    For a blockrsync pod (`block`) only the error lines speak: its exit code is not rsync's."""
    for needle, what, fix in RSYNC_CAUSES:
        if any(needle.lower() in ln.lower() for ln in lines):
            return what, fix
    if block:
        return "blockrsync failed", ("read the blockrsync and proxy containers' logs of the failed pod and the "
                                     f"target's {BLOCKRSYNC_SERVER_POD} pod, and check Route {RSYNC_ROUTE_BLOCK} "
                                     f"and Service {RSYNC_SVC_BLOCK} in the target namespace")
    if wrapper_gave_up(exit_code, ran_s, lines):
        return STUNNEL_NEVER_OPENED, ("rsync never ran: the rsync pod's stunnel container never listened on its "
                                     "local port (2222), so the wrapper's `nc -z` never succeeded: read that "
                                     "container's state and log (oc mig-logs --log-source stunnel --cluster source)")
    try:
        code = int(str(exit_code))
    except ValueError:
        code = -1
    if code in (10, 12, 30, 35, 5):
        return "connection", "check the network path from the source namespace to the target's rsync route"
    if code in (23, 24):
        return "partial transfer", "read the rsync error lines of the pod: they name the files not copied"
    return "rsync failed", "read the rsync container's log of the failed pod"


def is_rsync_error_line(line: str, block: bool = False) -> bool:
    """An rsync/stunnel line that reports a problem (rsync prefixes them `rsync:` / `rsync error:`); of a
    blockrsync pod (`block`, whose programs log through zap, not rsync's way), any line that says error or fail."""
    low = line.lower()
    if block and ("error" in low or "fail" in low):
        return True
    return ("rsync error" in low or "rsync warning" in low or low.lstrip().startswith("rsync:")
            or " rsync: " in low or any(n.lower() in low for n, _w, _f in RSYNC_CAUSES))


def md5(s: str) -> str:
    """Hex md5, as MTC names a DVMP and labels an rsync pod (created-for-pvc: md5 of the PVC name)."""
    import hashlib

    return hashlib.md5(s.encode()).hexdigest()   # noqa: S324 - the name MTC computes, not a security use


def dvmp_name(dvm_name: str, pvc: str, namespace: str) -> str:
    """The DVMP of one PVC of a DVM: hex md5(<dvm name><pvc name><source ns>) (MC rsync.go getMD5Hash)."""
    return md5(dvm_name + pvc + namespace)


# --- KubeVirt VirtualMachines (MC-1.8 pkg/apis/migration/v1alpha1/annotations.go, pkg/controller/migmigration/
# quiesce.go quiesceVirtualMachines / unQuiesceVirtualMachines / startVM; added by MC 5e957a251, #1375) ----------
# The quiesce annotates an active VM that mounts a copied PVC (or DataVolume) with START_VM=true, and RUN_STRATEGY
# = its spec.runStrategy when it has one, then PUTs its `stop` subresource; the unquiesce starts the VMs not active
# that carry START_VM=true, restores spec.runStrategy from RUN_STRATEGY, removes both and PUTs `start`.
START_VM = "migration.openshift.io/start-vm"                # annotations.go StartVMAnnotation ("true")
RUN_STRATEGY = "migration.openshift.io/vm-run-strategy"     # annotations.go RunStrategyAnnotation


def stopped_vm(vm: dict) -> bool:
    """A VirtualMachine MTC's quiesce stopped, and its unquiesce would start: START_VM is "true"."""
    return o.annotations(vm).get(START_VM) == "true"


# quiesce.go vmSubresourceURLFmt, with virtv1.ApiStorageVersion v1
VM_SUBRESOURCE = "/apis/subresources.kubevirt.io/v1/namespaces/{namespace}/virtualmachines/{name}/{action}"
VMI_KIND = "VirtualMachineInstance"                         # isVMActive: a pod owned by the VMI of the VM's name
