"""Run every benchmark in bench/ one after another; print and save each one's JSON.

python -m bench.run_all [NAME ...]
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.common import RESULTS
from devstack.procs import REPO

BENCHMARKS = [
    "probe_throughput",
    "promql_eval",
    "rules_eval",
    "delivery_latency",
    "template_expand",
    "regex_engines",
    "startup",
    "statuspage",
]


def _last_json(text: str) -> object | None:
    """The last top-level JSON object printed (benchmarks may print progress before it)."""
    start = text.rfind("\n{")
    start = 0 if start < 0 and text.startswith("{") else start + 1
    try:
        return json.loads(text[start:])
    except ValueError:
        return None


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default); non-zero if any failed."""
    failed = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in argv or BENCHMARKS:
        result = subprocess.run(
            [sys.executable, "-m", f"bench.{name}"],
            cwd=REPO,
            check=False,
            capture_output=True,
            text=True,
        )
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr[-2000:] if result.returncode else "")
        data = _last_json(result.stdout)
        if result.returncode != 0 or data is None:
            failed.append(name)
            continue
        (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    if failed:
        sys.stderr.write(f"failed benchmarks: {', '.join(failed)}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
