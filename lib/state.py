"""Where mig-tools keeps files on the user's machine (rollback journals, redaction mappings)."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """$XDG_STATE_HOME/mig-tools, by default ~/.local/state/mig-tools."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "mig-tools"
