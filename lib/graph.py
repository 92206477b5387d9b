"""The chain of CRs of one migration (or plan) across host, source and target.

Fetches by label-selected lists: a constant number of requests per kind per cluster,
never one per object.
"""

from __future__ import annotations

from . import mtc
from . import objects as o
from . import pods as podlib
from .errors import ApiError, MigError, NotCollected, NotServed
from .source import Source

MIGRATION_LABEL = "migmigration"
BACKUP_NAME = "velero.io/backup-name"
RESTORE_NAME = "velero.io/restore-name"
TYPE_ANNOTATIONS = ("migration.openshift.io/migmigration-type", "openshift.io/migrate-copy-phase")
VELERO_ROLES = (
    ("migration-initial-backup", "initial backup (Kubernetes objects)"),
    ("migration-stage-backup", "stage backup (PV data)"),
    ("migration-stage-restore", "stage restore (PV data)"),
    ("migration-final-restore", "final restore (Kubernetes objects)"),
)


# What build() lists, per role: with the checks' declarations (lib/checks), what mig-gather collects.
GRAPH_KINDS = {
    "host": ("MigMigration", "MigPlan", "MigCluster", "MigStorage", "DirectVolumeMigration",
             "DirectVolumeMigrationProgress", "DirectImageMigration", "DirectImageStreamMigration", "MigHook",
             "MigAnalytic"),
    "source": ("Backup", "PodVolumeBackup", "BackupStorageLocation", "VolumeSnapshotLocation", "Pod", "Job"),
    "target": ("Restore", "PodVolumeRestore", "BackupStorageLocation", "VolumeSnapshotLocation", "Pod", "Job"),
}
# What build() lists in the plan's application namespaces (MTC's own pods there: rsync, stunnel, stage; hook
# Jobs and their pods when a hook runs there), with the events about them (mig-gather).
GRAPH_APP_KINDS = {"source": ("Pod", "Job", "Event"), "target": ("Pod", "Job", "Event")}


class Graph:
    """One migration (or every migration of a plan) and the objects it spans on the three clusters.
    (A plain class, not a dataclass: `dataclasses` imports `inspect`, ~5 ms of every start-up.)"""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.plan: dict | None = None
        self.migration: dict | None = None
        self.migrations: list = []
        self.migclusters: dict = {}   # role -> MigCluster
        self.storage: dict | None = None
        self.bsls: dict = {}          # role -> [BackupStorageLocation]
        self.vsls: dict = {}          # role -> [VolumeSnapshotLocation]
        self.backups: list = []       # source
        self.restores: list = []      # target
        self.pvbs: list = []          # source
        self.pvrs: list = []          # target
        self.unreachable: dict = {}   # role -> one-line reason
        self.labels: dict = {}        # role -> cluster label
        # MTC 1.4+ (host): direct volume/image migrations, their progress objects, hooks, analytics
        self.dvms: list = []
        self.dvmps: list = []
        self.dims: list = []
        self.disms: list = []
        self.hooks: list = []         # the plan's MigHooks
        self.analytics: list = []     # the plan's MigAnalytics
        # source/target: hook Jobs and MTC's helper pods (rsync, stunnel, stage, registry, hook Job pods)
        self.jobs: dict = {}          # role -> [Job]
        self.helpers: dict = {}       # role -> [Pod]
        self.logged: dict = {}        # role -> [pods a must-gather saved only the log of, lib/pods SAVED_LOG]
        self.missing: dict = {}       # role -> why its helper pods/Jobs could not be read
        self._dvmp_pvcs: dict | None = None

    @property
    def migration_uids(self) -> list[str]:
        migs = [self.migration] if self.migration else self.migrations
        return [o.uid(m) for m in migs if m]

    def volume_locations(self, role: str) -> tuple[set, set]:
        """(nodes, restic/node-agent pod names) that moved this migration's volumes on `role`: PodVolumeBackups
        name their node (spec.node), PodVolumeRestores their restic pod (status.resticPod, old forks) or their
        node (status.node, Velero 1.17); else see pvr_node()."""
        nodes, pods = set(), set()
        for v in (self.pvbs if role == "source" else self.pvrs):
            node = o.spec(v).get("node") or o.status(v).get("node")
            if node and isinstance(node, str):              # a name of another type names no node
                nodes.add(node)
            if o.status(v).get("resticPod") and isinstance(o.status(v)["resticPod"], str):
                pods.add(o.status(v)["resticPod"])
        return nodes, pods

    def restic_pod_served(self, role: str, pod: dict) -> bool:
        """Whether restic/node-agent `pod` moved volumes of this migration on `role`: by node or by name; a data path
        pod (lib/mtc DATA_PATH_POD_LABELS) by the PodVolumeBackup/Restore it is labelled with."""
        kind, _, owner = podlib.data_path_of(pod).partition(" ")
        if owner:
            vols = self.pvbs if role == "source" else self.pvrs
            return any(v.get("kind", kind) == kind and o.name(v) == owner for v in vols)
        nodes, pods = self.volume_locations(role)
        return podlib.node(pod) in nodes or o.name(pod) in pods

    def backups_of(self, migration: dict) -> list[dict]:
        return [b for b in self.backups if o.labels(b).get(MIGRATION_LABEL) == o.uid(migration)]

    def restores_of(self, migration: dict) -> list[dict]:
        return [r for r in self.restores if o.labels(r).get(MIGRATION_LABEL) == o.uid(migration)]

    def pvbs_of(self, backup: dict) -> list[dict]:
        return [p for p in self.pvbs if o.labels(p).get(BACKUP_NAME) == o.name(backup)]

    def pvrs_of(self, restore: dict) -> list[dict]:
        return [p for p in self.pvrs if o.labels(p).get(RESTORE_NAME) == o.name(restore)]

    def restore_named(self, name: str) -> dict | None:
        return next((r for r in self.restores if o.name(r) == name), None)

    # --- MTC 1.4+ objects -------------------------------------------------------------------------
    def dvms_of(self, migration: dict) -> list[dict]:
        return [d for d in self.dvms if _owned_by(d, migration, mtc.MIGMIGRATION)]

    def dims_of(self, migration: dict) -> list[dict]:
        return [d for d in self.dims if _owned_by(d, migration, mtc.MIGMIGRATION)]

    def dvmps_of(self, dvm: dict) -> list[dict]:
        return [p for p in self.dvmps if o.labels(p).get(mtc.DVM_UID) == o.uid(dvm)]

    def disms_of(self, dim: dict) -> list[dict]:
        return [d for d in self.disms if o.labels(d).get(mtc.DIM_UID) == o.uid(dim)]

    def dvmp_pvc(self, dvmp: dict) -> dict:
        """The DVM spec.persistentVolumeClaims[] entry a DVMP reports on ({} when unknown): DVMPs are named
        md5(<dvm><pvc><ns>) (lib/mtc.dvmp_name), computed once per PVC."""
        if self._dvmp_pvcs is None:
            # an entry that is not a map is left out; a name or namespace not text is read as its text
            by_name: dict = {}
            for dvm in self.dvms:
                for entry in o.maps(o.spec(dvm).get("persistentVolumeClaims")):
                    pvc = {**entry, **{k: str(entry[k]) for k in ("name", "namespace") if entry.get(k) is not None}}
                    by_name[mtc.dvmp_name(o.name(dvm), pvc.get("name", ""), pvc.get("namespace", ""))] = pvc
            self._dvmp_pvcs = by_name
        return self._dvmp_pvcs.get(o.name(dvmp)) or {}

    @staticmethod
    def dvmp_pod(dvmp: dict) -> tuple[str, str]:
        """(namespace, name) of the rsync client pod a DVMP watches, ('', '') when unknown: status.podName with
        spec.podNamespace (MC-1.4.3+), else spec.podRef (MC release-1.4.0..1.4.2
        directvolumemigrationprogress_types.go have only podRef: {name, namespace})."""
        ref = o.as_map(o.spec(dvmp).get("podRef"))
        return (str(o.spec(dvmp).get("podNamespace") or ref.get("namespace") or ""),
                str(o.status(dvmp).get("podName") or ref.get("name") or ""))

    def hook_job_names(self) -> set:
        return {o.name(j) for js in self.jobs.values() for j in js}

    def helper_kind(self, pod: dict) -> str:
        return podlib.saved_log(pod).get("kind") or mtc.helper_kind(pod, self.hook_job_names())

    def logged_pod(self, role: str, namespace: str, name: str) -> dict | None:
        """The pod `namespace/name` on `role` when the must-gather holds only its saved log."""
        return next((p for p in self.logged.get(role, []) if o.name(p) == name and o.namespace(p) == namespace), None)

    def helpers_of(self, role: str, kind: str | None = None) -> list[dict]:
        return [p for p in self.helpers.get(role, []) if kind is None or self.helper_kind(p) == kind]

    def hook_of_job(self, job: dict) -> dict | None:
        return next((h for h in self.hooks if o.uid(h) == o.labels(job).get(mtc.HOOK_UID)), None)

    def job_pods(self, role: str, job: dict) -> list[dict]:
        return [p for p in self.helpers.get(role, []) if o.labels(p).get(mtc.JOB_NAME) == o.name(job)
                and o.namespace(p) == o.namespace(job)]


def _owned_by(obj: dict, owner: dict, label: str) -> bool:
    if o.labels(obj).get(label) == o.uid(owner):
        return True
    return any(r.get("uid") == o.uid(owner) for r in o.meta(obj).get("ownerReferences") or [])


def velero_role(obj: dict) -> str:
    """What a migration Backup/Restore is for: initial/stage backup, stage/final restore."""
    labels = o.labels(obj)
    for key, desc in VELERO_ROLES:
        if key in labels:
            return desc
    kind = obj.get("kind", "")
    copy = next((o.annotations(obj)[a] for a in TYPE_ANNOTATIONS if a in o.annotations(obj)), "")
    if kind == "Backup":
        return "stage backup (PV data)" if "migration-included-stage-backup" in str(o.spec(obj)) \
            else f"{copy or 'migration'} backup"
    return f"{copy or 'migration'} restore"


def migration_type(mig: dict) -> str:
    """rollback, stage, state or final, as mig-controller picks the itinerary ([MC-1.5+]
    pkg/controller/migmigration/task.go init): spec.rollback runs Rollback; spec.stage, and spec.migrateState
    (MTC 1.5+ state migration: PVCs and their data only), run Stage; anything else runs Final."""
    sp = o.spec(mig)
    if sp.get("rollback") is True:      # a bool in MTC's types: "false" or 1 in a bundle is none
        return "rollback"
    if sp.get("stage") is True:
        return "stage"
    return "state" if sp.get("migrateState") is True else "final"


def resolve_migration(migrations: list[dict], ref: str, namespace: str) -> dict:
    """A migration by name, UID, or unique name/UID prefix; otherwise a MigError naming the closest."""
    for m in migrations:
        if ref in (o.name(m), o.uid(m)):
            return m
    hits = [m for m in migrations if o.name(m).startswith(ref) or o.uid(m).startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = ", ".join(sorted(o.name(m) for m in hits)[:5])
        raise MigError(f'migration "{ref}" is ambiguous in namespace {namespace}: matches {names}')
    raise MigError(f'migmigration "{ref}" not found in namespace {namespace}'
                   + _closest(ref, [o.name(m) for m in migrations]))


def _closest(ref: str, names: list[str]) -> str:
    if not names:
        return " (it has none)"
    import difflib  # only to suggest names

    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.4)
    return f"; did you mean: {', '.join(close)}?" if close else ""


def name_of(obj: dict) -> str:
    return o.name(obj)


def list_migrations(src: Source) -> list[dict]:
    """All MigMigrations in the MTC namespace, newest first."""
    migs = src.list("host", "MigMigration", src.namespace)
    return sorted(migs, key=lambda m: str(o.meta(m).get("creationTimestamp") or ""), reverse=True)


def build(src: Source, ref: str | None = None, plan_name: str | None = None, analytics: bool = False) -> Graph:
    """The graph of migration `ref`, or of every migration of plan `plan_name`; with `analytics`, the plan's
    MigAnalytics too (mig-crs shows them; nothing else reads them)."""
    ns = src.namespace
    g = Graph(namespace=ns)
    g.labels["host"] = src.label("host")
    migrations = list_migrations(src)
    plans = src.list("host", "MigPlan", ns)
    if ref:
        g.migration = resolve_migration(migrations, ref, ns)
        plan_name = o.plan_name(g.migration)
    g.plan = next((p for p in plans if o.name(p) == plan_name), None)
    if g.plan is None and not ref:
        raise MigError(f'migplan "{plan_name}" not found in namespace {ns}'
                       + _closest(plan_name or "", [o.name(p) for p in plans]))
    g.migrations = [m for m in migrations if o.plan_name(m) == plan_name]
    if g.plan is None:
        return g

    clusters = {o.name(c): c for c in src.list("host", "MigCluster", ns)}
    for role, ref_key in (("source", "srcMigClusterRef"), ("target", "destMigClusterRef")):
        mc = clusters.get(o.ref_name(g.plan, ref_key))
        g.migclusters[role] = mc
        src.bind(role, mc)
        g.labels[role] = src.label(role)
    storage_name = o.ref_name(g.plan, "migStorageRef") or None
    g.storage = next((s for s in src.list("host", "MigStorage", ns) if o.name(s) == storage_name), None)

    uids = g.migration_uids
    if not uids:
        return g
    _collect_host(src, g, uids, analytics)
    _collect_clusters(src, g, uids, storage_name)
    return g


ROLES = ("source", "target")


def _collect_clusters(src: Source, g: Graph, uids: list[str], storage_name: str | None) -> None:
    """What source and target hold of the migration. From live clusters both are read at once, each on
    its own connection: a slow or silent cluster no longer delays the other, and mig-crs answers ~7 ms
    sooner. Their credentials come from the host (MigCluster secrets), read first, one at a time."""

    def one(role: str) -> None:
        try:
            _collect(src, g, role, uids, storage_name)
        except (ApiError, MigError) as e:
            g.unreachable[role] = str(e)
            return
        try:
            _collect_helpers(src, g, role, uids)
        except (ApiError, MigError) as e:     # e.g. no right to list pods cluster-wide, or not in the must-gather
            g.missing[role] = f"MTC's rsync, stage, registry and hook pods on {role}: {e}"

    client = getattr(src, "client", None) if getattr(src, "live", False) else None
    if client is None:
        for role in ROLES:
            one(role)
        return
    for role in ROLES:
        try:
            client(role)
        except (ApiError, MigError):
            pass                              # one(role) meets the same error and records it
    _concurrently(one, ROLES)
    for found in (g.bsls, g.vsls, g.jobs, g.helpers, g.unreachable, g.missing):   # in role order, as read one
        for role in ROLES:                                                          # after the other
            if role in found:
                found[role] = found.pop(role)


def _concurrently(fn, args: tuple) -> None:
    """fn(a) for every a, each in its own thread but the first (in this one); the first exception of any
    is raised here once all are done."""
    import threading

    errors: list[BaseException] = []

    def run(a) -> None:
        try:
            fn(a)
        except BaseException as e:  # noqa: BLE001 (re-raised below, in the caller's thread)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(a,), daemon=True, name=f"graph-{a}") for a in args[1:]]
    for t in threads:
        t.start()
    run(args[0])
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def uses(g: Graph, steps: tuple[str, ...]) -> bool:
    """Whether a migration of the graph runs one of these pipeline steps: mig-controller puts every step its
    itinerary will run into status.pipeline when it starts (MC pkg/controller/migmigration/task.go
    initPipeline), so a migration without a DirectVolume step has no DVM and no rsync pods."""
    migs = [g.migration] if g.migration else g.migrations
    return any(isinstance(st, dict) and st.get("name") in steps
               for m in migs if m for st in o.items(o.status(m).get("pipeline")))


def legacy_stage_pods(g: Graph) -> bool:
    """Whether a CAM 1.2/1.3 migration of the graph may still have stage pods: it has a phase (or itinerary) but no
    status.pipeline, which MC-1.4+ sets in the same reconcile as its itinerary and first phase (MC release-1.4.0
    pkg/controller/migmigration/task.go init -> initPipeline; release-1.2.0..1.3.2 migmigration_types.go have no
    pipeline), so `uses` cannot tell; and its durable StagePodsCreated condition stands, which mig-controller
    removes once every stage pod has terminated on both clusters (release-1.2.0 pod.go, release-1.3.2 stage.go
    ensureStagePodsTerminated)."""
    return any(o.has_condition(m, mtc.COND_STAGE_PODS_CREATED) for m in _cam_migrations(g))


def legacy_image_copy(g: Graph) -> bool:
    """Whether a CAM 1.2/1.3 migration of the graph (a phase, no status.pipeline: see legacy_stage_pods) has not
    succeeded: those releases copy every image through the plan's registry pods (there is no
    indirectImageMigration nor registry condition before MC-1.4), worth reading while it runs or after it failed."""
    return any(not o.succeeded(m) for m in _cam_migrations(g))


def _cam_migrations(g: Graph) -> list[dict]:
    """The graph's migrations that CAM 1.2/1.3 ran: started (a phase or itinerary) without a status.pipeline."""
    migs = [g.migration] if g.migration else g.migrations
    return [m for m in migs if m and (o.status(m).get("phase") or o.status(m).get("itinerary"))
            and "pipeline" not in o.status(m)]


def _collect_host(src: Source, g: Graph, uids: list[str], analytics: bool = False) -> None:
    """DVMs, DVMPs, DIMs, DISMs of the migrations that run those steps; the plan's MigHooks when it has hooks,
    its MigAnalytics when asked (one list per kind, none when not needed: the request budget of a migration
    without them is unchanged). A kind the host does not serve (MTC before 1.4, a must-gather without it)
    is simply absent; one it could not read (refused, no answer, not in the must-gather) is said in `missing`."""
    ns = g.namespace
    sel = o.in_selector(mtc.MIGMIGRATION, uids)

    def listed(kind: str, labels: str | None = None) -> list[dict]:
        try:
            return _sorted(src.list("host", kind, ns, labels=labels))
        except NotServed:
            return []
        except (ApiError, MigError) as e:
            g.missing[f"host {kind}"] = f"{kind} on host: {e}"
            return []

    g.dvms = listed("DirectVolumeMigration", sel) if uses(g, mtc.DVM_STEPS) else []
    g.dims = listed("DirectImageMigration", sel) if uses(g, mtc.DIM_STEPS) else []
    g.dvmps = listed("DirectVolumeMigrationProgress", o.in_selector(mtc.DVM_UID, [o.uid(d) for d in g.dvms])) \
        if g.dvms else []
    g.disms = listed("DirectImageStreamMigration", o.in_selector(mtc.DIM_UID, [o.uid(d) for d in g.dims])) \
        if g.dims else []
    wanted = {str((h.get("reference") or {}).get("name") or "") for h in o.plan_hooks(g.plan)}
    g.hooks = [h for h in listed("MigHook") if o.name(h) in wanted] if wanted else []
    plan = o.name(g.plan) if g.plan and analytics else ""
    g.analytics = [a for a in listed("MigAnalytic")
                   if o.labels(a).get(mtc.ANALYTIC_PLAN) == plan
                   or (o.spec(a).get("migPlanRef") or {}).get("name") == plan] if plan else []


def _collect_helpers(src: Source, g: Graph, role: str, uids: list[str]) -> None:
    """MTC's pods for these migrations on `role`, in one list per cluster whatever the number of PVCs or
    namespaces: every pod labelled part-of=openshift-migration (rsync/stunnel and stage pods in the
    application namespaces, registry pods in MTC's), kept when they belong to these migrations; hook Jobs
    (label owner=<MigMigration UID>, any execution namespace) and, when there are any, their pods (job-name)."""
    plan_uid = o.uid(g.plan) if g.plan else ""
    dvm_uids = {o.uid(d) for d in g.dvms}
    spaces = set(app_namespaces(g.plan, role))
    wanted = g.dvms or uses(g, mtc.HELPER_STEPS) or legacy_stage_pods(g) \
        or o.spec(g.plan or {}).get("indirectImageMigration") is True \
        or any(o.has_condition(m, mtc.COND_REGISTRIES_UNHEALTHY) for m in ([g.migration] if g.migration else g.migrations))
    pods = [] if not wanted else [p for p in _everywhere(src, g, role, "Pod", f"{mtc.PART_OF}={mtc.PART_OF_VALUE}", spaces)
            if (o.namespace(p) in spaces and _mine(p, uids, dvm_uids, plan_uid))
            or (o.namespace(p) == g.namespace and mtc.helper_kind(p) == "registry"
                and o.labels(p).get(mtc.MIGPLAN_UID) == plan_uid)]
    if plan_uid and not any(mtc.helper_kind(p) == "registry" for p in pods) and (
            o.spec(g.plan or {}).get("indirectImageMigration") is True
            or any(o.has_condition(m, mtc.COND_REGISTRIES_UNHEALTHY) for m in ([g.migration] if g.migration else g.migrations))):
        # MTC 1.4 labels its registry pods without part-of (app, deployment, migplan=<plan UID> and the registry
        # label only: MC-1.4 migplan_types.go:393-398; the correlation labels are merged from MC-1.5)
        pods += src.list(role, "Pod", g.namespace, labels=f"{mtc.REGISTRY}=True,{mtc.MIGPLAN_UID}={plan_uid}")
    if plan_uid and legacy_image_copy(g) and not any(mtc.helper_kind(p) == "registry" for p in pods):
        # CAM 1.2/1.3 registry pods: labels of their DeploymentConfig's template only (lib/mtc.py LEGACY_REGISTRY_DC)
        try:
            pods += [p for p in src.list(role, "Pod", g.namespace, labels=mtc.LEGACY_REGISTRY_DC)
                     if mtc.legacy_registry_plan(p) == plan_uid]
        except (ApiError, MigError) as e:     # the other helpers stand; this one is said, not dropped
            g.missing.setdefault(role, f"CAM 1.2/1.3 registry pods on {role}: {e}")
    if g.dvms and not any(mtc.helper_kind(p) in ("rsync", "stunnel") for p in pods):
        # MC-1.4.0..1.4.2 label rsync transfer, client and stunnel pods without part-of (lib/mtc.py RSYNC_APP): when
        # the part-of list has none, the DVMs' pods are looked for by their `app` label (one more list per cluster,
        # only for a migration with DVMs whose rsync pods are not already found)
        pods += [p for p in _everywhere(src, g, role, "Pod", o.in_selector("app", list(mtc.RSYNC_APPS)), spaces)
                 if o.namespace(p) in spaces and _mine(p, uids, dvm_uids, plan_uid)]
    jobs = _everywhere(src, g, role, "Job", o.in_selector(mtc.HOOK_OWNER, uids), spaces) if g.hooks else []
    jobs = [j for j in jobs if o.labels(j).get(mtc.HOOK_UID)]
    if one_cluster(g):
        # source and target are one cluster (lib/mtc transfer_side): each transfer pod, and each hook Job (by its
        # MigHook's targetCluster), on the role it plays, not twice
        pods = [p for p in pods if mtc.transfer_side(p) in ("", role)]
        jobs = [j for j in jobs if _hook_role(g, j) in ("", role)]
    if jobs:
        names = [o.name(j) for j in jobs]
        pods += [p for p in _everywhere(src, g, role, "Pod", o.in_selector(mtc.JOB_NAME, names),
                                        {o.namespace(j) for j in jobs})
                 if any(o.namespace(p) == o.namespace(j) for j in jobs)]
    g.jobs[role] = _sorted(jobs)
    g.helpers[role] = _sorted(list({(o.namespace(p), o.name(p)): p for p in pods}.values()))
    if wanted and role in g.missing:      # the pods of the application namespaces are not in the must-gather
        known = {(o.namespace(p), o.name(p)) for p in g.helpers[role]}
        g.logged[role] = [p for p in _logged(src, g, role, spaces)
                          if (o.namespace(p), o.name(p)) not in known
                          and (not one_cluster(g) or podlib.saved_log(p)["side"] == role)]
        if not g.logged[role]:
            del g.logged[role]
        else:
            g.missing[role] += (f"; the must-gather's saved logs of {len(g.logged[role])} of them are read (no Pod "
                                "objects: no phase, exit code or container of theirs is known)")


def _text(x) -> str:
    """A namespace or name field as text: one of another type (a list, a map, a number) is none."""
    return x if isinstance(x, str) else ""


def _logged(src: Source, g: Graph, role: str, spaces: set) -> list[dict]:
    """MTC's pods of these migrations that the must-gather holds only a saved log of (Source.logged_pods: the
    MTC image from release-1.8 saves the log of every pod labelled part-of=openshift-migration outside the MTC
    namespaces, never the pod), each given the helper kind only what the bundle's objects prove: an rsync client
    named by the DirectVolumeMigration (status.failedPods) or its progress (DVMP status.podName,
    rsyncPodStatuses); a transfer server by the fixed name MTC gives it (lib/mtc RSYNC_SERVER_PODS,
    STUNNEL_SOURCE_POD); a stage pod named by a PodVolumeBackup of the migration's Backups (spec.pod). A name
    alone proves nothing more: from MTC 1.6 the application pods of a stage backup carry part-of too (MC
    stage.go), whatever they are called. Hook Job pods never carry part-of (MC hooks.go baseJobTemplate: a pod
    template without labels): their logs are not in such a bundle."""
    named: dict = {}
    for dvm in g.dvms:
        for p in o.maps(o.status(dvm).get("failedPods")):      # a name or namespace that is no text: none
            if isinstance(p.get("name"), str) and p["name"]:
                named.setdefault((_text(p.get("namespace")), p["name"]), f"DirectVolumeMigration {o.name(dvm)} "
                                                                          "status.failedPods")
    for dvmp in g.dvmps:
        ns, watched = g.dvmp_pod(dvmp)
        if watched:
            named.setdefault((ns, watched), f"DirectVolumeMigrationProgress {o.name(dvmp)}")
        for h in o.items(o.status(dvmp).get("rsyncPodStatuses")):
            if isinstance(h, dict) and h.get("podName"):
                named.setdefault((ns, str(h["podName"])), f"DirectVolumeMigrationProgress {o.name(dvmp)} status")
    staged = {}
    if role == "source":
        for v in g.pvbs:
            pod = o.spec(v).get("pod") or {}
            if isinstance(pod, dict) and isinstance(pod.get("name"), str) \
                    and pod["name"].startswith(mtc.STAGE_POD_PREFIX):
                staged[(_text(pod.get("namespace")), pod["name"])] = f"PodVolumeBackup {o.name(v)} spec.pod"
    out = []
    for p in src.logged_pods(role):
        key = (o.namespace(p), o.name(p))
        if key[0] not in spaces:
            continue
        if key in named and g.dvms and role == "source":
            kind, side, why = "rsync", "source", f"named by {named[key]}"
        elif key[1] in mtc.RSYNC_SERVER_PODS and g.dvms:
            kind, side, why = "rsync", "target", "MTC's fixed name of its rsync server pod"
        elif key[1] == mtc.STUNNEL_SOURCE_POD and g.dvms:
            kind, side, why = "stunnel", "source", "MTC's fixed name of its stunnel pod (MTC 1.4)"
        elif key in staged:
            kind, side, why = "stage", "source", f"named by {staged[key]}"
        else:
            continue
        info = dict(podlib.saved_log(p), kind=kind, side=side, why=why)
        out.append({**p, podlib.SAVED_LOG: info})
    return _sorted(out)


def _everywhere(src: Source, g: Graph, role: str, kind: str, labels: str, spaces) -> list[dict]:
    """`kind` across every namespace; when a must-gather holds it from a few namespaces only (the MTC image
    and `oc adm inspect` gather MTC's namespace, never the applications'), what it has of `spaces` and MTC's
    namespace, the rest said in `missing`: not collected, never absent."""
    try:
        return src.list(role, kind, None, labels=labels)
    except NotCollected as e:
        g.missing.setdefault(role, f"MTC's rsync, stage, registry and hook pods on {role}: {e}")
    out: list[dict] = []
    for ns in sorted(set(spaces) | {g.namespace}):
        try:
            out += src.list(role, kind, ns, labels=labels)
        except NotCollected:
            pass
    return out


def one_cluster(g: Graph) -> bool:
    """Whether the plan's source and destination are the same MigCluster."""
    src, dst = g.migclusters.get("source") or {}, g.migclusters.get("target") or {}
    return bool(src and dst) and (o.namespace(src), o.name(src)) == (o.namespace(dst), o.name(dst))


def _hook_role(g: Graph, job: dict) -> str:
    hook = next((h for h in g.hooks if o.uid(h) == o.labels(job).get(mtc.HOOK_UID)), None)
    return mtc.hook_role(hook) if hook else ""


def _mine(pod: dict, uids: list[str], dvm_uids: set, plan_uid: str) -> bool:
    """Whether an MTC pod of an application namespace belongs to these migrations: rsync pods by their DVM's
    UID when they carry one (MC-1.5+ transfer pods, MC-1.6+ all: directvolumemigration/task.go buildDVMLabels puts
    the DVM's correlation label next to migrated-by-migplan, so a pod of another migration of the same plan names
    its own DVM), else by plan UID, else taken (MC-1.4 pods and MC-1.4/1.5 client pods carry neither); stage pods
    by the MigMigration UID."""
    kind, lb = mtc.helper_kind(pod), o.labels(pod)
    if kind in ("rsync", "stunnel"):
        dvm = lb.get(mtc.DVM_UID)
        if dvm and dvm != mtc.RSYNC_CLIENT_VALUE:
            return dvm in dvm_uids
        return lb.get(mtc.MIGRATED_BY_PLAN, plan_uid) == plan_uid
    return kind == "stage" and lb.get(mtc.MIGMIGRATION) in uids


def app_namespaces(plan: dict | None, role: str) -> list[str]:
    """The plan's application namespaces on `role` (source names on the source, destination names on the target)."""
    return list(dict.fromkeys(d if role == "target" else s for s, d in o.namespace_pairs(plan)))


def _collect(src: Source, g: Graph, role: str, uids: list[str], storage_name: str | None) -> None:
    ns = g.namespace
    sel = o.in_selector(MIGRATION_LABEL, uids)
    if role == "source":
        g.backups = _sorted(src.list(role, "Backup", ns, labels=sel))
        names = [o.name(b) for b in g.backups]
        g.pvbs = _sorted(src.list(role, "PodVolumeBackup", ns, labels=o.in_selector(BACKUP_NAME, names))) \
            if names else []
        # names, as text: a location of another type (a list, a map) names none
        used = {x for b in g.backups for x in [o.spec(b).get("storageLocation")] if isinstance(x, str)}
        vused = {v for b in g.backups for v in o.items(o.spec(b).get("volumeSnapshotLocations")) if isinstance(v, str)}
    else:
        g.restores = _sorted(src.list(role, "Restore", ns, labels=sel))
        names = [o.name(r) for r in g.restores]
        g.pvrs = _sorted(src.list(role, "PodVolumeRestore", ns, labels=o.in_selector(RESTORE_NAME, names))) \
            if names else []
        used, vused = set(), set()
    g.bsls[role] = _locations(src.list(role, "BackupStorageLocation", ns), used, storage_name)
    g.vsls[role] = _locations(src.list(role, "VolumeSnapshotLocation", ns), vused, storage_name)


def _locations(items: list[dict], used: set, storage_name: str | None) -> list[dict]:
    """The locations this migration used: named by its Backups, or generated from the MigStorage name."""
    mine = [i for i in items if o.name(i) in used
            or (storage_name and o.name(i).startswith(storage_name + "-"))]
    return mine or items


def _sorted(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda i: (str(o.meta(i).get("creationTimestamp") or ""), o.name(i)))
