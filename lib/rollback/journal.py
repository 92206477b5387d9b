"""The rollback journal: JSON lines, fsynced, one per plan and project; every object's state before
each change and each step's outcome. Re-running reads it to know a rollback was under way."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from ..errors import MigError
from ..state import state_dir


def default_path(plan_uid: str, project: str) -> Path:
    return state_dir() / f"rollback-{plan_uid}-{project}.jsonl"


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

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
               "step": step, **data}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:       # nothing is changed that the journal could not record first
            raise MigError(f"journal {self.path}: {e.strerror or e}") from None
