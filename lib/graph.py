"""The chain of CRs of one migration (or plan) across host, source and target.

Fetches by label-selected lists: a constant number of requests per kind per cluster,
never one per object.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from . import objects as o
from .errors import ApiError, MigError
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
    "host": ("MigMigration", "MigPlan", "MigCluster", "MigStorage"),
    "source": ("Backup", "PodVolumeBackup", "BackupStorageLocation", "VolumeSnapshotLocation"),
    "target": ("Restore", "PodVolumeRestore", "BackupStorageLocation", "VolumeSnapshotLocation"),
}


@dataclass
class Graph:
    namespace: str
    plan: dict | None = None
    migration: dict | None = None
    migrations: list = field(default_factory=list)
    migclusters: dict = field(default_factory=dict)   # role -> MigCluster
    storage: dict | None = None
    bsls: dict = field(default_factory=dict)          # role -> [BackupStorageLocation]
    vsls: dict = field(default_factory=dict)          # role -> [VolumeSnapshotLocation]
    backups: list = field(default_factory=list)       # source
    restores: list = field(default_factory=list)      # target
    pvbs: list = field(default_factory=list)          # source
    pvrs: list = field(default_factory=list)          # target
    unreachable: dict = field(default_factory=dict)   # role -> one-line reason
    labels: dict = field(default_factory=dict)        # role -> cluster label

    @property
    def migration_uids(self) -> list[str]:
        migs = [self.migration] if self.migration else self.migrations
        return [o.uid(m) for m in migs if m]

    def volume_locations(self, role: str) -> tuple[set, set]:
        """(nodes, restic/node-agent pod names) that moved this migration's volumes on `role`: PodVolumeBackups
        name their node (spec.node), PodVolumeRestores their restic pod (status.resticPod, before Velero 1.10)."""
        nodes, pods = set(), set()
        for v in (self.pvbs if role == "source" else self.pvrs):
            if o.spec(v).get("node"):
                nodes.add(o.spec(v)["node"])
            if o.status(v).get("resticPod"):
                pods.add(o.status(v)["resticPod"])
        return nodes, pods

    def restic_pod_served(self, role: str, pod: dict) -> bool:
        """Whether restic/node-agent `pod` moved volumes of this migration on `role`: by node or by name."""
        nodes, pods = self.volume_locations(role)
        return o.spec(pod).get("nodeName") in nodes or o.name(pod) in pods

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
    return "stage" if o.spec(mig).get("stage") else ("rollback" if o.spec(mig).get("rollback") else "final")


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
    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.4)
    return f"; did you mean: {', '.join(close)}?" if close else ""


def name_of(obj: dict) -> str:
    return o.name(obj)


def list_migrations(src: Source) -> list[dict]:
    """All MigMigrations in the MTC namespace, newest first."""
    migs = src.list("host", "MigMigration", src.namespace)
    return sorted(migs, key=lambda m: o.meta(m).get("creationTimestamp") or "", reverse=True)


def build(src: Source, ref: str | None = None, plan_name: str | None = None) -> Graph:
    """The graph of migration `ref`, or of every migration of plan `plan_name`."""
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

    pspec = o.spec(g.plan)
    clusters = {o.name(c): c for c in src.list("host", "MigCluster", ns)}
    for role, ref_key in (("source", "srcMigClusterRef"), ("target", "destMigClusterRef")):
        mc = clusters.get(str((pspec.get(ref_key) or {}).get("name") or ""))
        g.migclusters[role] = mc
        src.bind(role, mc)
        g.labels[role] = src.label(role)
    storage_name = (pspec.get("migStorageRef") or {}).get("name")
    g.storage = next((s for s in src.list("host", "MigStorage", ns) if o.name(s) == storage_name), None)

    uids = g.migration_uids
    if not uids:
        return g
    for role in ("source", "target"):
        try:
            _collect(src, g, role, uids, storage_name)
        except (ApiError, MigError) as e:
            g.unreachable[role] = str(e)
    return g


def _collect(src: Source, g: Graph, role: str, uids: list[str], storage_name: str | None) -> None:
    ns = g.namespace
    sel = o.in_selector(MIGRATION_LABEL, uids)
    if role == "source":
        g.backups = _sorted(src.list(role, "Backup", ns, labels=sel))
        names = [o.name(b) for b in g.backups]
        g.pvbs = _sorted(src.list(role, "PodVolumeBackup", ns, labels=o.in_selector(BACKUP_NAME, names))) \
            if names else []
        used = {o.spec(b).get("storageLocation") for b in g.backups}
        vused = {v for b in g.backups for v in (o.spec(b).get("volumeSnapshotLocations") or [])}
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
    return sorted(items, key=lambda i: (o.meta(i).get("creationTimestamp") or "", o.name(i)))
