"""Redaction before anything is written: objects (by field) and text or log bytes (by pattern).

The same secret value always gets the same placeholder (`REDACTED-<RULE>-<n>`) across a whole
bundle, so evidence stays correlatable. Values found in structured places (Secret data, token or
password fields, env vars) are remembered and then replaced wherever they appear again, e.g. in
a log line. The mapping placeholder -> value is saved only on the user's machine (`save`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections import Counter
from pathlib import Path

PREFIX = "REDACTED-"
_MIN_LITERAL = 8          # shorter known values (e.g. "admin", "true") are not chased through text

# Text patterns over bytes; the group named `v` is what gets replaced (the whole match without it).
_TEXT = [
    ("private-key", rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:(?!-----END).)*?-----END [A-Z0-9 ]*PRIVATE KEY-----"),
    ("jwt", rb"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    ("token", rb"\bsha256~[A-Za-z0-9_-]{20,}"),
    ("token", rb"(?i:\bauthorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic)\s+)?)(?P<v>[^\s\"',;]+)"),
    ("token", rb"(?i:\b(?:bearer|basic)\s+)(?P<v>[A-Za-z0-9._~+/=-]{8,})"),
    ("aws-access-key", rb"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b"),
    ("url-password", rb"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\"']+:(?P<v>[^\s@/\"']+)@"),
    ("password", rb"(?i:(?:passwd|password|pwd|secret|token|api[_-]?key|access[_-]?key|credentials?|private[_-]?key"
                 rb"|client-key-data)[\"']?\s*[:=]\s*[\"']?)(?P<v>[^\s\"',;&}\]]+)"),
]
_TEXT_RE = [(rule, re.compile(p, re.S)) for rule, p in _TEXT]
_PEM = _TEXT_RE[0]
# Lines are only looked at closely when they hold one of these; each is one bytes.find pass
# (~1.5 GB/s), where one regex alternation would be ~100 MB/s. Lower case, on the lowered text:
_KEYWORDS = (b"authorization", b"bearer", b"passw", b"pwd", b"secret", b"token", b"key", b"credential", b"://")
# Case-sensitive, on the text itself (a JWT starts eyJ; OpenShift tokens sha256~; AWS key ids):
_EXACT = (b"eyJ", b"sha256~")
_AWS = re.compile(rb"A(?:KIA|SIA|IDA|ROA)")

# Structured fields whose string value is a secret, by key (compared without '_' and '-', lower case).
_KEY_RULES = {"password": "password", "passwd": "password", "pwd": "password", "token": "token",
              "satoken": "token", "bearertoken": "token", "secret": "password", "secretkey": "aws-secret-key",
              "secretaccesskey": "aws-secret-key", "awssecretaccesskey": "aws-secret-key",
              "accesskey": "aws-access-key", "accesskeyid": "aws-access-key", "awsaccesskeyid": "aws-access-key",
              "apikey": "password", "privatekey": "private-key", "clientkeydata": "private-key",
              "credentials": "cloud-credentials", "credential": "cloud-credentials", "cloud": "cloud-credentials",
              "kubeconfig": "kubeconfig", "authorization": "token"}
_ENV_NAME = re.compile(r"(?i)pass(word|wd)?|secret|token|api_?key|access_?key|credential|private_?key|auth")


_NEVER = re.compile(b"(?!)")
_NAME_LIKE = re.compile(rb"[a-z0-9]([a-z0-9._-]*[a-z0-9])?|[0-9]+")


def _chased(v: bytes) -> bool:
    """Known values worth looking for anywhere: one token that looks like a credential. Names such
    as a Secret's `namespace` value (openshift-migration) or UUIDs would blank out evidence."""
    return (_MIN_LITERAL <= len(v) <= 512 and not any(c in v for c in b" \t\r\n")
            and _NAME_LIKE.fullmatch(v) is None)


def _trie(words) -> bytes:
    """One regex for many literals, shaped as a trie: the engine branches on each byte instead of
    trying every alternative at every position (~50 MB/s with hundreds of words, not ~5)."""
    root: dict = {}
    for w in words:
        node = root
        for b in w:
            node = node.setdefault(b, {})
        node[None] = {}

    def emit(node) -> bytes:
        alts = [re.escape(bytes([b])) + emit(node[b]) for b in sorted(k for k in node if k is not None)]
        if not alts:
            return b""
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        return b"(?:" + body + b")?" if None in node else body

    return emit(root)


def _line_at(data: bytes, i: int) -> tuple[int, int]:
    """(start, end) of the line holding position i, without its newline."""
    end = data.find(b"\n", i)
    return data.rfind(b"\n", 0, i) + 1, len(data) if end < 0 else end


def _norm_key(k: str) -> str:
    return k.replace("_", "").replace("-", "").lower()


class Redactor:
    """Thread-safe; one per bundle. `counts` holds replacements by rule."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.counts: Counter = Counter()
        self._by_value: dict[bytes, str] = {}
        self._seq: Counter = Counter()
        self._lock = threading.Lock()
        self._literals: re.Pattern | None = None      # known values to chase; rebuilt when one is added

    # --- placeholders ----------------------------------------------------------------------
    def placeholder(self, value: bytes, rule: str) -> str:
        """The value's placeholder, the same for the whole bundle; counted under `rule`."""
        with self._lock:
            self.counts[rule] += 1
            ph = self._by_value.get(value)
            if ph is None:
                self._seq[rule] += 1
                ph = f"{PREFIX}{rule.upper()}-{self._seq[rule]}"
                self._by_value[value] = ph
            return ph

    def _remember(self, value: str, rule: str) -> str:
        raw = value.encode("utf-8", "surrogateescape")
        new = raw not in self._by_value
        ph = self.placeholder(raw, rule)
        if new and _chased(raw):
            with self._lock:
                self._literals = None          # chase it from now on
        # Secret data is base64: its decoded form is the same secret and gets the same placeholder.
        if rule == "secret-data":
            try:
                plain = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                plain = b""
            if len(plain) >= _MIN_LITERAL:
                with self._lock:
                    self._by_value.setdefault(plain, ph)
                    for line in plain.splitlines():      # e.g. a cloud credentials file, line by line values
                        k, sep, v = line.partition(b"=")
                        if sep and len(v.strip()) >= _MIN_LITERAL:
                            self._by_value.setdefault(v.strip(), ph)
                    self._literals = None
        return ph

    def _literal_re(self) -> re.Pattern:
        with self._lock:
            if self._literals is None:
                vals = [v for v in self._by_value if _chased(v)]
                self._literals = re.compile(_trie(vals)) if vals else _NEVER
            return self._literals

    # --- text and bytes --------------------------------------------------------------------
    def text(self, data: bytes, everywhere: bool = True) -> bytes:
        """`data` with every secret pattern and known secret value replaced. Only the lines that
        hold a keyword go through the patterns, so ordinary log lines cost a few scans. Known
        values are chased through all of `data` (objects), or (`everywhere=False`, logs: a pass
        per byte would cost more than the rest together) through the lines holding a keyword."""
        if not self.enabled or not data:
            return data
        lit = self._literal_re()
        if everywhere and lit is not _NEVER and lit.search(data):
            data = self._literals_out(lit, data)
        if b"PRIVATE KEY-----" in data:
            data = _PEM[1].sub(lambda m: self._sub(m, _PEM[0]), data)
        low = data.lower()
        spans = set()
        hits = [(low, kw) for kw in _KEYWORDS] + [(data, kw) for kw in _EXACT]
        for text, kw in hits:
            i = text.find(kw)
            while i >= 0:
                span = _line_at(data, i)
                spans.add(span)
                i = text.find(kw, span[1])
        for m in _AWS.finditer(data):
            spans.add(_line_at(data, m.start()))
        if not spans:
            return data
        out, pos = [], 0
        for start, end in sorted(spans):
            if start < pos:
                continue
            line = data[start:end]
            if not everywhere and lit is not _NEVER:
                line = self._literals_out(lit, line)
            for rule, rx in _TEXT_RE[1:]:
                line = rx.sub(lambda m, r=rule: self._sub(m, r), line)
            out += [data[pos:start], line]
            pos = end
        out.append(data[pos:])
        return b"".join(out)

    def _literals_out(self, lit: re.Pattern, data: bytes) -> bytes:
        def one(m):
            with self._lock:
                self.counts["known-value"] += 1     # a value already redacted elsewhere, found again
            return self._by_value[m.group(0)].encode()
        return lit.sub(one, data)

    def _sub(self, m: re.Match, rule: str) -> bytes:
        if "v" in m.re.groupindex:
            val = m.group("v")
            if val.startswith(PREFIX.encode()):
                return m.group(0)
            ph = self.placeholder(val, rule).encode()
            s, e = m.span("v")
            whole = m.group(0)
            return whole[:s - m.start()] + ph + whole[e - m.start():]
        return self.placeholder(m.group(0), rule).encode()

    def string(self, s: str) -> str:
        if not self.enabled or not s:
            return s
        raw = s.encode("utf-8", "surrogateescape")
        out = self.text(raw)
        return s if out is raw else out.decode("utf-8", "surrogateescape")

    # --- objects ---------------------------------------------------------------------------
    def obj(self, obj):
        """A redacted copy of an API object (or any JSON-like value)."""
        if not self.enabled:
            return obj
        if isinstance(obj, dict) and obj.get("kind") == "Secret":
            obj = dict(obj)
            for field in ("data", "stringData"):
                if isinstance(obj.get(field), dict):
                    obj[field] = {k: self._remember(str(v), "secret-data") if v not in (None, "") else v
                                  for k, v in obj[field].items()}
            meta = dict(obj.get("metadata") or {})
            ann = dict(meta.get("annotations") or {})
            last = "kubectl.kubernetes.io/last-applied-configuration"
            if last in ann:
                ann[last] = self._remember(ann[last], "secret-data")
                meta["annotations"] = ann
                obj["metadata"] = meta
        return self._walk(obj)

    def _walk(self, x, key: str = ""):
        if isinstance(x, dict):
            if isinstance(x.get("name"), str) and isinstance(x.get("value"), str) and _ENV_NAME.search(x["name"]) \
                    and x["value"] and not x["value"].startswith(PREFIX):
                x = {**x, "value": self._remember(x["value"], _KEY_RULES.get(_norm_key(x["name"]), "password"))}
            return {k: self._walk(v, k) for k, v in x.items()}
        if isinstance(x, list):
            return [self._walk(v, key) for v in x]
        if isinstance(x, str):
            rule = _KEY_RULES.get(_norm_key(key))
            if rule and x and not x.startswith(PREFIX):
                return self._remember(x, rule)
            return self.string(x)
        return x

    # --- the mapping -----------------------------------------------------------------------
    def summary(self) -> dict:
        return {"enabled": self.enabled, "rules": dict(sorted(self.counts.items())),
                "distinctValues": len(set(self._by_value.values()))}

    def save(self, path: Path) -> Path:
        """Write placeholder -> values (0600) outside the bundle, replacing the file whole; returns the path.
        Values that are not UTF-8 are kept byte for byte (surrogate escapes) so `load` gives them back."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            mapping: dict[str, list[str]] = {}
            for val, ph in self._by_value.items():
                mapping.setdefault(ph, []).append(val.decode("utf-8", "surrogateescape"))
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(mapping, f, indent=1, sort_keys=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def load(self, path: Path) -> int:
        """Take over a mapping `save` wrote (another bundle of the same case): each known value keeps its
        placeholder, and new ones are numbered after the highest seen per rule. Returns how many values.
        Raises OSError or ValueError when the file cannot be read as such a mapping."""
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            mapping = json.load(f)
        if not isinstance(mapping, dict):
            raise ValueError("not a redaction mapping (a JSON object placeholder -> values)")
        n = 0
        with self._lock:
            for ph, values in mapping.items():
                rule, _, seq = str(ph)[len(PREFIX):].rpartition("-")
                if not str(ph).startswith(PREFIX) or not seq.isdigit() or not isinstance(values, list):
                    raise ValueError(f"not a redaction mapping (entry {str(ph)[:40]!r})")
                self._seq[rule.lower()] = max(self._seq[rule.lower()], int(seq))
                for v in values:
                    raw = str(v).encode("utf-8", "surrogateescape")
                    if raw not in self._by_value:
                        self._by_value[raw] = ph
                        n += 1
            self._literals = None
        return n


class StreamRedactor:
    """Redacts a byte stream cut anywhere: whole lines go through `Redactor.text`; a PEM key
    that spans chunks is dropped up to its END line."""

    _BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
    _END = re.compile(rb"-----END [A-Z0-9 ]*PRIVATE KEY-----")

    def __init__(self, r: Redactor):
        self.r = r
        self.buf = b""
        self.in_key = False

    def feed(self, chunk: bytes) -> bytes:
        if not self.r.enabled:
            return chunk
        data = self.buf + chunk
        cut = data.rfind(b"\n")
        if cut < 0 and len(data) < 1 << 20:
            self.buf = data
            return b""
        cut = len(data) - 1 if cut < 0 else cut
        block, self.buf = data[:cut + 1], data[cut + 1:]
        return self._block(block)

    def close(self) -> bytes:
        block, self.buf = self.buf, b""
        return self._block(block) if block else b""

    def _block(self, block: bytes) -> bytes:
        if self.in_key:
            end = self._END.search(block)
            if end is None:
                return b""
            self.in_key = False
            block = block[end.end():]
        out = self.r.text(block, everywhere=False)
        m = self._BEGIN.search(out)
        if m and not self._END.search(out, m.end()):
            self.in_key = True
            out = out[:m.start()] + self.r.placeholder(out[m.start():], "private-key").encode() + b"\n"
        return out
