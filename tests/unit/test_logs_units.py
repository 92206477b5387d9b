"""The pieces of log reading without a server: label selectors, the needles that pick one migration's
lines, the resume point of a cut stream, and which pods are read."""

from __future__ import annotations

import pytest

from lib.graph import Graph
from lib.logs.filter import Needles
from lib.logs.select import targets
from lib.logs.stream import _stamp_run, split_stamp
from lib.selectors import SelectorError, match_fields, match_labels, parse_fields, parse_labels
from tests.unit.fakes import DictSource


@pytest.mark.parametrize("sel,labels,want", [
    ("app=velero", {"app": "velero"}, True),
    ("app!=velero", {"app": "velero"}, False),
    ("app!=velero", {}, True),
    ("component in (velero,restic)", {"component": "restic"}, True),
    ("component notin (velero,restic)", {"component": "restic"}, False),
    ("migmigration", {"migmigration": "u"}, True),
    ("!migmigration", {"migmigration": "u"}, False),
    ("a=1,b in (2,3)", {"a": "1", "b": "3"}, True),
])
def test_label_selectors_as_kubectl(sel, labels, want):
    assert match_labels(parse_labels(sel), labels) is want


@pytest.mark.parametrize("bad", ["a in 1", "!a=1", "=x"])
def test_bad_label_selectors_are_refused(bad):
    with pytest.raises(SelectorError):
        parse_labels(bad)


def test_field_selectors():
    pod = {"metadata": {"name": "p"}, "status": {"phase": "Running"}}
    assert match_fields(parse_fields("status.phase=Running"), pod)
    assert not match_fields(parse_fields("status.phase!=Running"), pod)


def _graph() -> Graph:
    g = Graph("openshift-migration")
    g.migration = {"metadata": {"name": "mig-1", "uid": "uid-1"}}
    g.plan = {"metadata": {"name": "plan-a"}}
    g.backups = [{"kind": "Backup", "metadata": {"name": "mig-1-x7k2p"}}]
    return g


def test_needles_pick_whole_lines_of_this_migration_only():
    n = Needles(_graph())
    assert "mig-1-x7k2p" not in n.words            # found by the shorter "mig-1"
    chunk = (b'a other\nb backup=mig-1-x7k2p done\nc uid-1 here\nd {"migPlan":"plan-a"}\ne nothing\n'
             b'f backup=openshift-migration/mig-10-x7k2p\ng name=mig-1-2-initial-x7k2p\nh plan-a\n')
    assert n.select(chunk) == [b"b backup=mig-1-x7k2p done\n", b"c uid-1 here\n", b'd {"migPlan":"plan-a"}\n']
    assert n.match(b"x mig-1 y") and not n.match(b"x mig-2 y") and not n.match(b"x mig-10 y")
    assert n.match(b"x mig-10 mig-1. y")             # a later whole occurrence on the same line


# Velero and mig-controller lines as upstream printed them.
# https://github.com/migtools/mig-controller/issues/996 (a stage Restore and its PodVolumeRestore, MTC 1.4,
# `oc describe migmigration` progress lines)
MSSQL = [b"      Restore openshift-migration/mig-migration-mssql-l65q4: InProgress\n",
         b"      PodVolumeRestore openshift-migration/mig-migration-mssql-l65q4-7492w: Waiting for ongoing volume "
         b"restore(s) to complete\n"]
# https://github.com/migtools/mig-controller/pull/692 (MTC 1.4, 2020-11: migration
# ocp-34824-decrease-data-mig-1604414509-stage-phase, its Backup `<migration>-<5 chars>`)
QE = [b"    - 'Backup openshift-migration/ocp-34824-decrease-data-mig-1604414509-stage-phase-cw4m2:\n",
      b"    - 'PodVolumeBackup openshift-migration/ocp-34824-decrease-data-mig-1604414509-stage-phase-cw4m2-8kd89:\n"]
# https://github.com/openshift/oadp-operator/pull/700: another Backup's item in namespace mongo-persistent
MONGO = (b'time="2022-05-16T23:57:23Z" level=info msg="Executing custom action" backup=openshift-adp/mongo-velero-pod-'
         b'registry logSource="pkg/backup/item_backupper.go:311" name=todolist-mongo-go namespace=mongo-persistent '
         b'resource=imagestreams.image.openshift.io\n')
# https://github.com/migtools/mig-controller/issues/1051 (DVM lines name the dvm and, from MTC 1.4.3, the migration)
DVM = (b'{"level":"info","ts":1617296521280,"logger":"directvolume|gr7lc","msg":"[RUN] (Step 16/22) Waiting for the '
       b'Rsync daemon pod to run","dvm":"a95b82a0-92fd-11eb-876e-1f4707652b42-j5fxj","migMigration":'
       b'"a95b82a0-92fd-11eb-876e-1f4707652b42","phase":"WaitForRsyncTransferPodsRunning"}\n')


def _mig(name: str, plan: str = "plan-x") -> Graph:
    g = Graph("openshift-migration")
    g.migration = {"metadata": {"name": name, "uid": "00000000-0000-0000-0000-000000000000"}}
    g.plan = {"metadata": {"name": plan}}
    return g


def test_names_derived_from_the_migration_are_found_and_longer_names_are_not():
    """mig-controller names Backups/Restores `<migration>-<5>` (MTC <= 1.4) or `<migration>-stage-<5>` (1.5+),
    Velero the PodVolumeBackups/Restores `<backup>-<5>`: found by the migration's name alone; a migration whose
    name merely begins with ours is another one."""
    assert Needles(_mig("mig-migration-mssql")).select(b"".join(MSSQL)) == MSSQL
    assert Needles(_mig("ocp-34824-decrease-data-mig-1604414509-stage-phase")).select(b"".join(QE)) == QE
    assert Needles(_mig("mig-migration-mss")).select(b"".join(MSSQL)) == []
    assert Needles(_mig("ocp-34824-decrease-data-mig-1604414509")).select(b"".join(QE)) == []
    # MTC 1.5+: `<migration>-initial-|stage-|final-<5 chars>` (pkg/controller/migmigration/backup.go, restore.go)
    assert Needles(_mig("ocp-34824-decrease-data-mig")).match(b"backup=openshift-migration/"
                                                             b"ocp-34824-decrease-data-mig-final-cw4m2 x")
    assert Needles(_mig("a95b82a0-92fd-11eb-876e-1f4707652b42")).match(DVM)
    # a long name: the API server cuts generateName's base to 58 characters, the name is 63 long
    long = "ocp-34824-decrease-data-mig-1604414509-final-phase-x"      # 52: "<name>-initial-" is cut
    assert Needles(_mig(long)).match(f"backup=openshift-migration/{long}-initi5m2xq x".encode())
    assert Needles(_mig(long)).match(f"restore=openshift-migration/{long}-final5m2xq x".encode())
    assert not Needles(_mig(long)).match(f"backup=openshift-migration/{long}-initi5m2x x".encode())   # 62 long
    assert not Needles(_mig(long[:-2])).match(f"backup=openshift-migration/{long}-initi5m2xq x".encode())
    assert not Needles(_mig("a95b82a0-92fd-11eb-876e-1f4707652b4")).match(DVM)


def test_the_plan_is_found_in_the_controller_s_plan_keys_not_as_a_namespace():
    """A plan named after its application namespace (mongo-persistent) must not take every Velero line about that
    namespace (here another Backup's); the plan controller's `"migPlan"` (MTC 1.4.3+, mig-controller
    pkg/controller/migplan/migplan_controller.go `logging.WithName("plan", "migPlan", request.Name)`) and MTC
    1.4.0's `"plan":"<ns>/<name>"` (`log.SetValues("plan", request)`) still name it."""
    n = Needles(_mig("mig-final", plan="mongo-persistent"))
    assert not n.match(MONGO)
    assert n.match(b'{"level":"info","ts":1617296521280,"logger":"plan","msg":"x","migPlan":"mongo-persistent"}')
    assert n.match(b'{"level":"info","ts":1610000000.1,"logger":"plan","msg":"x",'
                   b'"plan":"openshift-migration/mongo-persistent"}')


def test_a_dvmp_is_found_by_its_own_name():
    """DVMPs are named by an MD5 hash (directvolumemigration/rsync.go getMD5Hash); the progress controller logs
    `"dvmp"` before it has found the migration (MTC 1.4.3+ directvolumemigrationprogress_controller.go)."""
    g = _mig("mig-1")
    g.dvmps = [{"kind": "DirectVolumeMigrationProgress", "metadata": {"name": "0e1b7b7c2a5b8f6d9e0c1a2b3c4d5e6f"}}]
    assert Needles(g).match(b'{"level":"info","ts":1617296521280,"logger":"pvmigrationprogress","msg":"x",'
                            b'"dvmp":"0e1b7b7c2a5b8f6d9e0c1a2b3c4d5e6f"}')


def test_resume_point_counts_the_lines_sharing_the_last_stamp():
    chunk = b"2020-01-01T00:00:01Z a\n2020-01-01T00:00:02Z b\n2020-01-01T00:00:02Z c\n"
    assert _stamp_run(chunk, 0, len(chunk)) == ("2020-01-01T00:00:02Z", 2)
    assert split_stamp(b"2020-01-01T00:00:01Z a b") == ("2020-01-01T00:00:01Z", b"a b")
    assert split_stamp(b"no stamp here") == ("", b"no stamp here")
    # the MTC must-gather image's `oc logs` (no --timestamps): rsync's own date is the line's, not a stamp
    assert split_stamp(b"2021/01/25 22:49:33 [1] rsync warning") == ("", b"2021/01/25 22:49:33 [1] rsync warning")
    assert split_stamp(b"2021 was a year") == ("", b"2021 was a year")


def test_only_the_restic_pods_that_moved_the_volumes_are_read():
    def pod(name, node, comp):
        return {"kind": "Pod", "metadata": {"name": name, "namespace": "openshift-migration",
                                            "labels": {"name": comp, "component": comp}},
                "spec": {"nodeName": node, "containers": [{"name": comp}]}}
    src = DictSource({"host": [], "source": [pod("restic-a", "n1", "restic"), pod("restic-b", "n2", "restic")]})
    src.roles = lambda: ["host", "source"]
    g = _graph()
    g.pvbs = [{"kind": "PodVolumeBackup", "metadata": {"name": "v"}, "spec": {"node": "n2"}}]
    got = [t.pod for t in targets(src, g, ["source"], ["restic"])]
    assert got == ["restic-b"]


def _agent(name: str, labels: dict, containers: list[str], node: str = "n2", phase: str = "Running") -> dict:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "openshift-migration", "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": c} for c in containers]}, "status": {"phase": phase}}


def test_windows_node_agent_and_data_path_pods_are_read_with_restic_not_velero():
    # V-1.16 pkg/install/daemonset.go: DaemonSet node-agent-windows, pod labels component=velero (install Labels),
    # name=node-agent-windows, role=node-agent, container node-agent-windows. V-1.17 pkg/exposer/pod_volume.go: a
    # PodVolumeBackup's data moves in a pod named after it, labelled velero.io/pod-volume-backup=<name>
    # (pod_volume_backup_controller.go), with one container named by the PVB's UID.
    from lib import pods as podlib

    win = _agent("node-agent-windows-4kq2x", {"component": "velero", "name": "node-agent-windows",
                                              "role": "node-agent"}, ["node-agent-windows"])
    velero = _agent("velero-6c8d9f-x2x", {"component": "velero", "deploy": "velero"}, ["velero"])
    mine = _agent("mig-1-abcde-8fq2c", {"velero.io/pod-volume-backup": "mig-1-abcde-8fq2c"},
                  ["2b9e4c1a-7d0e-4f43-9a51-0c6f3e2d1b7a"], node="n9", phase="Pending")
    other = _agent("other-backup-x7k2p", {"velero.io/pod-volume-backup": "other-backup-x7k2p"},
                   ["5d1e2f3a-0000-4f43-9a51-0c6f3e2d1b7a"])
    upload = _agent("daily-9s8d7", {"velero.io/data-upload": "daily-9s8d7",
                                    "velero.io/exposer-pod-group": "snapshot-exposer"}, ["3c2b1a09"])
    assert [podlib.classify(p) for p in (win, velero, mine, other, upload)] == ["restic", "velero"] + ["restic"] * 3
    assert podlib.data_path_of(upload) == "DataUpload daily-9s8d7" and podlib.data_path_of(win) == ""
    src = DictSource({"host": [], "source": [win, velero, mine, other, upload]})
    g = _graph()
    g.pvbs = [{"kind": "PodVolumeBackup", "metadata": {"name": "mig-1-abcde-8fq2c"}, "spec": {"node": "n2"}}]
    got = sorted((t.source, t.pod, t.container) for t in targets(src, g, ["source"], ["restic", "velero"]))
    assert got == [("restic", "mig-1-abcde-8fq2c", "2b9e4c1a-7d0e-4f43-9a51-0c6f3e2d1b7a"),
                   ("restic", "node-agent-windows-4kq2x", "node-agent-windows"),
                   ("velero", "velero-6c8d9f-x2x", "velero")]
    assert g.restic_pod_served("source", mine) and not g.restic_pod_served("source", other)
    assert podlib.kind_name(mine) == "node-agent data path" and podlib.kind_name(win) == "restic"


def test_the_ui_and_log_reader_pods_are_not_the_controller():
    # migtools/mig-operator release-1.4.7 ... release-1.8 roles/migrationcontroller/templates: controller.yml.j2
    # labels the controller app=migration, control-plane=controller-manager; ui.yml.j2 app=migration,
    # service=migration-ui; log_reader.yml.j2 app=migration, logreader=mig (containers color, plain: stern).
    from lib import pods as podlib

    ctl = {"kind": "Pod", "metadata": {"name": "migration-controller-78c469849c-v6wcf", "namespace": "openshift-migration",
                                       "labels": {"app": "migration", "control-plane": "controller-manager"}},
           "spec": {"containers": [{"name": "mtc"}, {"name": "discovery"}]}}
    ui = _agent("migration-ui-5f6d8c-2xk9q", {"app": "migration", "service": "migration-ui"}, ["mig-ui"])
    reader = _agent("migration-log-reader-7b9c-q2w4e", {"app": "migration", "logreader": "mig"}, ["color", "plain"])
    # mig-operator's own pod (crane-operator.v1.8 CSV: app=migration) and OADP's operator, in MTC's namespace from
    # MTC 1.7 (oadp-operator config/manager/manager.yaml: control-plane=controller-manager only)
    operator = _agent("migration-operator-6d4f9-k2x8c", {"app": "migration"}, ["operator"])
    oadp = _agent("openshift-adp-controller-manager-7c9d-x2l4p", {"control-plane": "controller-manager"}, ["manager"])
    cam10 = _agent("migration-controller-5d8f-q1w2e", {"control-plane": "controller-manager",
                                                       "controller-tools.k8s.io": "1.0"}, ["cam"])
    assert [podlib.classify(p) for p in (ctl, ui, reader, operator, oadp, cam10)] == \
        ["controller", "", "", "", "", "controller"]
    src = DictSource({"host": [ctl, ui, reader, operator, oadp]})
    got = [(t.pod, t.container) for t in targets(src, None, ["host"], ["controller"])]
    assert got == [("migration-controller-78c469849c-v6wcf", "mtc"), ("migration-controller-78c469849c-v6wcf", "discovery")]


def test_a_repository_maintenance_pod_wearing_velero_s_labels_is_not_velero():
    # vmware-tanzu/velero v1.14.0 pkg/repository/maintenance.go, v1.15.0 pkg/repository/manager/manager.go: the
    # maintenance Job's pod template takes the Velero server's pod labels (GetVeleroServerLables); the Job
    # controller adds job-name. Its container is velero-repo-maintenance-container.
    from lib import pods as podlib

    velero = _agent("velero-6c8d9f-x2x", {"component": "velero", "deploy": "velero"}, ["velero"])
    maint = _agent("mig-ns-default-kopia-x8k2p-maintain-job-1733050000000-q2w4e",
                   {"component": "velero", "deploy": "velero", "job-name": "mig-ns-default-kopia-x8k2p-maintain-job-"
                    "1733050000000", "controller-uid": "0c6f3e2d-1b7a-4f43-9a51-2b9e4c1a7d0e"},
                   ["velero-repo-maintenance-container"], phase="Succeeded")
    assert [podlib.classify(p) for p in (velero, maint)] == ["velero", ""]
    src = DictSource({"host": [], "source": [velero, maint]})
    assert [t.pod for t in targets(src, None, ["source"], ["velero"])] == ["velero-6c8d9f-x2x"]


def test_a_finished_data_path_pod_is_not_unhealthy():
    from lib import pods as podlib

    done = _agent("mig-1-abcde-8fq2c", {"velero.io/pod-volume-backup": "mig-1-abcde-8fq2c"}, ["2b9e4c1a"],
                  phase="Succeeded")
    agent = _agent("node-agent-4kq2x", {"component": "velero", "name": "node-agent"}, ["node-agent"], phase="Succeeded")
    assert podlib.finished_data_path(done) and not podlib.finished_data_path(agent)


def test_data_path_pods_in_verify_finished_or_not_this_migration_s():
    # V-1.17 pkg/exposer/pod_volume.go: the PVB's data path pod, named after it, labelled
    # velero.io/pod-volume-backup=<pvb>, is deleted by CleanUp once done: a Succeeded one is not unhealthy; a
    # Pending data mover pod of some other DataUpload is reported by its own name, as a warning (not the
    # node-agent's, not this migration's volumes).
    from lib.verify import verify
    from tests.unit.scenario_source import ScenarioSource

    src = ScenarioSource("sock-shop-success")
    pvb = next(x for x in src.doc["objects"]["source"] if x["kind"] == "PodVolumeBackup")
    done = _agent(pvb["metadata"]["name"], {"velero.io/pod-volume-backup": pvb["metadata"]["name"]},
                  ["2b9e4c1a-7d0e-4f43-9a51-0c6f3e2d1b7a"], node=pvb["spec"]["node"], phase="Succeeded")
    other = _agent("daily-9s8d7", {"velero.io/data-upload": "daily-9s8d7"}, ["3c2b1a09"], node="", phase="Pending")
    src.doc["objects"]["source"] += [done, other]
    rep = verify(src, "88435fe0", now=src.now, strict=True, verbose=True)
    bad = [(x.id, x.severity, x.title) for x in rep.findings if x.id in ("mtc-pod-unhealthy", "restic-pod-unhealthy")]
    assert bad == [("mtc-pod-unhealthy", "warning", "node-agent data path pod daily-9s8d7 is unhealthy")], bad


def test_needles_of_names_not_ascii_and_of_thousands_of_backups():
    # a bundle's object may carry a name no API server admits: measured in bytes as the needles are, "aé" does
    # not take "aéb" as its derived name and drop it (its lines were then lost)
    g = _graph()
    g.backups = [{"kind": "Backup", "metadata": {"name": "aé"}}, {"kind": "Backup", "metadata": {"name": "aéb"}}]
    n = Needles(g)
    assert {"aé", "aéb"} <= set(n.words)
    assert n.match("x backup=aéb y".encode())
    # thousands of Backups of the migration: the needles in bounded time, not every pair of names compared
    g.backups = [{"kind": "Backup", "metadata": {"name": f"mig-1-x{i:05d}-{'q' * 200}"}} for i in range(20000)]
    from tests.unit.fakes import alarm
    with alarm(10, TimeoutError("Needles compared every pair of names")):
        n = Needles(g)
    assert "mig-1" in n.words and "uid-1" in n.words
