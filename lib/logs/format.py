"""One line format for every source, as stern prints it: `[cluster/pod/container] line`, a colour per
pod on a terminal; or one JSON object per line for pipelines."""

from __future__ import annotations

import json
import zlib

from ..render import paint

COLORS = ("32", "33", "34", "35", "36", "92", "93", "94", "95", "96")


def prefix(e, color: bool, with_time: bool = False) -> str:
    tag = f"[{e.cluster}/{e.pod}/{e.container}]"
    code = COLORS[zlib.crc32(f"{e.cluster}/{e.pod}".encode()) % len(COLORS)]
    head = paint(tag, code, color)
    return f"{head} {e.stamp} " if with_time and e.stamp else f"{head} "


def text(e, color: bool, with_time: bool = False) -> str:
    """The line for a terminal: undecodable bytes shown replaced, control characters kept out."""
    body = e.data.decode("utf-8", "replace").rstrip("\r\n")
    return prefix(e, color, with_time) + body + "\n"


def as_json(e) -> str:
    ln = e.line
    return json.dumps({"cluster": e.cluster, "source": e.source, "pod": e.pod, "container": e.container,
                       "time": ln.time or e.stamp, "level": ln.level, "msg": ln.msg, "fields": ln.fields,
                       "raw": ln.raw}, ensure_ascii=False) + "\n"
