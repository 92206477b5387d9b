"""A large emulated estate for benchmarks: the restic-timeout scenario's three clusters plus
thousands of Velero and MTC objects and large Velero/Restic/controller logs (timestamped,
as the API server stores them), written into a directory as a scenario file."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from tests.emulator.scenario import SCENARIO_DIR

NS = "openshift-migration"
# (cluster, pod, container, share of the log bytes)
LOGS = [("source", "velero-7d9c4b8f5-x2x7q", "velero", 0.23), ("source", "restic-8x7vq", "velero", 0.11),
        ("source", "restic-hj4kd", "velero", 0.11), ("target", "velero-6c7b5d9d4f-qk2mz", "velero", 0.23),
        ("target", "restic-nr2v5", "velero", 0.11), ("target", "restic-t7w2p", "velero", 0.11),
        ("host", "migration-controller-78c469849c-v6wcf", "mtc", 0.10)]


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _block(rng: random.Random, size: int, controller: bool) -> bytes:
    """About `size` bytes of log lines naming many migrations (timestamps added when written)."""
    out, n = [], 0
    while n < size:
        mig = _uid(rng)
        if controller:
            line = (f'{{"level":"info","ts":1567422642.1,"logger":"migration","msg":"[RUN] (Step 12/40) '
                    f'Waiting for stage backup","migMigration":"{mig}","phase":"StageBackupCreated"}}\n')
        else:
            line = (f'time="2019-09-02T11:10:42Z" level=info msg="Backing up item" '
                    f'backup={NS}/{mig}-{rng.getrandbits(20):05x} logSource="pkg/backup/item_backupper.go:169" '
                    f'name=pod-{rng.getrandbits(16)} namespace=app-{rng.getrandbits(8)} resource=pods\n')
        out.append(line)
        n += len(line) + 31
    return "".join(out).encode()


def write_log(path: Path, size: int, rng: random.Random, controller: bool) -> None:
    """`size` bytes of timestamped lines: one 1 MiB block of variety, repeated with each line's
    stamp a microsecond after the last (the block's second replaced per copy)."""
    lines = _block(rng, 1 << 20, controller).splitlines(keepends=True)
    block = b"".join(b"2019-09-02THH:MM:SS.%06dZ " % i + ln for i, ln in enumerate(lines))
    written, sec = 0, 0
    with open(path, "wb") as f:
        while written < size:
            hms = b"%02d:%02d:%02d" % (10 + sec // 3600 % 10, sec // 60 % 60, sec % 60)
            data = block.replace(b"HH:MM:SS", hms)
            f.write(data)
            written += len(data)
            sec += 1


def _objects(rng: random.Random, per_cluster: int) -> dict:
    objs: dict = {"host": [], "source": [], "target": []}
    for i in range(per_cluster // 3):
        uid = _uid(rng)
        name = f"{uid}-{i:05d}"
        labels = {"migration.openshift.io/migrated-by-migmigration": uid}
        objs["source"] += [
            {"apiVersion": "velero.io/v1", "kind": "Backup", "metadata": {"name": name, "namespace": NS, "labels": labels},
             "spec": {"includedNamespaces": ["app"], "storageLocation": "myrepo-vpzq9"},
             "status": {"phase": "Completed", "startTimestamp": "2019-09-02T10:00:00Z"}},
            {"apiVersion": "velero.io/v1", "kind": "PodVolumeBackup",
             "metadata": {"name": f"{name}-pvb", "namespace": NS, "labels": {"velero.io/backup-name": name}},
             "spec": {"node": "ocp3-node-1", "volume": "data", "pod": {"name": "app-0", "namespace": "app"}},
             "status": {"phase": "Completed"}}]
        objs["target"] += [
            {"apiVersion": "velero.io/v1", "kind": "Restore", "metadata": {"name": name, "namespace": NS, "labels": labels},
             "spec": {"backupName": name}, "status": {"phase": "Completed"}},
            {"apiVersion": "velero.io/v1", "kind": "PodVolumeRestore",
             "metadata": {"name": f"{name}-pvr", "namespace": NS, "labels": {"velero.io/restore-name": name}},
             "spec": {"volume": "data", "pod": {"name": "app-0", "namespace": "app"}}, "status": {"phase": "Completed"}}]
        objs["host"].append({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"mig.{i:06x}", "namespace": NS},
                             "reason": "Running", "message": f"Step 12/40 of {uid}",
                             "involvedObject": {"kind": "MigMigration", "name": uid, "namespace": NS}})
    for c in ("source", "target"):
        objs[c] += [{"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"ev.{c}.{i:06x}", "namespace": NS},
                     "reason": "Pulled", "message": "Container image already present",
                     "involvedObject": {"kind": "Pod", "name": "velero", "namespace": NS}} for i in range(per_cluster // 3)]
    return objs


def build(dest: Path, log_bytes: int, objects_per_cluster: int = 3000, seed: int = 7) -> Path:
    """Write the estate's logs and scenario into `dest`; returns the scenario file."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    logs: dict = {}
    for cluster, pod, container, share in LOGS:
        path = dest / f"{cluster}-{pod}.log"
        write_log(path, int(log_bytes * share), rng, controller=cluster == "host")
        logs.setdefault(cluster, {})[f"{NS}/{pod}/{container}"] = str(path)
    doc = {"description": f"benchmark estate: {objects_per_cluster} objects per cluster, {log_bytes >> 20} MiB of logs",
           "include": [str(SCENARIO_DIR / "restic-timeout.yaml")],
           "objects": _objects(rng, objects_per_cluster), "logs": logs}
    scenario = dest / "estate.yaml"
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    return scenario
