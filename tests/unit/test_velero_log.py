"""Velero's log lines in every form it wrote them: pod volume timeouts (v1.0-v1.17, error or info, text or JSON,
backup or restore) and error lines grouped by cause; MTC's verdict semantics on findings; MTC's quiesce marks."""

from __future__ import annotations

import pytest

from lib import logline
from lib.checks.known_issues import quiesced
from lib.checks.registry import Finding
from lib.logs.stream import Entry
from lib.velero_log import cite, concerns, grouped_errors, timeout_kind
from lib.verify import settle

B = "PodVolumeBackup"
R = "PodVolumeRestore"
FORMS = [
    # v1.0-v1.13 backups: the error field of "Error backing up item" (velero#1926, #5623); pkg/backup/
    # resource_backupper.go up to v1.3, pkg/backup/backup.go from v1.4.0 (:448)
    ('time="2019-10-02T05:00:27Z" level=error msg="Error backing up item" backup=velero/bihourly-20191002040022 '
     'error="timed out waiting for all PodVolumeBackups to complete" error.file="/go/src/github.com/heptio/velero/'
     'pkg/restic/backupper.go:165" group=v1 logSource="pkg/backup/resource_backupper.go:264" name=django-74897b4dd-m45v9 '
     'namespace= resource=pods', B),
    # v0.11: only at info, when the backup ended (velero#1515; v0.11.0 pkg/backup/backup.go:297)
    ('time="2019-05-21T22:14:45Z" level=info msg="Backup completed with errors: timed out waiting for all '
     'PodVolumeBackups to complete" backup=velero/jenkins1 logSource="pkg/backup/backup.go:297"', B),
    # v1.14+: its own message, JSON (velero#8723)
    ('{"backup":"infra-velero/velero-cluster-full-backups-20250224013036","level":"error","logSource":'
     '"pkg/podvolume/backupper.go:372","msg":"timed out waiting for all PodVolumeBackups to complete",'
     '"time":"2025-02-24T23:19:25Z"}', B),
    # restores, v1.0-v1.17 (velero#4552), and an aggregate of several errors
    ('time="2022-01-19T13:11:04Z" level=error msg="unable to successfully complete restic restores of pod\'s volumes" '
     'error="timed out waiting for all PodVolumeRestores to complete" logSource="pkg/restore/restore.go:1433"', R),
    ('{"level":"error","msg":"unable to successfully complete pod volume restores of pod\'s volumes","error":'
     '"[timed out waiting for all PodVolumeRestores to complete, pod volume restore failed]","restore":"velero/r1"}', R),
    # v1.17 node-agent pod volume data path (pkg/podvolume/backup_micro_service.go:210/219,
    # restore_micro_service.go:194/203)
    ('time="2025-06-01T10:00:00Z" level=error msg="Async fs backup was not completed" error="timed out waiting for fs '
     'backup to complete" error.file="/go/src/github.com/vmware-tanzu/velero/pkg/podvolume/backup_micro_service.go:210" '
     'logSource="pkg/podvolume/backup_micro_service.go:219"', B),
    ('{"level":"error","msg":"Async fs restore was not completed","error":"timed out waiting for fs restore to '
     'complete","logSource":"pkg/podvolume/restore_micro_service.go:203"}', R),
    # v1.15+ data mover (pkg/datamover/backup_micro_service.go:213/222, restore_micro_service.go:190/199)
    ('time="2025-06-01T10:00:00Z" level=error msg="Async fs backup was not completed" error="timed out waiting for fs '
     'backup to complete" error.file="/go/src/github.com/vmware-tanzu/velero/pkg/datamover/backup_micro_service.go:213" '
     'logSource="pkg/datamover/backup_micro_service.go:222"', "DataUpload"),
    ('{"level":"error","msg":"Async fs restore was not completed","error":"timed out waiting for fs restore to '
     'complete","logSource":"pkg/datamover/restore_micro_service.go:199"}', "DataDownload"),
    # neither logSource nor error.file: either data path
    ('time="2025-06-01T10:00:00Z" level=error msg="Async fs backup was not completed" error="timed out waiting for fs '
     'backup to complete"', "PodVolumeBackup or DataUpload"),
    ('{"level":"error","msg":"Async fs restore was not completed","error":"timed out waiting for fs restore to '
     'complete"}', "PodVolumeRestore or DataDownload"),
]


def _entry(raw: str, container: str = "velero") -> Entry:
    ln = logline.parse(raw)
    return Entry("source", "velero", "velero-abc", container, ln.time, ln, raw.encode())


@pytest.mark.parametrize("raw,kind", FORMS)
def test_every_timeout_form_is_found_with_its_kind(raw, kind):
    assert timeout_kind(logline.parse(raw)) == kind


def test_lines_that_are_not_timeouts():
    for raw in ('time="2019-10-02T05:00:27Z" level=info msg="Backup completed" backup=velero/b',
                'time="2019-10-02T05:00:27Z" level=error msg="timed out waiting for restic repository to become ready"'):
        assert timeout_kind(logline.parse(raw)) is None


def test_errors_are_grouped_by_cause_and_message_not_by_item():
    lines = [
        'time="t" level=error msg="error restoring letsencrypt-prod: Internal error occurred: failed calling webhook '
        '\\"webhook.cert-manager.io\\": no endpoints available" restore=ns/r',
        'time="t" level=error msg="error restoring letsencrypt-staging: Internal error occurred: failed calling webhook '
        '\\"webhook.cert-manager.io\\": no endpoints available" restore=ns/r',
        'time="t" level=info msg="error restoring web: services \\"web\\" already exists" restore=ns/r',   # v1.1: info
        'time="t" level=info msg="Restore completed" restore=ns/r',
    ]
    out = grouped_errors([_entry(x) for x in lines])
    assert len(out) == 2
    assert out[0].startswith("2x admission webhook on letsencrypt-prod, letsencrypt-staging: source/velero-abc/velero")
    assert out[1].startswith("1x already exists on web:")


def test_the_object_a_line_concerns():
    ln = logline.parse('level=error msg="Error backing up item" error="x" name=metrics-server namespace= '
                       'resource=serviceaccounts')
    assert concerns(ln) == "serviceaccounts metrics-server"
    assert concerns(logline.parse('level=error msg="Error backing up item" name=jira-0 namespace=jira')) == "jira/jira-0"


def test_a_downloaded_line_is_cited_as_velero_s_copy():
    e = _entry('time="t" level=error msg="x"', container="object storage")
    e.pod = "BackupLog b1"
    assert cite(e) == "source BackupLog b1 (Velero's copy in object storage): time=\"t\" level=error msg=\"x\""


def _f(fid: str, sev: str) -> Finding:
    return Finding(id=fid, severity=sev, title=fid, evidence=["e"])


def _mig(*conds: str) -> dict:
    return {"status": {"phase": "Completed", "conditions": [{"type": c, "status": "True"} for c in conds]}}


def test_infrastructure_now_never_fails_a_completed_success():
    out = settle(_mig("Succeeded"), [_f("storage-bucket-gone", "error"), _f("mtc-pod-unhealthy", "error"),
                                     _f("target-incomplete", "error")])
    assert {f.id: f.severity for f in out} == {"storage-bucket-gone": "warning", "mtc-pod-unhealthy": "warning",
                                               "target-incomplete": "error"}


def test_succeeded_with_warnings_stays_so_unless_data_was_not_copied():
    out = settle(_mig("SucceededWithWarnings"), [_f("velero-restore-failed", "error"), _f("restic-timeout", "error")])
    assert {f.id: f.severity for f in out} == {"velero-restore-failed": "warning", "restic-timeout": "error"}


def test_a_failed_migration_keeps_its_errors_and_the_blocker_comes_first():
    out = settle(_mig("Failed"), [_f("bsl-unavailable", "error"), _f("migration-blocked", "error")])
    assert [f.id for f in out] == ["migration-blocked", "bsl-unavailable"]
    assert out[1].severity == "error"


@pytest.mark.parametrize("obj,how", [
    ({"kind": "Deployment", "metadata": {"annotations": {"migration.openshift.io/preQuiesceReplicas": "3"}},
      "spec": {"replicas": 0}}, "replicas 0 (was 3)"),
    ({"kind": "Deployment", "metadata": {"annotations": {"migration.openshift.io/preQuiesceReplicas": "3"}},
      "spec": {"replicas": 3}}, ""),                                        # unquiesced since
    ({"kind": "StatefulSet", "spec": {"replicas": 0}}, ""),                 # at 0 by choice, not by MTC
    ({"kind": "Job", "metadata": {"annotations": {"migration.openshift.io/preQuiesceReplicas": "1"}},
      "spec": {"parallelism": 0}}, "parallelism 0 (was 1)"),
    ({"kind": "CronJob", "metadata": {"annotations": {"migration.openshift.io/preQuiesceSuspend": "true"}},
      "spec": {"suspend": True}}, "suspended"),
    ({"kind": "DaemonSet", "spec": {"template": {"spec": {"nodeSelector": {
        "migration.openshift.io/quiesceDaemonSet": "true"}}}}}, "nodeSelector migration.openshift.io/quiesceDaemonSet"),
])
def test_mtc_quiesce_marks(obj, how):
    assert quiesced(obj) == how


def test_an_fs_timeout_of_unknown_origin_names_both_kinds_and_the_volumes_by_their_own(tmp_path):
    """"timed out waiting for fs backup to complete" comes from the data mover (v1.15+, DataUpload) or the v1.17
    pod volume data path (PodVolumeBackup): without logSource/error.file the title says either; the waiting
    volumes keep their own kind."""
    from lib.verify import verify
    from tests.unit.scenario_source import ScenarioSource

    src = ScenarioSource("restic-timeout")
    key = "openshift-migration/velero-7d9c4b8f5-x2x7q/velero"
    old = src.doc["logs"]["source"][key]
    text = old.read_text().replace('msg="Error backing up item"', 'msg="Async fs backup was not completed"').replace(
        'error="timed out waiting for all PodVolumeBackups to complete" error.file="/go/src/github.com/heptio/velero/'
        'pkg/restic/backupper.go:165"', 'error="timed out waiting for fs backup to complete"')
    assert "fs backup" in text
    log = tmp_path / "velero.log"
    log.write_text(text)
    src.doc["logs"]["source"][key] = log
    rep = verify(src, "f7b5e1a2", now=src.now)
    f = next(x for x in rep.findings if x.id == "restic-timeout")
    assert f.title.endswith("waiting for PodVolumeBackups or DataUploads"), f.title
    still = [e for e in f.evidence if " still " in e]
    assert still and all(e.startswith("PodVolumeBackup f7b5e1a2") for e in still), still


def test_a_klog_error_line_of_a_restic_pod_is_an_error_by_its_level():
    """https://github.com/openshift/oadp-operator/issues/56: the line says "Failed", not "error"."""
    raw = ('E1017 21:12:21.537230       1 reflector.go:382] pkg/mod/k8s.io/client-go@v0.18.4/tools/cache/reflector.go:'
           '125: Failed to watch *v1.PodVolumeRestore: Get "https://172.30.0.1:443/apis/velero.io/v1/namespaces/'
           'oadp-operator/podvolumerestores?allowWatchBookmarks=true&resourceVersion=421871659&timeout=6m9s&'
           'timeoutSeconds=369&watch=true": dial tcp 172.30.0.1:443: connect: connection refused')
    out = grouped_errors([_entry(raw, container="restic")])
    assert len(out) == 1 and out[0].startswith("1x connection: "), out


@pytest.mark.parametrize("results", [b"[" * 100_000 + b"]" * 100_000, b"[1]", b'"x"', b'{"errors": ["a"]}',
                                     b'{"errors": {"velero": 7, "cluster": "c", "namespaces": ["a"]}}',
                                     b'{"errors": {"namespaces": {"ns": 7}}}'])
def test_restore_results_of_another_shape_list_nothing(results):
    from types import SimpleNamespace

    from lib.checks.velero import restore_results
    f = SimpleNamespace(download=lambda role, kind, name: results)
    restore = {"kind": "Restore", "metadata": {"name": "r"}}
    assert restore_results(f, "target", restore) == []
    good = SimpleNamespace(download=lambda role, kind, name: b'{"errors": {"namespaces": {"ns": ["pod p: denied"]}}}')
    assert restore_results(good, "target", restore) == ["Restore r results, namespace ns: pod p: denied"]
