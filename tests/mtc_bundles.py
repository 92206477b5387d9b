"""Bundles as the MTC must-gather image writes them, every generation of its layout, from a scenario's
objects and logs: the output paths of migtools/must-gather's scripts (formerly konveyor/must-gather),
wrapped the way `oc adm must-gather` (openshift/oc pkg/cli/admin/mustgather) leaves them.

  2020-03 (5498787, cf5ad1a)  the host only: must-gather/namespaces/<ns>/crs/<plural.group>/<name>.yaml,
                              oc adm inspect ns/<ns> beside it, logs/<pod>/current.log,
                              logs/velero-backup-logs/<b>-backup.log and <b>-backup-describe.log
  2020-05 (b0bd4b1)           must-gather/<cluster>/... (host, then each remote MigCluster by name),
                              <cluster>/login_error.txt when `oc login` failed
  2020-09 (7b4390d)           the same, tarred into must-gather/must-gather.tar.gz
  2021-01 (c9f9985)           plus migplans/migplan-<p>/{<p>.yml, migmigration-<m>/migmigration-<m>.yml,
                              backup-<b>/backup-describe-<b>.txt, backup-<b>.log, restore-<r>/...};
                              MigPlans, MigMigrations, DVM/DIM(S)/DVMP no longer under crs/
  2021-03 (3a3d153)           clusters/<cluster>/...
  2022-12 (fdc3d9a, release-1.8 = master, current)
                              plus clusters/<cluster>/namespaces/<ns>/logs/<pod>/{current,previous}.log of every pod
                              labelled app.kubernetes.io/part-of=openshift-migration outside the MTC namespace, and
                              nothing else of them (collection-scripts/logs/gather_logs_helper_pods)
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import zipfile
from pathlib import Path

import yaml

from lib import objects as o
from lib.resources import BY_KIND, MIG, VELERO
from tests.emulator import scenario as scen

NS = "openshift-migration"
GENERATIONS = ("2020-03", "2020-05", "2020-09", "2021-01", "2021-03", "2022-12")
IMAGE_DIR = "quay-io-konveyor-must-gather-sha256-6c8c0f5f3f3e0a8c5b3f2f0b0e3c1c9d8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
SKIPPED_CRS = ("MigMigration", "MigPlan", "DirectImageMigration", "DirectImageStreamMigration",
               "DirectVolumeMigration", "DirectVolumeMigrationProgress")
INSPECT_KINDS = ("Pod", "Service", "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job", "Route",
                 "ConfigMap", "Event", "PersistentVolumeClaim", "Secret")
NOW = dt.datetime(2019, 9, 2, 12, 0, 0, tzinfo=dt.timezone.utc)


def load(name: str) -> dict:
    """{'objects': {role: [...]}, 'logs': {role: {'ns/pod/container': Path}}} of a scenario."""
    return scen.load(scen.find(name), {}, NOW)


def cluster_dirs(objects: dict) -> dict[str, str]:
    """role -> directory the image names it: `host`, else the MigCluster's name (from the plan)."""
    plan = next(x for x in objects["host"] if x["kind"] == "MigPlan")
    mcs = {o.name(x): x for x in objects["host"] if x["kind"] == "MigCluster"}
    out = {"host": "host"}
    for role, key in (("source", "srcMigClusterRef"), ("target", "destMigClusterRef")):
        name = o.spec(plan)[key]["name"]
        out[role] = "host" if o.spec(mcs.get(name, {})).get("isHostCluster") else name
    return out


def _yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _plain(log: Path, since: int | None = None) -> str:
    """`oc logs` without --timestamps: the API server's stamp at the start of each line dropped; `since`:
    only the lines of the last `since` seconds before NOW (`oc logs --since`)."""
    cut = (NOW - dt.timedelta(seconds=since)).strftime("%Y-%m-%dT%H:%M:%S") if since else ""
    return "".join(line.split(" ", 1)[1] if line[:4].isdigit() and " " in line else line
                   for line in log.read_text().splitlines(True) if not cut or line.split(" ", 1)[0] >= cut)


def write_cluster(base: Path, objects: list[dict], logs: dict, gen: str, essential: bool = False,
                  insecure: bool = False, logs_since: int | None = None) -> None:
    """One cluster's subtree: gather_crs, `oc adm inspect ns/openshift-migration`, gather_logs. `insecure`:
    the kubelet's certificate could not be verified (an OCP 3.11 source): inspect opens `current.log`,
    fails, and writes the log to `current.insecure.log` (openshift/oc release-4.5 and release-4.11,
    pkg/cli/admin/inspect/pod.go gatherContainerLogs, writer.go simpleFileWriter opens before it streams).
    `logs_since` (seconds): the image's own copy keeps only that window before NOW (3a3d153
    logs/gather_logs_pods `oc logs --since`)."""
    lists: dict = {}
    if gen < "2021-01":          # cf5ad1a..7b4390d: `velero <kind> logs|describe` per Backup and Restore
        for x in objects:
            if x["kind"] in ("Backup", "Restore"):
                kind = x["kind"].lower()
                d = base / "namespaces" / o.namespace(x) / "logs" / f"velero-{kind}-logs"
                d.mkdir(parents=True, exist_ok=True)
                (d / f"{o.name(x)}-{kind}.log").write_text(f'time="2019-09-02T11:00:00Z" level=info msg="{kind} '
                                                          f'{o.name(x)} processed"\n')
                (d / f"{o.name(x)}-{kind}-describe.log").write_text(_describe(kind, x))
    for x in objects:
        r = BY_KIND.get(x["kind"])
        if r is None:
            continue
        if r.group in (MIG, VELERO):
            if not r.namespaced:
                _yaml(base / "cluster-scoped-resources" / r.key / f"{o.name(x)}.yaml", x)
            elif gen < "2021-01" or x["kind"] not in SKIPPED_CRS:
                _yaml(base / "namespaces" / o.namespace(x) / "crs" / r.key / f"{o.name(x)}.yaml", x)
        elif o.namespace(x) == NS and x["kind"] in INSPECT_KINDS:
            lists.setdefault(r, []).append(x)
    if gen >= "2021-01":       # the image's oc is 4.5 from release-1.4.0 (cd5e0ae Dockerfile): inspect stamps too
        base.mkdir(parents=True, exist_ok=True)
        (base / "timestamp").write_text("2019-09-02 11:59:02.5 +0000 UTC m=+0.02\n"
                                        "2019-09-02 11:59:31.75 +0000 UTC m=+29.3\n")
    ns_obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}, "status": {"phase": "Active"}}
    _yaml(base / "namespaces" / NS / f"{NS}.yaml", ns_obj)
    _yaml(base / "cluster-scoped-resources" / "core" / "namespaces" / f"{NS}.yaml", ns_obj)
    for r, items in lists.items():
        _yaml(base / "namespaces" / NS / (r.group or "core") / f"{r.plural}.yaml",
              {"apiVersion": "v1", "kind": f"{r.kind}List", "items": items})
    for pod in lists.get(BY_KIND["Pod"], []):
        pdir = base / "namespaces" / NS / "pods" / o.name(pod)
        _yaml(pdir / f"{o.name(pod)}.yaml", pod)
        text = ""
        for c in o.spec(pod).get("containers") or []:
            src = logs.get(f"{NS}/{o.name(pod)}/{c['name']}")
            body = src.read_text() if src else ""
            text += _plain(src, logs_since if gen >= "2021-03" else None) if src else ""
            if not essential:
                log = pdir / c["name"] / c["name"] / "logs" / "current.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text("" if insecure else body)
                if insecure:
                    (log.parent / "current.insecure.log").write_text(body)
        ldir = base / "namespaces" / NS / "logs" / o.name(pod)
        ldir.mkdir(parents=True, exist_ok=True)
        (ldir / "current.log").write_text(text)
        first = (o.spec(pod).get("containers") or [{}])[0].get("name", "")
        (ldir / "previous.log").write_text(f'Error from server (BadRequest): previous terminated container "{first}" '
                                           f'in pod "{o.name(pod)}" not found\n')
    if gen >= "2022-12":
        _helper_pod_logs(base, objects, logs, logs_since)


def _helper_pod_logs(base: Path, objects: list[dict], logs: dict, logs_since: int | None) -> None:
    """fdc3d9a `collection-scripts/logs/gather_logs_helper_pods`: for each namespace but the MTC one with pods
    labelled app.kubernetes.io/part-of=openshift-migration (`oc get pods -A -l ...`), `oc logs --all-containers
    --since ${logs_since}` of each such pod into namespaces/<ns>/logs/<pod>/current.log (`&>`: oc's error when
    it fails), `--previous` into previous.log; no object of the pod is written."""
    for pod in objects:
        if pod["kind"] != "Pod" or o.namespace(pod) == NS \
                or o.labels(pod).get("app.kubernetes.io/part-of") != "openshift-migration":
            continue
        ldir = base / "namespaces" / o.namespace(pod) / "logs" / o.name(pod)
        ldir.mkdir(parents=True, exist_ok=True)
        text = ""
        for c in o.spec(pod).get("containers") or []:          # --all-containers: one after the other, no prefix
            src = logs.get(f"{o.namespace(pod)}/{o.name(pod)}/{c['name']}")
            text += _plain(src, logs_since) if src else ""
        (ldir / "current.log").write_text(text)
        first = (o.spec(pod).get("containers") or [{}])[0].get("name", "")
        (ldir / "previous.log").write_text(f'Error from server (BadRequest): previous terminated container "{first}" '
                                           f'in pod "{o.name(pod)}" not found\n')


def _describe(kind: str, x: dict) -> str:
    st = o.status(x)
    return (f"Name:         {o.name(x)}\nNamespace:    {o.namespace(x)}\n\nPhase:  {st.get('phase', '')}\n\n"
            f"Errors:    {st.get('errors', 0)}\nWarnings:  {st.get('warnings', 0)}\n")


def write_migplans(top: Path, objects: dict) -> None:
    """gather_crs and gather_logs' migplans/ tree (2021-01 on), from the host's MTC CRs and each
    cluster's Backups and Restores (labelled with their plan and migration)."""
    host = objects["host"]
    for p in (x for x in host if x["kind"] == "MigPlan"):
        _yaml(top / "migplans" / f"migplan-{o.name(p)}" / f"{o.name(p)}.yml", p)
    for m in (x for x in host if x["kind"] == "MigMigration"):
        plan = o.spec(m)["migPlanRef"]["name"]
        _yaml(top / "migplans" / f"migplan-{plan}" / f"migmigration-{o.name(m)}" / f"migmigration-{o.name(m)}.yml", m)
    # gather_crs (c9f9985, 3a3d153): each DVM/DIM under its owner MigMigration (ownerReferences[0]) and that
    # migration's plan, with the DVMPs/DISMs labelled directvolumemigration/directimagemigration=<its UID>
    migs = {o.name(m): m for m in host if m["kind"] == "MigMigration"}
    for kind, short, child, label in (("DirectVolumeMigration", "dvm", "DirectVolumeMigrationProgress", "dvmp"),
                                      ("DirectImageMigration", "dim", "DirectImageStreamMigration", "dism")):
        for x in (x for x in host if x["kind"] == kind):
            mig = ((o.meta(x).get("ownerReferences") or [{}])[0]).get("name", "")
            plan = o.spec(migs.get(mig, {})).get("migPlanRef", {}).get("name", "")
            d = top / "migplans" / f"migplan-{plan}" / f"migmigration-{mig}" / f"{short}-{o.name(x)}"
            _yaml(d / f"{short}-{o.name(x)}.yml", x)
            sel = "directvolumemigration" if short == "dvm" else "directimagemigration"
            for c in (c for c in host if c["kind"] == child and o.labels(c).get(sel) == o.uid(x)):
                _yaml(d / f"{label}-{o.name(c)}.yml", c)
    for role in ("source", "target"):
        for x in objects.get(role, []):
            if x["kind"] not in ("Backup", "Restore"):
                continue
            labels = o.labels(x)
            kind = x["kind"].lower()
            d = (top / "migplans" / f"migplan-{labels.get('migration.openshift.io/migplan-name', '')}"
                 / f"migmigration-{labels.get('migration.openshift.io/migmigration-name', '')}" / f"{kind}-{o.name(x)}")
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{kind}-describe-{o.name(x)}.txt").write_text(_describe(kind, x))
            (d / f"{kind}-{o.name(x)}.log").write_text(f'time="2019-09-02T11:00:00Z" level=info msg="{kind} '
                                                       f'{o.name(x)} processed" logSource="pkg/controller"\n')


def image_output(dest: Path, name: str, gen: str, login_failed: tuple = (), essential: bool = False,
                 scenario: dict | None = None, insecure: tuple = (), logs_since: int | None = None) -> Path:
    """What the image leaves in /must-gather (before any tarball): returns `dest`. `scenario`: already
    loaded (and changed) instead of `name`; `insecure`: cluster directories whose kubelets inspect reached
    only insecurely."""
    sc = scenario or load(name)
    objects, logs = sc["objects"], sc["logs"]
    if gen == "2020-03":      # the host only: gather, gather_crs, gather_logs run where the image runs (447a846)
        write_cluster(dest, objects.get("host", []), logs.get("host", {}), gen, essential)
        return dest
    dirs = cluster_dirs(objects)
    parent = dest / "clusters" if gen >= "2021-03" else dest
    for role in ("host", "source", "target"):
        base = parent / dirs[role]
        if dirs[role] in login_failed:
            base.mkdir(parents=True, exist_ok=True)
            (base / "login_error.txt").write_text(f"Login to migcluster {dirs[role]} unsuccessful.\n")
            continue
        write_cluster(base, objects.get(role, []), logs.get(role, {}), gen, essential, dirs[role] in insecure,
                      logs_since)
    if gen >= "2021-01":
        write_migplans(dest, objects)
    return dest


def self_run(dest: Path, name: str, role: str, gen: str = "2021-03") -> Path:
    """The image run on a migration's remote cluster itself (MTC's operator puts a MigrationController
    there too): `gather` knows no MigCluster there and names that cluster `host` (b0bd4b1 on)."""
    sc = load(name)
    base = (dest / "clusters" / "host") if gen >= "2021-03" else dest / "host"
    write_cluster(base, sc["objects"].get(role, []), sc["logs"].get(role, {}), gen)
    return dest


def must_gather_local(dest: Path, name: str, gen: str, **kw) -> Path:
    """`oc adm must-gather --image=<MTC image>`'s directory: must-gather.local.<id>/<image-dir>/ holding
    the image's /must-gather (from 2020-09: only must-gather.tar.gz, whose entries start must-gather/)."""
    top = dest / "must-gather.local.5196043571283924"
    image = top / IMAGE_DIR
    image.mkdir(parents=True)
    (top / "must-gather.logs").write_text("[must-gather      ] OUT Using must-gather plug-in image: quay.io/konveyor"
                                          "/must-gather:latest\n")
    # oc cb895bcb7 (release-4.5 on) logTimestamp: Go's time.Now() in the local zone, when it starts and ends
    (top / "timestamp").write_text("2019-09-02 13:58:41.4123 +0200 CEST m=+0.041234567\n"
                                   "2019-09-02 14:00:00.123456789 +0200 CEST m=+79.112233445\n")
    (top / "event-filter.html").write_text("<html></html>\n")
    (image / "gather.logs").write_text("Will collect debug info from migclusters [host ocp3-source ocp4-target]\n")
    if gen < "2020-09":
        image_output(image, name, gen, **kw)
        return top
    staging = dest / "staging" / "must-gather"
    image_output(staging, name, gen, **kw)
    with tarfile.open(image / "must-gather.tar.gz", "w:gz") as tf:
        tf.add(staging, arcname="must-gather")
    return top


def tar_of(directory: Path, out: Path, mode: str = "w:gz") -> Path:
    with tarfile.open(out, mode) as tf:
        tf.add(directory, arcname=directory.name)
    return out


def zip_of(directory: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(directory.parent).as_posix())
    return out


def tar_bytes(members: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def as_json(x) -> str:
    return json.dumps(x, sort_keys=True)
