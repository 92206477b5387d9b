"""What redaction looks for: which names say "secret", which values are references to keep, and the
text patterns (bytes) for secrets written in prose, headers, URLs and key/value pairs.

Names are split into words (`DB_PWD` -> db, pwd; `secretKey` -> secret, key; `X-Amz-Signature` ->
x, amz, signature) so that `keyboard` or `monkey` are not keys and `secretName` or `keyFile`
(a reference ending in a reference word) are not secrets.
"""

from __future__ import annotations

import re

# A name holding one of these words is a secret's name; the value is the rule.
_WORDS = {"password": "password", "passwd": "password", "pwd": "password", "pass": "password",
          "passphrase": "password", "pw": "password", "secret": "secret", "secrets": "secret",
          "token": "token", "tokens": "token", "bearer": "token", "session": "token", "cookie": "token",
          "auth": "token", "authorization": "token", "oauth": "token", "jwt": "jwt", "key": "key",
          "apikey": "key", "credential": "credentials", "credentials": "credentials", "creds": "credentials",
          "cred": "credentials", "signature": "signature", "sig": "signature", "private": "private-key",
          "privatekey": "private-key", "kubeconfig": "kubeconfig", "sas": "signature", "otp": "password"}
# Long words that are secrets even inside a run of lower case (`dbpassword`, `mysecretvalue`).
_INFIX = (("password", "password"), ("passwd", "password"), ("passphrase", "password"), ("secret", "secret"),
          ("token", "token"), ("credential", "credentials"), ("apikey", "key"), ("privatekey", "private-key"),
          ("signature", "signature"), ("kubeconfig", "kubeconfig"))
# A name ending in one of these names or describes a secret, it does not hold one.
_REF = {"name", "names", "ref", "refs", "reference", "path", "paths", "file", "files", "dir", "directory",
        "type", "kind", "algorithm", "algorithms", "algo", "alg", "id", "ids", "mode", "method", "methods",
        "length", "size", "ttl", "expiry", "expiration", "expires", "count", "format", "namespace",
        "location", "policy", "provider", "source", "enabled", "required", "url", "uri", "endpoint", "version",
        "selector", "label", "labels", "field", "header", "prefix", "suffix", "age", "rotation", "store",
        "usage", "usages", "hash", "digest", "fingerprint", "scope", "scopes", "audience", "issuer", "strategy"}
# Names made of one of these words alone often hold references (`secret=ns/name`, `key: app`).
_VALUE_WORDS = {"value", "data", "string", "str", "b64", "base64", "text", "plain", "raw", "enc", "encoded",
                "base", "content", "contents", "bytes", "hex"}
_AMBIGUOUS = {"secret", "secrets", "key", "auth", "session", "sig", "credentials", "credential", "creds",
              "cookie", "private", "token", "tokens"}
_BENIGN = {b"true", b"false", b"yes", b"no", b"none", b"null", b"nil", b"enabled", b"disabled", b"required",
           b"optional", b"redacted", b"<redacted>", b"***", b"xxx", b"<nil>", b"[]", b"{}", b"map[]"}
_ALGORITHM = re.compile(rb"(?i)(?:rsa|dsa|ecdsa|ed25519|ec|aes(?:-?\d+)?(?:-gcm|-cbc)?|sha-?\d+|md5|"
                        rb"hmac-?sha-?\d+|[rhpe]s\d{3}|aws4-hmac-sha256|bearer|basic|digest|negotiate|oauth2?|"
                        rb"x509|tls|mtls|plain|scram-sha-\d+|kerberos|none)")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_REFERENCE = re.compile(rb"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)?")
_PATH = re.compile(rb"(?:/|\./|~/)[\w.@+-]+(?:/[\w.@+-]*)+")
_PASSWORD_RULES = {"password"}


def words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def classify(name: str) -> str | None:
    """The rule for a value stored under `name`, or None when the name is not a secret's: the last
    word says what the value is (`DB_PWD`, `secretKey`), or it is a word such as `data` or `value`
    after one that does (`client-key-data`); a last word such as `name` or `file` makes a reference."""
    ws = words(name.rsplit("/", 1)[-1])          # an annotation's prefix (example.com/) says nothing
    if not ws or ws[-1] in _REF:
        return None
    if ws[-1] in _WORDS:
        return _WORDS[ws[-1]]
    if len(ws) > 1 and ws[-1] in _VALUE_WORDS and ws[-2] in _WORDS:
        return _WORDS[ws[-2]]
    last = ws[-1]
    for infix, rule in _INFIX:
        if infix in last:
            return None if any(last.endswith(r) for r in _REF if len(r) > 2) else rule
    return None


def ambiguous(name: str) -> bool:
    ws = words(name.rsplit("/", 1)[-1])
    return len(ws) == 1 and ws[0] in _AMBIGUOUS


def keep_value(name: str, rule: str, value: bytes) -> bool:
    """Whether a value under a secret's name is evidence to keep: empty or boolean-like values,
    algorithm names, file paths (not for passwords), and references (`ns/name`) under a name that
    is one ambiguous word such as `secret` or `key`."""
    v = value.strip().strip(b"\"'")
    if len(v) < 3 or v.lower() in _BENIGN or v.startswith(b"REDACTED-"):
        return True
    if _ALGORITHM.fullmatch(v):
        return True
    if rule not in _PASSWORD_RULES and _PATH.fullmatch(v):
        return True
    ws = words(name.rsplit("/", 1)[-1])
    names_one = ambiguous(name) or (bool(ws) and ws[-1] in ("secret", "secrets"))   # credentialsSecret: a name
    return names_one and _REFERENCE.fullmatch(v) is not None and any(c in v for c in b"-./")


# --- text patterns ---------------------------------------------------------------------------
_KEYNAME = (rb"[A-Za-z0-9_.-]*(?i:passw(?:or)?d|passphrase|pwd|pass|secret|token|key|credential|creds?|auth"
            rb"|session|signature|sig|cookie|private|bearer|kubeconfig|otp|sas|pw)[A-Za-z0-9_.-]*")
_QUOTED = rb"(?P<vq>\\*[\"'])(?P<v>(?:(?!(?P=vq)).){0,4096}?)(?P=vq)"
_WORDCH = rb"[^\s\"'`&\\<>{}\[\]]"
_MULTI = rb"(?:[ \t]+(?![-\w.]*[=:]|-)" + _WORDCH + rb"{1,256}(?!" + _WORDCH + rb")){0,16}"
# key=value, "key": "value", \\"key\\":\\"value\\", key: value. A colon after a bare key in prose
# ("failed to get token: timeout") is told apart by the caller (`colon` and the text before the key).
KV = re.compile(
    rb"(?<![A-Za-z0-9_.-])(?P<kq>\\*[\"'])?(?P<k>" + _KEYNAME + rb")(?(kq)(?P=kq))"
    rb"(?:\s*=\s*|(?P<colon>\s*:\s*))"
    rb"(?:" + _QUOTED + rb"|(?P<u>" + _WORDCH + rb"+" + _MULTI + rb"))")
# --key value, --key=value, -key value
FLAG = re.compile(rb"(?<![\w-])--?(?P<k>" + _KEYNAME + rb")(?:=|[ \t]+(?!-))"
                  rb"(?:" + _QUOTED + rb"|(?P<u>" + _WORDCH + rb"+))")
AUTH_HEADER = re.compile(
    rb"(?i:\b(?:proxy-)?authorization|\bx-auth-token|\bx-amz-security-token|\bx-api-key|\b(?:set-)?cookie)"
    rb"(?P<sep>\\*[\"']?\s*[:=]\s*\[?\\*[\"']?)(?P<scheme>(?:[A-Za-z][\w.-]*[ \t]+(?=\S))?)"
    rb"(?P<v>[^\n]*)")
URL_PASSWORD = re.compile(
    rb"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\"'<>]*:(?P<v>(?:(?!://)[^\"'<>\n]){0,256})"
    rb"@(?=[A-Za-z0-9\[][A-Za-z0-9.:\[\]-]*(?:[/?#\"'\s,;)]|$))", re.M)
PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:(?!-----END).)*?"
                         rb"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----", re.S)
PRIVATE_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
PRIVATE_END = re.compile(rb"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
# Whole-match patterns: (rule, regex).
WHOLE = [
    ("jwt", re.compile(rb"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")),
    ("token", re.compile(rb"\bsha256~[A-Za-z0-9_-]{20,}")),
    ("token", re.compile(rb"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})")),
    ("aws-access-key", re.compile(rb"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b")),
]
BEARER = re.compile(rb"(?i:\b(?:bearer|basic)[ \t]+)(?P<v>[A-Za-z0-9._~+/=-]{8,})")
# Lines are looked at closely only when they hold one of these (lower case, on the lowered text):
# a bytes.find pass each (~0.5-1.5 GB/s), far cheaper than a regex over every byte (~30 MB/s), but
# each one costs a pass: a word another covers is not here (private and kubeconfig values sit on
# lines with "key" or "token"; a PEM header holds "key"; sas signatures are "sig=").

# A Bearer credential follows "Authorization"; a cookie holds a session; a JWT starts eyJ, looked for
# in the lowered text too; OpenShift's sha256~ tokens come after "token".
KEYWORDS = (b"auth", b"pass", b"pwd", b"secret", b"token", b"key", b"cred", b"://", b"sig", b"session", b"eyj")
AWS = re.compile(rb"A(?:KIA|SIA|IDA|ROA)")
