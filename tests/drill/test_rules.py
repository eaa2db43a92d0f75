"""The example drill rules (config/rules/drill.yaml) pass their unit tests under Debian's promtool
and under our own runner."""

from __future__ import annotations

import subprocess

from devstack.procs import run_watchdog_cli
from tests.support.components import REPO, require_binary

TEST_FILE = REPO / "config" / "rules" / "tests" / "drill_test.yaml"


def test_promtool_passes_the_drill_rule_tests() -> None:
    """Failed stage, overdue stage, never run: promtool agrees with the expectations."""
    promtool = require_binary("promtool")
    result = subprocess.run(
        [promtool, "test", "rules", TEST_FILE.name],
        cwd=TEST_FILE.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_our_runner_passes_the_drill_rule_tests() -> None:
    """``monitor-watchdog test rules`` gives the same verdict."""
    result = run_watchdog_cli("test", "rules", str(TEST_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
