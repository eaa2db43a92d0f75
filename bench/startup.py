"""Start-up time of ``--help``, ``check`` and ``once``: this checkout against an earlier one.

The peer is the same commands from another revision of this repository (by default the commit
before the lazy imports of issue 16), extracted with ``git archive`` and run by the same Python,
alternating run by run so that both see the same machine load. Each command's wall time and
CPU time (user + system, from ``wait4``) cover the whole process, interpreter start to exit;
``python -c pass`` is the floor. On a shared machine the CPU time is the steadier figure (wall
time includes waiting for a core). Also reported: the sum of ``python -X importtime`` for each
command (the time spent importing, as CPython measures it, inflated by the measuring itself).

Both run the baseline's ``config/bastion.yaml`` (the full-stack example) and its rule files,
which both versions accept. Two conditions: ``cached``, with byte-code caches as ``pip
install`` leaves them (written to a scratch ``PYTHONPYCACHEPREFIX``, not into the checkout),
and ``source``, with ``PYTHONDONTWRITEBYTECODE=1`` and no cache, where every module is compiled
on every start (a development shell that sets the variable). Prints JSON.

    python -m bench.startup [--baseline REV] [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from devstack.procs import REPO, free_port

BASELINE = "e4238b2"
"""main before this work: every command imported the whole daemon at start (~1.4 s)."""


def _commands(config: Path, once_config: Path) -> dict[str, list[str]]:
    return {
        "python -c pass": ["-c", "pass"],
        "--help": ["-m", "watchdog", "--help"],
        "check -c config/bastion.yaml": ["-m", "watchdog", "check", "-c", str(config)],
        "once (refused http and tcp targets, shipped rules)": [
            "-m",
            "watchdog",
            "once",
            "-c",
            str(once_config),
        ],
    }


def _once_config(workdir: Path, rules: Path) -> Path:
    """A config ``once`` runs in milliseconds beyond start-up: targets that refuse at once.

    One is an ``http`` target, so the HTTP client is part of what is measured, as it is for
    any real config.
    """
    path = workdir / "once.yaml"
    port = free_port()
    config = {
        "state_dir": str(workdir / "state"),
        "targets": [
            {"job": "ssh", "kind": "tcp", "address": f"127.0.0.1:{port}"},
            {"job": "web", "kind": "http", "url": f"http://127.0.0.1:{port}/"},
        ],
        "rule_files": [str(rules / "*.yaml")],
    }
    path.write_text(yaml.safe_dump(config))
    return path


def _env(tree: Path, cache: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if cache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def _wall(tree: Path, args: Sequence[str], cache: Path | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    env = _env(tree, cache)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, _status, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped by wait4; keeps Popen from waiting again
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def _import_ms(tree: Path, args: Sequence[str], cache: Path | None) -> float:
    """Sum of the top-level cumulative times ``-X importtime`` prints, in milliseconds."""
    env = _env(tree, cache)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
    )
    total = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self, cumulative, name = line.split(":", 1)[1].split("|")
        if not name.startswith("  "):  # one space: imported by the program, not by a module
            total += int(cumulative)
    return total / 1000


def _figures(runs: list[tuple[float, float]]) -> dict[str, float]:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return {
        "min_s": round(min(walls), 4),
        "median_s": round(statistics.median(walls), 4),
        "cpu_min_s": round(min(cpus), 4),
        "cpu_median_s": round(statistics.median(cpus), 4),
    }


def main(argv: list[str]) -> int:
    """Measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare against")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wd-startup-") as scratch:
        base = Path(scratch) / "baseline"
        base.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.baseline], cwd=REPO, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        trees = {"baseline": base, "this": REPO}
        # Both read the baseline's example config and rules: a later config may use kinds or
        # rule files the baseline does not know, and it would stop early at the error.
        commands = _commands(
            base / "config" / "bastion.yaml", _once_config(Path(scratch), base / "config" / "rules")
        )
        results: dict[str, dict[str, object]] = {}
        conditions = {"cached": Path(scratch) / "pycache", "source": None}
        for condition, cache in conditions.items():
            for label, command in commands.items():
                for tree in trees.values():  # warm-up: byte-compile, fill the page cache
                    _wall(tree, command, cache)
                times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
                for _ in range(args.runs):
                    for name, tree in trees.items():
                        times[name].append(_wall(tree, command, cache))
                entry: dict[str, object] = {
                    name: {**_figures(t), "importtime_ms": _import_ms(trees[name], command, cache)}
                    for name, t in times.items()
                }
                for label_, index in (("ratio_median", 0), ("ratio_cpu_median", 1)):
                    this = statistics.median(run[index] for run in times["this"])
                    base = statistics.median(run[index] for run in times["baseline"])
                    entry[label_] = round(this / base, 3)
                results.setdefault(condition, {})[label] = entry
    print(
        json.dumps(
            {"benchmark": "startup", "baseline": args.baseline, "runs": args.runs, **results},
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
