"""Run ``promtool test rules`` (and, where it exists, ``monitor-watchdog test rules``) on files."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from devstack.procs import run_watchdog_cli
from tests.support.components import require_binary
from watchdog.probes.runner import ProbeOutcome
from watchdog.samples import LabelSet

__all__ = ["input_series", "run_promtool_tests", "run_watchdog_rule_tests"]


def input_series(outcomes: Sequence[ProbeOutcome]) -> list[dict[str, str]]:
    """promtool ``input_series`` from consecutive probe outcomes, one outcome per interval.

    A series missing from an outcome gets ``_`` (no sample) for that step.
    """
    keys: list[LabelSet] = []
    for outcome in outcomes:
        keys.extend(k for k in outcome.series if k not in keys)
    rows = []
    for key in keys:
        values = [_format(outcome.series.get(key)) for outcome in outcomes]
        rows.append({"series": key.promql(), "values": " ".join(values)})
    return rows


def _format(value: float | None) -> str:
    return "_" if value is None else repr(float(value))


def run_promtool_tests(files: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """``promtool test rules FILES`` (skips the test when promtool is not installed)."""
    promtool = require_binary("promtool")
    return subprocess.run(
        [promtool, "test", "rules", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_watchdog_rule_tests(files: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """``monitor-watchdog test rules FILES``; skips the test while that command does not exist."""
    result = run_watchdog_cli("test", "rules", *map(str, files))
    if result.returncode == 2 and "invalid choice" in result.stderr:
        pytest.skip("monitor-watchdog has no 'test rules' command yet (branch rules)")
    return result
