"""The rollback journal: JSON lines, fsynced, one per plan and project; every object's state before
each change and each step's outcome. Re-running reads it to know a rollback was under way.

The states are redacted as mig-gather redacts (lib/redact.py): a Secret the rollback deletes is kept
with its name, UID, labels and type but never its data, nor an env var's password, a token or a
last-applied configuration. A re-run needs only kinds, names, UIDs and times; a Secret deleted on the
target is MTC's copy of the source's, which the rollback never touches, so nothing a restore needs is
lost, and the journal (a file on the user's machine, often attached to a case) never holds a secret."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MigError
from ..state import state_dir

if TYPE_CHECKING:
    from ..redact import Redactor


def default_path(plan_uid: str, project: str) -> Path:
    return state_dir() / f"rollback-{plan_uid}-{project}.jsonl"


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._redactor: Redactor | None = None

    def _redacted(self, data: dict) -> dict:
        """Object states and error texts (an error may quote a URL with its password) redacted; one
        redactor for the journal, so a secret learnt from one state is replaced where another repeats it."""
        if self._redactor is None:
            from ..redact import Redactor

            self._redactor = Redactor()
        r = self._redactor
        out = {}
        for k, v in data.items():
            if isinstance(v, (dict, list)):
                r.learn(v)
                out[k] = r.obj(v)
            else:
                out[k] = r.string(v) if isinstance(v, str) else v
        return out

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        try:
            text = self.path.read_text()
        except OSError as e:
            raise MigError(f"journal {self.path}: {e.strerror or e}") from None
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue        # a line cut by a crash: the step is redone, which is idempotent
        return out

    def deleted(self, kind: str) -> dict:
        """uid -> (name, time the deletion started) of objects of `kind` a run began to delete. A UID, not a
        name: an object created under the same name after the entry is not the one the entry speaks of."""
        out = {}
        for e in self.entries():
            before = e.get("before") or {}
            md = before.get("metadata") or {}
            if e.get("event") == "start" and "/delete/" in e.get("step", "") and before.get("kind") == kind \
                    and md.get("uid"):
                out[md["uid"]] = (md.get("name"), e.get("time"))
        return out

    def started(self) -> bool:
        return any(e.get("event") in ("start", "done") for e in self.entries())

    def record(self, event: str, step: str = "", **data) -> None:
        rec = {"time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "event": event,
               "step": step, **self._redacted(data)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:       # nothing is changed that the journal could not record first
            raise MigError(f"journal {self.path}: {e.strerror or e}") from None
