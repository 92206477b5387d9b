"""The redaction mapping (placeholder -> values) of a bundle: taken over from `--redaction-map`, and kept
outside the bundle afterwards (0600), as sos clean keeps its map."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MigError
from ..state import state_dir

if TYPE_CHECKING:
    from ..redact import Redactor


def load(r: Redactor, mapping: str | None) -> int | None:
    """Take over the `--redaction-map` file when it exists; how many values it held (None: no file yet)."""
    path = Path(mapping).expanduser() if mapping else None
    if path is None or not path.exists():
        return None
    try:
        return r.load(path)
    except (OSError, ValueError) as e:
        raise MigError(f"--redaction-map {mapping}: {getattr(e, 'strerror', None) or e}") from None


def keep(r: Redactor, mapping: str | None, bundle: str, err) -> bool:
    """Save the mapping to the `--redaction-map` file, or by default under the state directory named for
    `bundle`, and say where on stderr; False (said too) when it cannot be written."""
    path = Path(mapping).expanduser() if mapping else state_dir() / "redactions" / f"{bundle}.json"
    try:
        err.write(f"redaction mapping (keep it private, it is not in the bundle): {r.save(path)}\n")
        return True
    except OSError as e:
        err.write(f"error: could not keep the redaction mapping at {path}: {e.strerror or e}\n")
        return False
