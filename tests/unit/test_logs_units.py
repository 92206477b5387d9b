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
