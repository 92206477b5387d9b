"""Parse one log line of the MTC components into time, level, msg and fields.

Velero and Restic write logrus text (`time="..." level=info msg="..." key=value`) or, in newer
releases, JSON with `level`, `msg`, `time`; the migration controller writes zap JSON with
`level`, `ts`, `msg` and fields such as `migMigration`. Its `ts` is epoch seconds as a float up to
MTC 1.4.2 (controller-runtime's zap) and epoch milliseconds, rounded, from MTC 1.4.3 (mig-controller
714957786 `pkg/zapmod/logger.go` EpochMillisRoundedTimeEncoder: `"ts":1617223088168`, mig-controller#1045).
client-go's klog lines (`E1017 21:12:21.537230       1 reflector.go:382] msg`: level letter, month-day, time,
thread, file:line) are written by the velero and restic/node-agent pods up to Velero 1.15 (from 1.16 klog goes
through logrus: pkg/cmd/server/server.go, pkg/cmd/cli/nodeagent/server.go klog.SetLogger): their level is read,
their time is not (it has no year).
Lines that are none of these come back with level "" and the whole line as msg: filters let them through.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from .objects import UTC, parse_time

LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}
_ALIASES = {"warn": "warning", "fatal": "error", "panic": "error", "dpanic": "error", "trace": "debug"}
# A key starts a token (never inside one: a 10 MB word must not be tried at each of its bytes).
_KEY = re.compile(r'(?<![\w.\-/])([A-Za-z_][\w.\-/]*)=')
_WORD = re.compile(r"\S*")
# An epoch past this is in milliseconds (as seconds it would be after the year 5000).
_EPOCH_MS = 1e11
_KLOG = re.compile(r"([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ ([^ \]]+)\] ?")
_KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "error"}
_TS_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")


class LogLine(NamedTuple):
    time: str       # RFC3339 UTC, "" when the line carries none
    level: str      # debug|info|warning|error, or "" when unparsed
    msg: str
    fields: dict    # every other key of the line
    raw: str        # the line as read (without the kubectl --timestamps prefix)


def format_time(t) -> str:
    """RFC3339 UTC with microseconds when the source had them (ordering lines needs them)."""
    if t is None:
        return ""
    t = t.astimezone(UTC)
    return f"{t.year:04d}-" + t.strftime("%m-%dT%H:%M:%S.%fZ" if t.microsecond else "%m-%dT%H:%M:%SZ")


def norm_level(level: str) -> str:
    lv = (level or "").strip().lower()
    lv = _ALIASES.get(lv, lv)
    return lv if lv in LEVELS else ""


def split_timestamp(line: str) -> tuple[str, str]:
    """('2019-08-29T01:02:40.123Z', rest) for a line from `logs --timestamps`, else ('', line)."""
    m = _TS_PREFIX.match(line)
    return (m.group(1), line[m.end():]) if m else ("", line)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        try:
            return json.loads(v)
        except ValueError:
            return v[1:-1]
    return v


def _closing_quote(text: str, i: int) -> int:
    """Index of the quote closing the one at i (backslash escapes skipped), or -1."""
    j = i
    while True:
        j = text.find('"', j + 1)
        if j < 0:
            return -1
        k = j - 1
        while text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:
            return j


def pairs(text: str) -> dict:
    """logfmt's key=value and key="quoted value" pairs. Found with `str.find`, not one regex over
    the values: an alternation repeated per character keeps state per character in `re`, and a
    10 MB quoted message then cost 1.4 GB."""
    fields: dict = {}
    pos = 0
    while True:
        m = _KEY.search(text, pos)
        if m is None:
            return fields
        i = m.end()
        j = _closing_quote(text, i) if text.startswith('"', i) else -1
        word = _WORD.match(text, i)
        end = j + 1 if j >= 0 else (word.end() if word else i)
        fields[m.group(1)] = _unquote(text[i:end])
        pos = max(end, i)


def parse(line: str, stamp: str = "") -> LogLine:
    """Parse a log line; `stamp` is the API server's timestamp for it, if requested."""
    text = line.rstrip("\r\n")
    fields: dict = {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):        # nested past the decoder's stack: no JSON line
            data = None
        if isinstance(data, dict):
            fields = dict(data)
            level = norm_level(str(fields.pop("level", "")))
            msg = str(fields.pop("msg", fields.pop("message", "")))
            t = fields.pop("time", None) or fields.pop("ts", None)
            if isinstance(t, (int, float)) and not isinstance(t, bool) and abs(t) >= _EPOCH_MS:
                try:
                    t = t / 1000
                except OverflowError:       # an int of 400 digits: no time
                    t = None
            when = parse_time(t) or parse_time(stamp)
            return LogLine(format_time(when), level, msg, fields, text)
    k = _KLOG.match(text)
    if k:
        return LogLine(format_time(parse_time(stamp)), _KLOG_LEVELS[k.group(1)], text[k.end():],
                       {"caller": k.group(2)}, text)
    if "level=" in text or "msg=" in text:
        fields = pairs(text)
        if "level" in fields or "msg" in fields:
            level = norm_level(fields.pop("level", ""))
            msg = fields.pop("msg", "")
            when = parse_time(fields.pop("time", None)) or parse_time(stamp)
            return LogLine(format_time(when), level, msg, fields, text)
    return LogLine(format_time(parse_time(stamp)), "", text, {}, text)


# Velero logged some item errors at info (v1.1 pkg/restore/restore.go Infof("error restoring %s: %v")).
_ERROR_MSG = re.compile(r"(error|unable to|failed to|could not)\b", re.I)


def severity(line: LogLine) -> str:
    """The line's level, or "error" for an error logged at info: mig-controller's errors wrapped by liberr,
    which konveyor/controller's pkg/logging Logger.Error writes with Real.Info and the keys "error" and
    "stacktrace" (`{"level":"info",...,"msg":"","error":"ConfigMap \"migration-controller\" not found",
    "stacktrace":"..."}`, mig-controller#918), and Velero's info lines whose message says error."""
    if line.level == "info" and (line.fields.get("error") and line.fields.get("stacktrace")
                                 or _ERROR_MSG.match(line.msg or "")):
        return "error"
    return line.level


def at_least(line: LogLine, level: str) -> bool:
    """Whether the line is at `level` or more severe (by its severity()); unparsed lines always pass."""
    lv = severity(line)
    return not lv or LEVELS[lv] >= LEVELS[level]
