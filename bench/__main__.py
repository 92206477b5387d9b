"""Run every benchmark (or those named): `python -m bench [startup logs verify gather]`.

Each module bench/<name>.py exposes main() -> dict; it prints its own figures to stdout.
Sizes default to what fits a few minutes on 2 cores; the modules document their env knobs.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

MODULES = ("startup", "logs", "verify", "gather", "dvm")


def main(argv: list[str]) -> int:
    names = argv or list(MODULES)
    results = {}
    for name in names:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as e:
            print(f"bench {name}: not available ({e})", file=sys.stderr)
            continue
        print(f"== bench {name}", flush=True)
        t0 = time.monotonic()
        results[name] = mod.main()
        print(f"== bench {name} done in {time.monotonic() - t0:.1f}s\n", flush=True)
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
