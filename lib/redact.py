"""Redaction before anything is written: objects (by field) and text or log bytes (by pattern).

The same secret value always gets the same placeholder (`REDACTED-<RULE>-<n>`) across a whole
bundle, so evidence stays correlatable. Values found in structured places (Secret data, fields,
env vars, ConfigMap keys, annotations and arguments named like secrets, kubeconfigs) or by a text
pattern are remembered and then replaced wherever they appear again, in any case, base64-encoded
(at any alignment), URL-encoded or JSON-escaped. The mapping placeholder -> value is saved only
on the user's machine (`save`). The rules themselves are in lib/redact_rules.py.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
import threading
import urllib.parse
from collections import Counter
from pathlib import Path

import yaml

from . import redact_rules as rules

PREFIX = "REDACTED-"
_PREFIX_B = PREFIX.encode()
_MIN_LITERAL = 8          # shorter known values (e.g. "admin", "true") are not chased through text
_MAX_LITERAL = 8192
_NAMED_MIN = 10           # a name-like value under a secret's name is chased from this length
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_NEVER = re.compile(b"(?!)")
_STAMP = re.compile(rb"^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)? ")     # kubectl logs --timestamps
_NAME_LIKE = re.compile(rb"[a-z0-9]([a-z0-9._-]*[a-z0-9])?|[0-9]+")
_EMBEDDED_MAX = 1 << 20   # strings parsed as embedded documents (kubeconfigs, JSON) up to this size
# A Secret (or a ConfigMap's binaryData) written inside a string: a manifest kept in a ConfigMap.
# A Secret (a manifest, a last-applied configuration, escaped JSON too), binaryData or stringData: values only
# an object's kind tells apart (`ca.crt: <base64>`); also lib/gather/scrub.py's test of an unparsable file.
EMBEDDED_SECRET = re.compile(rb'kind\\*["\']?\s*:\s*\\*["\']?Secret\b|binaryData|stringData')
# A known value in a log line without a keyword is found by its anchor: the longest run of letters and digits of
# each of its forms, looked up among the words of a block (a translate, a split and a set: ~100 MB/s, where a
# trie over every byte runs at ~10-30 MB/s); the block goes through the trie only when one is there. A form
# glued to the letters around it (inside a longer base64 blob) is still found on keyword lines only.
_ANCHOR_MIN = 6
_WORDS = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
_RUNS = re.compile(rb"[a-z0-9]+")
_FOLD = 256               # values chased through a small trie before the large one is rebuilt

# Structured fields whose name alone decides (compared without '_' and '-', lower case); other names
# go through redact_rules.classify.
_KEY_RULES = {"satoken": "token", "bearertoken": "token", "secretkey": "aws-secret-key",
              "secretaccesskey": "aws-secret-key", "awssecretaccesskey": "aws-secret-key",
              "accesskey": "aws-access-key", "accesskeyid": "aws-access-key", "awsaccesskeyid": "aws-access-key",
              "cloud": "cloud-credentials", "credentials": "cloud-credentials", "kubeconfig": "kubeconfig"}
# Fields named so in Kubernetes objects refer to a key of a Secret or a label, never hold a secret.
_REFERENCE_FIELDS = {"key", "keys", "secretkeyref", "operator"}


def _chased(v: bytes, named: bool = False) -> bool:
    """Known values worth looking for anywhere: one token that looks like a credential. Names such
    as a Secret's `namespace` value (openshift-migration) or UUIDs would blank out evidence; but a
    value stored under a secret's name (`named`: a Secret's `password`, an env var DB_PASSWORD) is a
    credential whatever it looks like (`hunter2hunter2`), and is chased too from _NAMED_MIN bytes (a
    development `POSTGRES_PASSWORD=postgres` would blank out every image and URL naming postgres)."""
    return (_MIN_LITERAL <= len(v) <= _MAX_LITERAL and not any(c in v for c in b" \t\r\n")
            and (named and len(v) >= _NAMED_MIN or _NAME_LIKE.fullmatch(v) is None) and not v.startswith(_PREFIX_B))


def forms(v: bytes) -> set[bytes]:
    """The ways `v` is written inside other text: itself, URL-encoded, JSON-escaped, and the part of
    its base64 (standard and URL-safe) that does not depend on its neighbours, at each of the three
    alignments. Lower case: they are looked for without regard to case."""
    out = {v, urllib.parse.quote_from_bytes(v, safe=b"").encode(), urllib.parse.quote_from_bytes(v).encode(),
           urllib.parse.quote_plus(v, safe=b"").encode(),
           v.replace(b"\\", b"\\\\").replace(b'"', b'\\"'), v.replace(b"\\", b"\\\\").replace(b"/", b"\\/")}
    n = len(v)
    for k in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            e = enc(b"\0" * k + v)
            out.add(e[-(-8 * k // 6):(8 * (k + n)) // 6])
    return {f.lower() for f in out if len(f) >= _MIN_LITERAL}


def _trie(words) -> bytes:
    """One regex for many literals, shaped as a trie: the engine branches on each byte instead of
    trying every alternative at every position. Built without recursion (a 500-byte value is 500
    levels deep); only branch points open a group."""
    root: dict = {}
    for w in words:
        node = root
        for b in w:
            node = node.setdefault(b, {})
        node[None] = {}
    # post-order: each node's pattern from its children's, by an explicit stack
    done: dict = {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        kids = sorted(k for k in node if k is not None)
        if not expanded:
            stack.append((node, True))
            stack.extend((node[k], False) for k in kids)
            continue
        alts = [re.escape(bytes([b])) + done.pop(id(node[b])) for b in kids]
        if not alts:
            pat = b""
        else:
            body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
            pat = b"(?:" + body + b")?" if None in node else body
        done[id(node)] = pat
    return done[id(root)]


def _compile_literals(words: list[bytes]):
    """The trie of `words` (case-insensitive); split in parts if one is too deep for the compiler."""
    if not words:
        return _NEVER
    try:
        return re.compile(_trie(words), re.I)
    except (RecursionError, OverflowError, AssertionError, re.error):
        if len(words) == 1:
            return re.compile(re.escape(words[0]), re.I)
        half = len(words) // 2
        a, b = _compile_literals(words[:half]), _compile_literals(words[half:])
        return re.compile(b"(?:" + a.pattern + b")|(?:" + b.pattern + b")", re.I) if _depth_ok(a, b) else \
            _Either(a, b)


def _depth_ok(a: re.Pattern, b: re.Pattern) -> bool:
    try:
        re.compile(b"(?:" + a.pattern + b")|(?:" + b.pattern + b")", re.I)
        return True
    except (RecursionError, OverflowError, AssertionError, re.error):
        return False


class _Either:
    """Two literal patterns searched one after the other (only for tries too deep to join)."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.pattern = b""

    def search(self, data):
        return self.a.search(data) or self.b.search(data)

    def sub(self, fn, data):
        return self.b.sub(fn, self.a.sub(fn, data))


_LONG = 1 << 16          # lines longer than this are looked at around each keyword, not whole
_BEFORE, _AFTER = 4096, 8192


def _line_at(data: bytes, i: int) -> tuple[int, int]:
    """(start, end) of the line holding position i, without its newline; for a long line, the
    part around i, cut at blanks (a regex over a 10 MB line costs seconds where a window costs
    microseconds; values are at most 4 KiB or 16 words, headers end at their line or 8 KiB)."""
    end = data.find(b"\n", i)
    start, end = data.rfind(b"\n", 0, i) + 1, len(data) if end < 0 else end
    if end - start <= _LONG:
        return start, end
    lo, hi = max(start, i - _BEFORE), min(end, i + _AFTER)
    if lo > start:
        blank = max(data.rfind(b" ", max(start, lo - _BEFORE), lo), data.rfind(b"\t", max(start, lo - _BEFORE), lo))
        lo = lo if blank < 0 else blank + 1
    if hi < end:
        cut = data.find(b" ", hi, min(end, hi + _AFTER))
        hi = hi if cut < 0 else cut
    return lo, hi


def _merged(spans) -> list:
    out: list = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def _norm_key(k: str) -> str:
    return k.replace("_", "").replace("-", "").replace(".", "").lower()


def _field_rule(key: str) -> str | None:
    if not key or key.lower() in _REFERENCE_FIELDS:
        return None
    return _KEY_RULES.get(_norm_key(key)) or rules.classify(key)


def _credential_like(v: bytes) -> bool:
    """A single word that looks generated: long enough, letters and digits or mixed case."""
    if len(v) < 8 or any(c in v for c in b" \t"):
        return False
    has_digit = any(48 <= c <= 57 for c in v)
    has_upper, has_lower = any(65 <= c <= 90 for c in v), any(97 <= c <= 122 for c in v)
    return (has_digit and (has_upper or has_lower)) or (has_upper and has_lower) or len(v) >= 20


class Redactor:
    """Thread-safe; one per bundle. `counts` holds replacements by rule."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.counts: Counter = Counter()
        self._by_value: dict[bytes, str] = {}
        self._chase: dict[bytes, str] = {}       # lower-case form -> placeholder
        self._seq: Counter = Counter()
        self._lock = threading.Lock()
        # the chase: one large compiled trie and a small one of the values added since (compiling
        # costs ~50 us per literal: the large one is rebuilt only when the small one grows past _FOLD)
        self._main, self._main_n = _NEVER, 0
        self._recent: dict[bytes, str] = {}
        self._recent_re = _NEVER
        self._dirty = False
        self._local = threading.local()           # .learning: remember without counting
        # a loaded mapping: keyed digests of the values another bundle of the case placed (see save)
        self._key: bytes = b""
        self._digests: dict[str, str] = {}        # digest -> placeholder
        self._anchors: frozenset = frozenset()     # replaced whole (read without the lock)
        self._streamed: set[bytes] = set()          # a log's signatures: not kept in the mapping

    # --- placeholders ----------------------------------------------------------------------
    def placeholder(self, value: bytes, rule: str, named: bool = False) -> str:
        """The value's placeholder, the same for the whole bundle; counted under `rule`. `named`: the
        value was stored under a secret's name (see _chased)."""
        # a log's signatures (each presigned URL has its own: no other bundle meets one again) are neither looked
        # up in nor kept in the mapping; other new values get a loaded mapping's digest outside the lock (~0.2 ms)
        once = rule == "signature" and getattr(self._local, "stream", False)
        digest = _digest(self._key, value) if self._digests and not once and value not in self._by_value else None
        with self._lock:
            if not getattr(self._local, "learning", False):
                self.counts[rule] += 1
            ph = self._by_value.get(value)
            if ph is None and digest is not None:
                ph = self._digests.get(digest)
                if ph is not None:
                    self._by_value[value] = ph
            if ph is None:
                self._seq[rule] += 1
                ph = f"{PREFIX}{rule.upper()}-{self._seq[rule]}"
                self._by_value[value] = ph
                if once:
                    self._streamed.add(value)
                if _chased(value) and not getattr(self._local, "stream", False):
                    self._add_forms(value, ph)   # not a log's: each presigned URL has its own signature
            if named and value.lower() not in self._chase and _chased(value, True) \
                    and not getattr(self._local, "stream", False):
                self._add_forms(value, ph)       # seen before under another name
            return ph

    def _add_forms(self, value: bytes, ph: str) -> None:
        """Chase `value` from now on (the lock is held)."""
        anchors = set()
        for f in forms(value):
            if f not in self._chase:
                self._chase[f] = ph
                self._recent[f] = ph
                self._dirty = True
                run = max(_RUNS.findall(f), key=len, default=b"")
                if len(run) >= _ANCHOR_MIN:
                    anchors.add(run)
        if anchors - self._anchors:
            self._anchors = self._anchors | anchors

    def _also(self, value: bytes, ph: str, named: bool = False) -> None:
        """Another form of a secret already placed (its decoded value, a value inside it)."""
        value = value.strip()
        if len(value) < _MIN_LITERAL:
            return
        with self._lock:
            self._by_value.setdefault(value, ph)
            if _chased(value, named) and value.lower() not in self._chase:
                self._add_forms(value, ph)

    def _remember(self, value, rule: str, named: bool = False) -> str:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")
        ph = self.placeholder(raw, rule, named)
        plain = _decoded(raw, any_bytes=rule in ("secret-data", "binary-data"))
        if plain:         # Secret data, a docker config's auth: the decoded form is the same secret
            self._also(plain, ph, named)
            self._inner(plain, ph)
        return ph

    def _inner(self, plain: bytes, ph: str) -> None:
        """Secrets inside a secret's decoded value: a credentials file's values (key=value lines),
        a docker config's `auth` (user:password), a kubeconfig's tokens and keys."""
        for line in plain.splitlines():
            k, sep, v = line.partition(b"=")
            if not sep:
                k, sep, v = line.partition(b":")
            if sep and k.strip() and not k.strip().startswith(b"#"):
                name = k.strip().decode("utf-8", "replace")
                self._also(v.strip().strip(b"\"'"), ph, _field_rule(name) is not None)
        if len(plain) > _EMBEDDED_MAX or plain.lstrip()[:1] not in (b"{", b"a", b"k", b"c", b"u", b"p"):
            return
        doc = _load(plain)
        if isinstance(doc, (dict, list)):
            self.learn(doc)

    def _literal_res(self) -> list:
        with self._lock:
            if self._dirty:
                if len(self._recent) > _FOLD:
                    self._main = _compile_literals(sorted(self._chase))
                    self._recent = {}
                    self._recent_re = _NEVER
                else:
                    self._recent_re = _compile_literals(sorted(self._recent))
                self._dirty = False
            return [p for p in (self._main, self._recent_re) if p is not _NEVER]

    def prepare(self) -> None:
        """Compile every value known so far into the large trie (once all objects are learnt)."""
        with self._lock:
            if self._recent:
                self._main = _compile_literals(sorted(self._chase))
                self._recent, self._recent_re, self._dirty = {}, _NEVER, False

    # --- text and bytes --------------------------------------------------------------------
    def text(self, data: bytes, everywhere: bool = True, pem: bool | None = None) -> bytes:
        """`data` with every secret pattern and known secret value replaced. Only the lines that
        hold a keyword go through the patterns, so ordinary log lines cost a few scans.

        Known values are chased through all of `data` (objects, reports), or, `everywhere` false
        (a block of a log stream), through all of it when one of its words is a known value's anchor
        (see _ANCHOR_MIN), else through the lines that hold a keyword: a regex over every byte runs at
        10-30 MB/s in CPython (bench/redaction.py). A private key without its END line is then the stream's."""
        if not self.enabled or not data:
            return data
        learning = getattr(self._local, "learning", False)     # learning only looks for new values
        lits = [] if learning else self._literal_res()
        self._local.stream = not everywhere
        try:
            return self._text(data, everywhere, lits, pem)
        finally:
            self._local.stream = False

    def _text(self, data: bytes, everywhere: bool, lits: list, pem: bool | None = None) -> bytes:
        if everywhere or lits and not self._anchors.isdisjoint(data.lower().translate(_WORDS).split()):
            # a block of a log stream goes through the trie whole only when a known value's anchor is in it
            for lit in lits:
                if lit.search(data):
                    data = self._literals_out(lit, data)
            lits = []
        if (b"PRIVATE KEY" in data) if pem is None else pem:
            data = rules.PRIVATE_KEY.sub(lambda m: self._whole(m, "private-key"), data)
            if everywhere:
                m = rules.PRIVATE_BEGIN.search(data)
                if m:             # no END: the rest is the key
                    data = data[:m.start()] + self.placeholder(data[m.start():], "private-key").encode()
        low = data.lower()
        spans = set()
        for kw in rules.KEYWORDS:
            i = low.find(kw)
            while i >= 0:
                span = _line_at(data, i)
                spans.add(span)
                i = low.find(kw, span[1])
        for m in rules.AWS.finditer(data):
            spans.add(_line_at(data, m.start()))
        if not spans:
            return data
        out, pos = [], 0
        for start, end in _merged(spans):
            line = data[start:end]
            for lit in lits:
                line = self._literals_out(lit, line)
            out += [data[pos:start], self._line(line)]
            pos = end
        out.append(data[pos:])
        return b"".join(out)

    def _line(self, line: bytes) -> bytes:
        line = rules.URL_PASSWORD.sub(lambda m: self._group(m, "v", "url-password"), line)
        line = rules.AUTH_HEADER.sub(self._header, line)
        for rule, rx in rules.WHOLE:
            line = rx.sub(functools.partial(self._whole, rule=rule), line)
        line = rules.BEARER.sub(lambda m: self._group(m, "v", "token"), line)
        line = rules.FLAG.sub(self._kv, line)
        return rules.KV.sub(self._kv, line)

    def _header(self, m: re.Match) -> bytes:
        """An Authorization (or token, cookie) header: its value up to the quote or bracket that
        opened it, else to the end of the line; the scheme (Bearer, AWS4-HMAC-SHA256) stays."""
        sep, val = m.group("sep"), m.group("v")
        before = m.string[m.start() - 1:m.start()]
        stop = sep[-1:] if sep[-1:] in (b'"', b"'") else b"]" if b"[" in sep else \
            before if before in (b'"', b"'") else b""
        if stop and stop in val:
            val = val[:val.index(stop)]
        val = val.rstrip(b"\\ \t")
        if len(val) < 3 or val.startswith(_PREFIX_B):
            return m.group(0)
        s = m.start("v")
        return self._replace(m, s, s + len(val), "token")

    def _kv(self, m: re.Match) -> bytes:
        name = m.group("k").decode("ascii", "replace")
        rule = rules.classify(name.lstrip("-."))
        group = "v" if m.group("v") is not None else "u"
        val = m.group(group)
        if _PREFIX_B in val:                      # up to what an earlier rule replaced
            val = val[:val.index(_PREFIX_B)].rstrip()
        if rule is None or not val:
            return m.group(0)
        vs = m.start(group)
        if group == "u" and "colon" in m.re.groupindex and m.group("colon") is not None and not m.group("kq"):
            # a bare name and a colon: structured (line start, after a bracket or comma) or prose
            before = _STAMP.sub(b"", m.string[:m.start()].rsplit(b"\n", 1)[-1]).rstrip()
            if before.strip(b" \t-") and not before.endswith((b"{", b"[", b",", b"(")):
                first = val.split()[0] if val.split() else b""
                if not _credential_like(first) or rules.keep_value(name, rule, first):
                    return m.group(0)
                return self._replace(m, vs, vs + len(first), rule)
        if rules.keep_value(name, rule, val):
            return m.group(0)
        if rule == "key" and group == "u" and rules.ambiguous(name) and not _credential_like(val.split()[0]):
            return m.group(0)
        return self._replace(m, vs, vs + len(val), rule)

    def _replace(self, m: re.Match, s: int, e: int, rule: str) -> bytes:
        whole = m.group(0)
        val = m.string[s:e]
        ph = self.placeholder(val, rule).encode()
        return whole[:s - m.start()] + ph + whole[e - m.start():]

    def _group(self, m: re.Match, group: str, rule: str) -> bytes:
        val = m.group(group)
        if not val or val.startswith(_PREFIX_B) or len(val.strip()) < 3:
            return m.group(0)
        return self._replace(m, *m.span(group), rule)

    def _whole(self, m: re.Match, rule: str) -> bytes:
        return self.placeholder(m.group(0), rule).encode()

    def _literals_out(self, lit, data: bytes) -> bytes:
        def one(m):
            ph = self._chase.get(m.group(0).lower())
            if ph is None:
                return m.group(0)
            with self._lock:
                self.counts["known-value"] += 1     # a value already redacted elsewhere, found again
            return ph.encode()
        return lit.sub(one, data)

    def string(self, s: str) -> str:
        if not self.enabled or not s:
            return s
        raw = s.encode("utf-8", "surrogateescape")
        out = self.text(raw)
        return s if out is raw else out.decode("utf-8", "surrogateescape")

    # --- objects ---------------------------------------------------------------------------
    def learn(self, obj) -> None:
        """Remember the secrets of `obj` (placed and chased from now on) without counting them:
        run over every object before any is written, so a value is replaced in objects and logs
        gathered before the object that holds it."""
        if not self.enabled:
            return
        prev = getattr(self._local, "learning", False)
        self._local.learning = True
        try:
            self.obj(obj)
        finally:
            self._local.learning = prev

    def obj(self, obj):
        """A redacted copy of an API object (or any JSON-like value)."""
        if not self.enabled:
            return obj
        return self._walk(obj)

    def _kind_fields(self, obj: dict, kind: str) -> dict:
        obj = dict(obj)
        if kind == "Secret":
            for field in ("data", "stringData"):
                if isinstance(obj.get(field), dict):
                    obj[field] = {k: self._remember(str(v), "secret-data", _field_rule(str(k)) is not None)
                                  if v not in (None, "") else v for k, v in obj[field].items()}
        elif kind == "ConfigMap" and isinstance(obj.get("binaryData"), dict):
            obj["binaryData"] = {k: self._remember(str(v), "binary-data") if v not in (None, "") else v
                                 for k, v in obj["binaryData"].items()}
        if kind == "ConfigMap" and isinstance(obj.get("data"), dict):
            obj["data"] = {k: self._named(k, v, rules.classify(k)) for k, v in obj["data"].items()}
        meta = obj.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
            meta = dict(meta)
            meta["annotations"] = {k: self._annotation(k, v) for k, v in meta["annotations"].items()}
            obj["metadata"] = meta
        return obj

    def _annotation(self, key: str, value):
        if not isinstance(value, str) or not value:
            return value
        if key == _LAST_APPLIED:
            # the whole previous object, a Secret's data included: its secrets are learnt, it goes
            doc = _load(value.encode("utf-8", "surrogateescape"))
            if isinstance(doc, (dict, list)):
                self.learn(doc)
            return self._remember(value, "last-applied")
        return self._named(key, value, rules.classify(key))

    def _named(self, name: str, value, rule: str | None):
        """A value stored under `name` (an env var, a ConfigMap key, an annotation, a field)."""
        if not isinstance(value, str) or not value:
            return self._walk(value, name)
        raw = value.encode("utf-8", "surrogateescape")
        if rule and not value.startswith(PREFIX) and not rules.keep_value(name, rule, raw):
            self._embedded(raw)
            return self._remember(value, rule, True)
        if self._embedded(raw):
            return self._remember(value, "embedded-secret")
        if self._encoded_secret(raw):
            return self._remember(value, "encoded")
        return self.string(value)

    def _encoded_secret(self, raw: bytes) -> bool:
        """Whether a value under an ordinary name is base64 of text holding a secret a rule finds (a JSON
        or YAML document with a password, a URL with one, a PEM key): its base64 hides it from the text
        rules, so the whole value goes (its secrets learnt and chased in their decoded forms)."""
        if len(raw) < 16 or len(raw) > _EMBEDDED_MAX:
            return False
        plain = _decoded(raw, any_bytes=False)
        if not plain:
            return False
        prev = getattr(self._local, "learning", False)
        self._local.learning = True             # what the rules find is remembered, not counted
        try:
            if self._embedded(plain):
                return True
            return self.text(plain) != plain
        finally:
            self._local.learning = prev

    def _embedded(self, raw: bytes) -> bool:
        """Learn the secrets of a kubeconfig or JSON document held in a string. True when it holds a
        Secret's data or a ConfigMap's binaryData (a manifest kept in a ConfigMap, one document or
        several): their values under any key (`ca.crt`) are not told apart in text, so the whole string
        goes, parsed or not."""
        if len(raw) > _EMBEDDED_MAX or b"\n" not in raw and not raw.lstrip().startswith(b"{"):
            return False
        secret = EMBEDDED_SECRET.search(raw) is not None and b"ata" in raw      # data, stringData, binaryData
        if not (secret or b"kind: Config" in raw or b'"kind":"Config"' in raw.replace(b" ", b"") or b"users:" in raw
                or raw.lstrip().startswith(b"{")):
            return False
        doc = _load(raw)
        for d in (_load_all(raw) if doc is None and b"---" in raw else [doc]):
            if isinstance(d, (dict, list)):
                self.learn(d)
        return secret

    def _args(self, items: list) -> list:
        """`args`/`command`: `--password X`, `--token=X`, `-p X` values by the flag's name."""
        out = []
        pending: str | None = None
        for x in items:
            if not isinstance(x, str):
                out.append(self._walk(x))
                pending = None
                continue
            if pending and not x.startswith("-"):
                out.append(self._named(pending, x, rules.classify(pending)))
                pending = None
                continue
            pending = None
            if x.startswith("-"):
                flag, eq, val = x.lstrip("-").partition("=")
                rule = rules.classify(flag) if flag else None
                if eq and rule:
                    out.append(x[:len(x) - len(val)] + self._named(flag, val, rule) if val else x)
                    continue
                if rule and not eq:
                    pending = flag
            out.append(self.string(x))
        return out

    def _walk(self, x, key: str = "", kind: str | None = None):
        if isinstance(x, dict):
            # An object anywhere (a List's items, an object inside a report or a journal entry): its
            # kind decides for its Secret data, binaryData and annotations. Items of a List as the API
            # server returns it carry no kind of their own: the List's says it (a SecretList's).
            if isinstance(x.get("kind"), str):
                kind = x["kind"]
            if kind:
                x = self._kind_fields(x, kind)
                if kind.endswith("List") and isinstance(x.get("items"), list):
                    return {k: ([self._walk(i, k, kind[:-4]) for i in v] if k == "items" else self._walk(v, k))
                            for k, v in x.items()}
            if isinstance(x.get("name"), str) and "value" in x and isinstance(x.get("value"), str):
                rule = _KEY_RULES.get(_norm_key(x["name"])) or rules.classify(x["name"])
                x = {**x, "value": self._named(x["name"], x["value"], rule)}
                return {k: (v if k == "value" else self._walk(v, k)) for k, v in x.items()}
            return {k: self._walk(v, k) for k, v in x.items()}
        if isinstance(x, list):
            if key in ("args", "command") and all(isinstance(v, str) for v in x):
                return self._args(x)
            return [self._walk(v, key) for v in x]
        if isinstance(x, str):
            if key == _LAST_APPLIED:         # an annotation outside an object's metadata (a patch, a report)
                return self._annotation(key, x)
            return self._named(key, x, _field_rule(key)) if x else x
        return x

    # --- the mapping -----------------------------------------------------------------------
    def summary(self) -> dict:
        return {"enabled": self.enabled, "rules": dict(sorted(self.counts.items())),
                "distinctValues": len(set(self._by_value.values()))}

    def save(self, path: Path) -> Path:
        """Write the mapping (0600) outside the bundle, replacing the file whole; returns the path. It holds no
        secret: each value as a keyed PBKDF2 digest under its placeholder, so another bundle of the case gives
        a value it meets again the same placeholder, and the file leads back to no value (whoever has the
        cluster can test a candidate). A mapping of the older form (values in clear) is rewritten so."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            key = self._key or os.urandom(16)
            digests: dict[str, set[str]] = {}
            for d, ph in self._digests.items():
                digests.setdefault(ph, set()).add(d)
            values = [(val, ph) for val, ph in self._by_value.items() if val not in self._streamed]
        for val, ph in values:
            digests.setdefault(ph, set()).add(_digest(key, val))
        doc = {"format": MAP_FORMAT, "kdf": f"pbkdf2-hmac-sha256:{_ROUNDS}", "key": key.hex(),
               "placeholders": {ph: sorted(ds) for ph, ds in sorted(digests.items())}}
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(doc, f, indent=1)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            self._key = key
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def load(self, path: Path) -> int:
        """Take over a mapping `save` wrote (another bundle of the same case): each value met again keeps its
        placeholder, and new ones are numbered after the highest seen per rule. A mapping of the older form
        (placeholder -> values in clear) is taken over too, its values chased as learnt ones. Returns how many
        values. Raises OSError or ValueError when the file cannot be read as such a mapping."""
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            mapping = json.load(f)
        if not isinstance(mapping, dict):
            raise ValueError("not a redaction mapping (a JSON object)")
        hashed = mapping.get("format") == MAP_FORMAT
        entries = mapping.get("placeholders") if hashed else mapping
        key = mapping.get("key") if hashed else ""
        if not isinstance(entries, dict) or not isinstance(key, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", key) \
                or (hashed and (not key or mapping.get("kdf") != f"pbkdf2-hmac-sha256:{_ROUNDS}")):
            raise ValueError("not a redaction mapping (its format, kdf or key)")
        n = 0
        with self._lock:
            if hashed:
                if self._digests and self._key != bytes.fromhex(key):
                    raise ValueError("a second mapping with another key")
                self._key = bytes.fromhex(key)
            for ph, values in entries.items():
                rule, _, seq = str(ph)[len(PREFIX):].rpartition("-")
                if not str(ph).startswith(PREFIX) or not seq.isdigit() or not isinstance(values, list):
                    raise ValueError(f"not a redaction mapping (entry {str(ph)[:40]!r})")
                self._seq[rule.lower()] = max(self._seq[rule.lower()], int(seq))
                for v in values:
                    if hashed:
                        if str(v) not in self._digests:
                            self._digests[str(v)] = ph
                            n += 1
                        continue
                    raw = str(v).encode("utf-8", "surrogateescape")
                    if raw not in self._by_value:
                        self._by_value[raw] = ph
                        n += 1
                        if _chased(raw):
                            self._add_forms(raw, ph)
        return n


MAP_FORMAT = "mig-tools redaction mapping v2"
_ROUNDS = 1000      # ~0.2 ms a value: a gather's thousands of values stay under a second


def _digest(key: bytes, value: bytes) -> str:
    import hashlib

    return hashlib.pbkdf2_hmac("sha256", value, key, _ROUNDS).hex()


_B64 = re.compile(rb"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")


def _decoded(raw: bytes, any_bytes: bool) -> bytes:
    """`raw` decoded from base64 when it is base64 (of text, unless `any_bytes`), else b"". """
    if len(raw) < 8 or len(raw) % 4 or not _B64.fullmatch(raw):
        return b""
    try:
        plain = base64.b64decode(raw, altchars=b"-_" if b"-" in raw or b"_" in raw else None, validate=True)
    except (binascii.Error, ValueError):
        return b""
    if not any_bytes and not all(32 <= c < 127 or c in (9, 10, 13) for c in plain):
        return b""
    return plain


def _load_all(raw: bytes) -> list:
    """The documents of a YAML stream (`---` between them), or []; aliases refused as in _load."""
    if b"&" in raw and b"*" in raw:
        return []
    try:
        return list(yaml.load_all(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (yaml.YAMLError, ValueError, RecursionError):
        return []


def _load(raw: bytes):
    """A JSON or YAML document, or None; aliases refused (a string is not trusted to be small)."""
    try:
        return json.loads(raw)
    except ValueError:
        pass
    if b"&" in raw and b"*" in raw:
        return None
    try:
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


class StreamRedactor:
    """Redacts a byte stream cut anywhere: whole lines go through `Redactor.text` (a line longer
    than MAX_LINE is cut at its last blank, so no word is split); a private key that spans blocks
    is dropped up to its END line."""

    MAX_LINE = 16 << 20

    def __init__(self, r: Redactor):
        self.r = r
        self.parts: list = []          # the line begun and not ended yet, as read (joined once)
        self.plen = 0
        self.in_key = False

    def feed(self, chunk: bytes) -> bytes:
        if not self.r.enabled:
            return chunk
        if b"\n" not in chunk and self.plen + len(chunk) < self.MAX_LINE:
            self.parts.append(chunk)
            self.plen += len(chunk)
            return b""
        data = b"".join(self.parts) + chunk if self.parts else chunk
        self.parts, self.plen = [], 0
        cut = data.rfind(b"\n")
        if cut < 0:        # a line longer than MAX_LINE: cut at a blank, never inside a word
            cut = max(data.rfind(b" ", 0, len(data) - 4096), data.rfind(b"\t", 0, len(data) - 4096))
            cut = len(data) - 4097 if cut < 0 else cut
        rest = data[cut + 1:]
        if rest:
            self.parts, self.plen = [rest], len(rest)
        return self._block(data[:cut + 1])

    def close(self) -> bytes:
        block = b"".join(self.parts)
        self.parts, self.plen = [], 0
        out = self._block(block) if block else b""
        self.in_key = False
        return out

    def _block(self, block: bytes) -> bytes:
        head = b""
        if self.in_key:
            end = rules.PRIVATE_END.search(block)
            if end is None:
                return b""
            self.in_key = False
            block = block[end.end():]
        tail = b""
        pem = b"PRIVATE KEY" in block          # one pass for both: here and in text()
        begins = list(rules.PRIVATE_BEGIN.finditer(block)) if pem else []
        if begins and not rules.PRIVATE_END.search(block, begins[-1].end()):
            b = begins[-1].start()
            self.in_key = True
            tail = self.r.placeholder(block[b:], "private-key").encode() + b"\n"
            block = block[:b]
        return head + self.r.text(block, everywhere=False, pem=pem and bool(block)) + tail
