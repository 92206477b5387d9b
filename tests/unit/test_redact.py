"""Redaction rules on plain values: each form is replaced, evidence that is not secret stays."""

from __future__ import annotations

import base64

from lib.redact import Redactor, StreamRedactor


def test_secret_data_and_its_decoded_value_share_a_placeholder():
    r = Redactor()
    token = "Zm9vYmFyQmF6UXV4MTIzNDU2"       # mixed case: worth chasing through text
    sec = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": base64.b64encode(token.encode()).decode(),
                                                               "namespace": base64.b64encode(b"openshift-migration").decode()}}
    out = r.obj(sec)
    ph = out["data"]["k"]
    assert ph.startswith("REDACTED-SECRET-DATA-") and out["data"]["namespace"].startswith("REDACTED-")
    # the decoded token is chased through objects; a name-like value (a namespace) is not
    assert r.string(f"saw {token} in openshift-migration") == f"saw {ph} in openshift-migration"


def test_patterns_in_log_text():
    r = Redactor()
    line = (b'time="x" level=info msg="GET https://bob:hunter2pw@s3.example.com/b" '
            b'header="Authorization: Bearer abcdefghijklmnop" key=AKIAABCDEFGHIJKLMNOP '
            b'jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln password=pw12345678 backup=openshift-migration/x\n')
    out = r.text(line, everywhere=False)
    for secret in (b"hunter2pw", b"abcdefghijklmnop", b"AKIAABCDEFGHIJKLMNOP", b"eyJhbGciOiJIUzI1NiJ9", b"pw12345678"):
        assert secret not in out
    assert b"backup=openshift-migration/x" in out and b"https://bob:REDACTED-URL-PASSWORD-1@s3.example.com" in out
    assert r.text(line, everywhere=False) == out          # the same values, the same placeholders


def test_env_vars_by_name_and_plain_values_kept():
    r = Redactor()
    env = [{"name": "AWS_SECRET_ACCESS_KEY", "value": "k" * 40}, {"name": "LOG_LEVEL", "value": "debug"}]
    out = r.obj({"spec": {"containers": [{"env": env}]}})["spec"]["containers"][0]["env"]
    assert out[0]["value"] == "REDACTED-AWS-SECRET-KEY-1" and out[1]["value"] == "debug"


def test_a_private_key_spread_over_chunks_is_dropped_whole():
    r = Redactor()
    s = StreamRedactor(r)
    out = s.feed(b"before\n-----BEGIN PRIVATE KEY-----\nMIIEsecretA\n") + s.feed(b"MIIEsecretB\n-----END PRIVATE KEY-----\nafter\n")
    out += s.close()
    assert b"MIIEsecret" not in out and out.startswith(b"before\nREDACTED-PRIVATE-KEY-1") and out.endswith(b"after\n")


def test_disabled_changes_nothing():
    r = Redactor(enabled=False)
    sec = {"kind": "Secret", "data": {"k": "dmFsdWU="}}
    assert r.obj(sec) == sec and r.text(b"password=x") == b"password=x"


def test_a_500_character_registry_secret_and_a_deep_chain_of_prefixes_compile():
    r = Redactor()
    long = "Ab1" + "x9Y" * 170                     # crashed mig-gather with a RecursionError in _trie
    docker = base64.b64encode(('{"auths":{"q.io":{"auth":"' + base64.b64encode(b"u:" + long.encode()).decode()
                               + '"}}}').encode()).decode()
    out = r.obj({"kind": "Secret", "data": {".dockerconfigjson": docker}})
    assert out["data"][".dockerconfigjson"].startswith("REDACTED-SECRET-DATA-")
    for i in range(300):                          # each a prefix of the next: 300 nested groups
        r.learn({"env": [{"name": "TOKEN", "value": "Zq7" + "a" * (10 + i)}]})
    r.prepare()
    assert long.encode() not in r.text(b"pulled with " + long.encode() + b" ok")
    assert r.text(b"Zq7" + b"a" * 150 + b"!") .startswith(b"REDACTED-TOKEN-")


def test_placeholders_keep_the_rule_and_names_that_only_refer_stay():
    r = Redactor()
    out = r.obj({"kind": "Pod", "spec": {"containers": [{"env": [
        {"name": "DB_PWD", "value": "Pa55w0rd-x"}, {"name": "SECRET_NAME", "value": "db-creds"},
        {"name": "KEY_FILE", "value": "/etc/tls/tls.key"}, {"name": "JWT_ALG", "value": "RS256"}],
        "volumeMounts": [{"name": "creds", "mountPath": "/var/run/secrets/cloud"}]}],
        "volumes": [{"name": "creds", "secret": {"secretName": "cloud-credentials", "items": [{"key": "cloud"}]}}]}})
    env = out["spec"]["containers"][0]["env"]
    assert env[0]["value"] == "REDACTED-PASSWORD-1"
    assert [e["value"] for e in env[1:]] == ["db-creds", "/etc/tls/tls.key", "RS256"]
    assert out["spec"]["volumes"][0]["secret"] == {"secretName": "cloud-credentials", "items": [{"key": "cloud"}]}


def test_a_yaml_line_behind_a_log_timestamp_is_still_structured():
    r = Redactor()
    out = r.text(b"2019-09-02T11:11:00.000001Z     db_password: two words\n", everywhere=False)
    assert out == b"2019-09-02T11:11:00.000001Z     db_password: REDACTED-PASSWORD-1\n"


def test_an_error_line_is_scrubbed_of_credentials(capsys):
    import pytest

    from lib import cli
    from lib.errors import MigError

    def main(_):
        raise MigError("cannot reach https://admin:Sup3rSecretPw@api.example.com:6443 (Authorization: Bearer abcDEF123456)")

    import signal

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(SystemExit) as e:
            cli.run(main, "kubectl mig-x", [])
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
    err = capsys.readouterr().err
    assert e.value.code == 1 and "Sup3rSecretPw" not in err and "abcDEF123456" not in err
    assert err.startswith("error: cannot reach https://admin:REDACTED-URL-PASSWORD-1@api.example.com:6443")


def test_mtc_and_velero_lines_about_credentials_stay_readable():
    r = Redactor()
    lines = [
        b'level=error msg="Error getting backup store for this location" error="rpc error: code = Unknown desc = '
        b'NoCredentialProviders: no valid providers in chain. Deprecated." backupLocation=velero-1',
        b'{"level":"info","logger":"migration","msg":"Secret not found","secret":"openshift-migration/mig-ssh-key"}',
        b'{"msg":"x","credentials":"cloud-credentials","tokenSecret":"sa-token-x7"}',
        b'level=error msg="Error running command=restic backup --password-file=/tmp/credentials/velero/'
        b'velero-restic-credentials-repository-password --cache-dir=/scratch/.cache/restic"',
        b'level=info msg="Found token secret" name=velero-token-abcde namespace=openshift-migration',
        b'level=info msg="Backup storage location valid" backup-storage-location=velero/default keyPrefix=velero',
        b'E0902 reflector.go:123] Failed to list *v1.Secret: secrets is forbidden: cannot list resource "secrets"',
        b'level=info msg="auth: using service account token from /var/run/secrets/kubernetes.io/serviceaccount/token"',
        b'level=debug msg="Signing request" signature-version=v4 region=us-east-1',
    ]
    for ln in lines:
        assert r.text(ln + b"\n", everywhere=False) == ln + b"\n", ln


def test_warnings_and_verbose_tracebacks_are_scrubbed_of_credentials(capsys):
    """cli.warn (a cluster unreachable at its MigCluster URL, a verify detail) and the --verbose traceback
    of an error quote the same text as the error line: the same rules apply."""
    import signal

    import pytest

    from lib import cli
    from lib.errors import MigError

    cli.warn("warning: source cluster unreachable: cannot reach https://admin:Sup3rWarnPw9@api.example.com:6443")
    assert "Sup3rWarnPw9" not in capsys.readouterr().err

    def main(_):
        raise MigError("cannot reach https://admin:Sup3rTracePw9@api.example.com:6443")

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(SystemExit):
            cli.run(main, "kubectl mig-x", ["--verbose"])
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
    err = capsys.readouterr().err
    assert "Traceback" in err and "Sup3rTracePw9" not in err and "REDACTED-URL-PASSWORD-" in err


def test_a_name_like_password_is_chased_from_ten_bytes_and_a_short_one_leaves_names_alone():
    from lib.redact import Redactor

    r = Redactor()
    r.learn({"kind": "Pod", "spec": {"containers": [{"image": "postgres:13", "env": [
        {"name": "POSTGRES_PASSWORD", "value": "postgres"}, {"name": "DB_PASSWORD", "value": "hunter2hunter2"}]}]}})
    r.prepare()
    out = r.string("pulled postgres:13, logged in with hunter2hunter2 (HUNTER2HUNTER2)")
    assert out.startswith("pulled postgres:13, ") and "hunter2" not in out.lower()


def test_a_known_secret_in_a_log_line_without_a_keyword_is_replaced():
    """A log stream: a Secret's value the application prints bare (no auth/pass/token... on the line), in any
    case, quoted or bracketed, is replaced; lines without it are written as read."""
    r = Redactor()
    r.learn({"kind": "Secret", "metadata": {"name": "db"}, "stringData": {"uri": "Zq8vLm3Ka9Px-Tt4"}})
    r.prepare()
    s = StreamRedactor(r)
    out = s.feed(b'connected to db as "Zq8vLm3Ka9Px-Tt4"\nretry with ZQ8VLM3KA9PX-TT4 ok\n')
    out += s.feed(b"nothing here\nseen [Zq8vLm3Ka9Px-Tt4] end\n") + s.close()
    assert b"zq8vlm3ka9px" not in out.lower(), out
    assert out.count(b"REDACTED-") == 3 and b"nothing here\n" in out


def test_two_pods_of_one_name_in_two_namespaces_are_two_streams():
    """MTC's fixed-name transfer pods (rsync-server) exist once per namespace: a key begun and not ended in one
    does not swallow the other's lines."""
    from lib import logline
    from lib.logs.secrets import redacted
    from lib.logs.stream import Entry

    def entry(ns: str, data: bytes) -> Entry:
        return Entry("target", "rsync", "rsync-server", "rsync", "", logline.parse(data.decode()), data, ns)

    out = list(redacted([entry("a", b"-----BEGIN PRIVATE KEY-----\n"), entry("b", b"sent 10 bytes\n")], Redactor()))
    assert [e.namespace for e in out if e.data == b"sent 10 bytes\n"] == ["b"]
