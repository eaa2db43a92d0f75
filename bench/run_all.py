"""Run every benchmark in bench/ one after another; each prints its JSON."""

from __future__ import annotations

import subprocess
import sys

from bench.common import REPO

BENCHMARKS = ["probe_throughput"]


def main() -> int:
    """Run each benchmark module as ``python -m bench.<name>``; non-zero if any failed."""
    failed = []
    for name in BENCHMARKS:
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=REPO, check=False)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        sys.stderr.write(f"failed benchmarks: {', '.join(failed)}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
