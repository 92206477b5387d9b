"""Serve a scenario's clusters in the foreground: `python -m tests.emulator --scenario NAME --kubeconfig-out PATH`.

The kubeconfig is written (atomically) only once every cluster answers; SIGTERM or Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import Emulator


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.emulator")
    p.add_argument("--scenario", required=True, help="scenario name (tests/scenarios/<name>.yaml) or path")
    p.add_argument("--kubeconfig-out", required=True, help="where to write the kubeconfig")
    p.add_argument("--plain-http", action="store_true", help="serve HTTP (kubectl then sends no token)")
    p.add_argument("--insecure-tls", action="store_true", help="serve HTTPS; kubeconfig skips verification")
    p.add_argument("--port-base", type=int, default=0, help="first port (host, then source, target); 0: random")
    p.add_argument("--workdir", help="state directory (default: a temporary one)")
    p.add_argument("--only", metavar="CLUSTER", help="serve only this cluster (needs --port-base and --token-seed): "
                   "one process per cluster, as real clusters are separate servers (benchmarks)")
    p.add_argument("--token-seed", help="derive the clusters' tokens from this, the same in every process")
    args = p.parse_args(argv)
    try:
        sim = Emulator.from_scenario(args.scenario, workdir=args.workdir, tls=not args.plain_http,
                                     insecure_tls=args.insecure_tls, ports=args.port_base or None, only=args.only,
                                     token_seed=args.token_seed)
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sim.write_kubeconfig(args.kubeconfig_out)
    for name, c in sim.clusters.items():
        if not args.only or name == args.only:
            print(f"cluster {name}: {c.url}", file=sys.stderr)
    print(f"kubeconfig: {args.kubeconfig_out} (contexts {', '.join(sim.clusters)})", file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
