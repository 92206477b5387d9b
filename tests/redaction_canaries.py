"""Planted secrets, one per form a secret takes (issue 15), shared by the unit canary suite and the
mig-gather and mig-logs end-to-end tests, and the scan that looks for any of them in raw, lower/upper case, base64
(every alignment, standard and URL-safe), URL-encoded and JSON-escaped forms.

Each canary is distinct and long enough to be found by a plain byte search; none is a substring of
another. `objects()` and `log_lines()` are them, `plant(s)` puts both in emulated clusters; `leaks(blob)`
lists what is still readable."""

from __future__ import annotations

import base64
import json
import urllib.parse

NS = "openshift-migration"
# known from objects, then reappearing in logs in other forms
K_ENV = "CanaryEnvDbPwd41aZ"              # env DB_PWD
K_SECRET = "CanarySecretData42bY"         # Secret data
K_CM = "CanaryConfigMapKey43cX"           # ConfigMap key secretKey
K_BIN = "CanaryBinaryData44dW"            # ConfigMap binaryData
K_ANN = "CanaryAnnotation45eV"            # annotation example.com/db-password
K_ARG = "CanaryArgPassword46fU"           # args --password X
K_ARGEQ = "CanaryArgTokenEq47gT"          # args --token=X
K_LAST = "CanaryLastApplied48hS"          # last-applied of a Deployment's env
K_LASTSEC = "CanaryLastSecret49iR"        # last-applied of a Secret
K_KCTOK = "CanaryKubeconfigTok50jQ"       # kubeconfig token in a ConfigMap
K_KCKEY = "Q2FuYXJ5S3ViZUtleTUxa1A"       # kubeconfig client-key-data
K_KCPASS = "CanaryKubePass52lO"           # kubeconfig basic-auth password
K_FIELD = "CanaryFieldSecretKey53mN"      # a CR field secretKey
K_PULL = "CanaryPullPass54nM"             # inside a dockerconfigjson's auth
K_LONG = "CanaryLongPull55oL" + "x1Y2z3" * 90   # a 500+ character registry secret
K_CAMEL = "CanaryCamelSecretKey56pK"      # env secretKey (camel case)
K_SESSION = "CanarySessionTok57qJ"        # env APP_SESSION_TOKEN
K_SIGENV = "CanarySigningKey58rI"         # env SIGNING_PRIVATE_KEY
K_LOWER = "canarylowerpw86"               # Secret data db-password: lower case, looks like a name
K_LOWER_ENV = "canary-lower-env-87"       # env REDIS_PASSWORD: the same
K_ENCODED = "CanaryEncodedDoc88pQ"        # annotation example.com/settings: base64 of a JSON with a password
K_MANIFEST = "CanaryManifestData89sT"     # a Secret manifest (stringData ca.crt) kept in a ConfigMap, 2nd document
# text-only forms (logs, events, messages)
T = {
    "url-slash": "Can/ary;Url@Pw 59",
    "url-empty-user": "CanaryRedisPw60sH",
    "presigned": "CanaryAmzSig61a1b2c3d4e5f6",
    "sigv4": "CanarySigV4Sig62ffee0011",
    "sas": "CanarySasSig63%2Bab%3D",
    "access-token": "CanaryAccessTok64tG",
    "bearer": "CanaryBearerHdr65uF",
    "basic": "Q2FuYXJ5QmFzaWM2NnZF",
    "aws4-header": "CanaryAws4HdrSig67wD",
    "negotiate": "CanaryNegotiate68xC",
    "pem": "MIIECanaryPemBody69yB",
    "pgp": "lQOYBCanaryPgpBody70zA",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiI3MSJ9.Q2FuYXJ5Snd0NzE",
    "escaped-json": "CanaryEscJson72 with space",
    "kv-eq": "CanaryKvEq73aB",
    "kv-colon": "Canary Kv Colon 74 words",
    "flag-space": "CanaryFlagSpace75bC",
    "flag-quoted": "Canary Flag Quoted 76",
    "multiword-eq": "Canary horse battery 77",
    "yaml-pw": "CanaryYamlPw78cD",
    "go-map": "CanaryGoMapTok79dE",
    "cookie": "CanaryCookie80eF",
    "apikey-header": "CanaryApiKeyHdr81fG",
    "sha256": "sha256~CanaryOpenShiftTok82gH1234",
    "aws-key": "AKIACANARY0000000083",
    "json-private": "CanaryJsonPrivate84hI",
    "long-line": "CanaryLongLine85iJ",
}
KNOWN = [K_ENV, K_SECRET, K_CM, K_BIN, K_ANN, K_ARG, K_ARGEQ, K_LAST, K_LASTSEC, K_KCTOK, K_KCKEY, K_KCPASS,
         K_FIELD, K_PULL, K_LONG, K_CAMEL, K_SESSION, K_SIGENV, K_LOWER, K_LOWER_ENV, K_ENCODED, K_MANIFEST]
ALL = KNOWN + list(T.values())
# values that stay readable (not over-redacted)
KEPT = ["secret=openshift-migration/cloud-credentials", "keyFile=/etc/pki/tls/private/server.key",
        "signature-algorithm=RS256", "velero-7d9c4b8f5-x2x7q", "credentialsSecret: cloud-credentials",
        "secretName: velero-restic-credentials", "key: cloud", "sessionAffinity: ClientIP",
        "timed out waiting for all PodVolumeBackups to complete", "LOG_LEVEL"]


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def kubeconfig() -> str:
    return ("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://api.example.com:6443\n"
            f"users:\n- name: admin\n  user:\n    token: {K_KCTOK}\n    client-key-data: {K_KCKEY}\n"
            f"- name: basic\n  user:\n    username: admin\n    password: {K_KCPASS}\n")


def objects() -> dict:
    """role -> objects to plant."""
    docker = json.dumps({"auths": {"registry.example.com": {"auth": _b64(f"puller:{K_PULL}")},
                                   "quay.io": {"auth": _b64(f"robot:{K_LONG}")}}})
    last_secret = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": NS},
                              "data": {"password": _b64(K_LASTSEC)}})
    secret_db = {"apiVersion": "v1", "kind": "Secret", "metadata": {
        "name": "db", "namespace": NS, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_secret}},
        "type": "Opaque", "data": {"token": _b64(K_SECRET), "password": _b64(K_LASTSEC), "db-password": _b64(K_LOWER),
                                   "namespace": _b64(NS)}}
    pull = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pull-canary", "namespace": NS},
            "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": _b64(docker)}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "app-config", "namespace": NS, "annotations": {
            "example.com/db-password": K_ANN,
            "example.com/settings": _b64(json.dumps({"db": {"host": "db.example.com", "dbPassword": K_ENCODED}}))}},
        "data": {"secretKey": K_CM, "LOG_LEVEL": "debug", "config": kubeconfig(),
                 "settings.json": json.dumps({"privateKey": T["json-private"], "region": "us-east-1"}),
                 "templates.yaml": "kind: ServiceAccount\nmetadata: {name: app}\n---\napiVersion: v1\nkind: Secret\n"
                                   f"metadata: {{name: app-tls}}\nstringData:\n  ca.crt: {K_MANIFEST}\n"},
        "binaryData": {"blob": _b64(K_BIN)}}
    deploy_env = [{"name": "APP_PASSWORD", "value": K_LAST}]
    last_deploy = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
                              "spec": {"template": {"spec": {"containers": [{"name": "app", "env": deploy_env}]}}}})
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
        "name": "app", "namespace": NS, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_deploy}},
        "spec": {"template": {"spec": {"containers": [{
            "name": "app", "image": "registry.example.com/app:1",
            "args": ["--password", K_ARG, f"--token={K_ARGEQ}", "--log-level", "debug"],
            "env": [{"name": "DB_PWD", "value": K_ENV}, {"name": "secretKey", "value": K_CAMEL},
                    {"name": "APP_SESSION_TOKEN", "value": K_SESSION},
                    {"name": "SIGNING_PRIVATE_KEY", "value": K_SIGENV},
                    {"name": "LOG_LEVEL", "value": "debug"}, {"name": "REDIS_PASSWORD", "value": K_LOWER_ENV},
                    {"name": "CREDS_REF", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}]}}}}
    cr = {"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation", "metadata": {"name": "canary-bsl", "namespace": NS},
          "spec": {"provider": "aws", "objectStorage": {"bucket": "b"}, "credential": {"name": "cloud-credentials", "key": "cloud"},
                   "config": {"region": "us-east-1", "secretKey": K_FIELD, "credentialsSecret": "cloud-credentials"}}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "app", "namespace": NS},
           "spec": {"sessionAffinity": "ClientIP", "ports": [{"port": 443}]}}
    bare = " ".join([K_ENV.upper(), _b64("x" + K_SECRET), urllib.parse.quote(K_ANN + "/&"), K_LONG.lower(),
                     json.dumps(K_CM + "/")[1:-1], _b64("yz" + K_PULL + "!"), K_LOWER, K_LOWER_ENV.upper()])
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "app.17f", "namespace": NS},
             "reason": "Failed", "message": f"container app exited: {bare}",
             "involvedObject": {"kind": "Pod", "name": "app-0", "namespace": NS}}
    return {"host": [secret_db, pull, cm], "source": [deploy, cr, svc, event]}


def log_lines() -> list[str]:
    """Log lines with every text form, and known values in other encodings."""
    t = T
    return [
        f'time="2019-09-02T11:11:00Z" level=info msg="connect redis://:{t["url-empty-user"]}@redis.example.com:6379/0"',
        f'time="2019-09-02T11:11:00Z" level=info msg="connect mongodb://admin:{t["url-slash"]}@db.example.com:27017/app"',
        f'level=info msg="GET https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential='
        f'AKIAIOSFODNN7EXAMPLE%2F20190902&X-Amz-Signature={t["presigned"]}&X-Amz-Expires=3600"',
        f'level=info msg="GET https://s3.example.com/x?Signature={t["sigv4"]}&Expires=1"',
        f'level=info msg="PUT https://a.blob.core.windows.net/c/b?sv=2019-02-02&sig={t["sas"]}&se=2019-09-03"',
        f'level=info msg="callback https://sso.example.com/cb?access_token={t["access-token"]}&state=x"',
        f'level=debug msg="request" header="Authorization: Bearer {t["bearer"]}"',
        f'level=debug msg="request" headers="map[Authorization:[Basic {t["basic"]}] Accept:[*/*]]"',
        f"level=debug msg=\"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20190902/us-east-1/s3/"
        f"aws4_request, SignedHeaders=host;x-amz-date, Signature={t['aws4-header']}\"",
        f'level=debug msg="proxy Authorization: Negotiate {t["negotiate"]}"',
        f'level=debug msg="Cookie: session={t["cookie"]}; theme=dark"',
        f'level=debug msg="X-Api-Key: {t["apikey-header"]}"',
        "-----BEGIN RSA PRIVATE KEY-----", t["pem"], "QUFBQUFBQUFBQUFB", "-----END RSA PRIVATE KEY-----",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----", "", t["pgp"], "=AbCd", "-----END PGP PRIVATE KEY BLOCK-----",
        f'level=info msg="loaded token {t["jwt"]}"',
        'level=info msg="body {\\"user\\":\\"bob\\",\\"password\\":\\"' + t["escaped-json"] + '\\"}"',
        f'level=info msg="db login" password={t["kv-eq"]}',
        f"    db_password: {t['kv-colon']}",
        f'level=info msg="exec restic --password {t["flag-space"]} snapshots"',
        f"level=info msg=\"exec restic --password='{t['flag-quoted']}' snapshots\"",
        f"PASSWORD={t['multiword-eq']}",
        f"  password: {t['yaml-pw']}",
        f'level=info msg="opts map[token:{t["go-map"]} verbose:true]"',
        f'level=info msg="oauth" token={t["sha256"]}',
        f'level=info msg="using access key {t["aws-key"]}"',
        # known values again, in other forms, on lines that say what they hold (a log line is
        # chased for known values when it holds a keyword; objects and events everywhere)
        f'level=info msg="env dump db_pwd is {K_ENV.upper()}"',
        f'level=info msg="secret data {_b64("xx" + K_SECRET + "yy")}"',
        f'level=info msg="config with token {_b64("x" + K_CM)}"',
        f'level=info msg="auth lookup q={urllib.parse.quote(K_ANN + "/&")}"',
        f'level=info msg="credentials in use {K_ARG} {K_ARGEQ} {K_LAST} {K_LASTSEC} {K_KCTOK} {K_KCPASS} {K_FIELD}"',
        f'level=info msg="pulled with auth {K_PULL} and {K_LONG} {K_CAMEL.lower()} {K_SESSION} {K_SIGENV}"',
        f'level=info msg="secret bin {K_BIN} key {K_KCKEY} {json.dumps(K_SECRET + "/x")}"',
        f'level=info msg="auth as app with {K_LOWER} then {_b64("q" + K_LOWER_ENV)} and {K_ENCODED.lower()} {_b64(K_MANIFEST)}"',
        # evidence that must stay
        'level=info msg="using secret=openshift-migration/cloud-credentials keyFile=/etc/pki/tls/private/server.key '
        'signature-algorithm=RS256"',
        'level=error msg="timed out waiting for all PodVolumeBackups to complete" backup=openshift-migration/x',
        'level=info msg="restic pod velero-7d9c4b8f5-x2x7q mounts secretName: velero-restic-credentials"',
        "x" * 1_200_000 + f" password={t['long-line']} " + "y" * 1_200_000,     # longer than a read
    ]


def plant(s, pod: str = "velero-7d9c4b8f5-x2x7q") -> None:
    """Every canary into emulated clusters `s`: the objects on their clusters, the log lines in the
    source's Velero pod."""
    for role, objs in objects().items():
        for x in objs:
            s.put(role, x)
    for ln in log_lines():
        s.append_log("source", NS, pod, "velero", ln)


def _b64_cores(v: bytes) -> set[bytes]:
    """The part of v's base64 that does not depend on its neighbours, at each alignment."""
    out = set()
    for k in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            e = enc(b"\0" * k + v)
            start = -(-8 * k // 6)
            out.add(e[start:(8 * (k + len(v))) // 6])
    return out


def scan_forms(value: str) -> set[bytes]:
    v = value.encode()
    out = {v, v.lower(), v.upper(), urllib.parse.quote(value, safe="").encode(), json.dumps(value)[1:-1].encode()}
    out |= _b64_cores(v)
    return {f for f in out if len(f) >= 8}


def leaks(blob: bytes, values=None) -> list[str]:
    """Canaries still readable in `blob`, with the form found."""
    found = []
    low = blob.lower()
    for value in values or ALL:
        for f in scan_forms(value):
            if f in blob or (f == value.encode().lower() and f in low):
                found.append(f"{value!r} as {f[:60]!r}")
                break
    return found
