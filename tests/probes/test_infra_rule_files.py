"""The example rules for these kinds pass their unit tests under promtool (and our own runner)."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from devstack.procs import run_watchdog_cli
from tests.support.components import REPO, require_binary
from watchdog.cli import build_parser

RULE_NAMES = ("prometheus", "alertmanager", "host", "dns", "certmanager", "spire")
TESTS_DIR = REPO / "config" / "rules" / "tests"


def _test_files() -> list[Path]:
    return [TESTS_DIR / f"{name}_test.yaml" for name in RULE_NAMES]


def _has_test_rules_command() -> bool:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and "test" in action.choices:
            return True
    return False


@pytest.mark.parametrize("test_file", _test_files(), ids=RULE_NAMES)
def test_promtool_passes(test_file: Path) -> None:
    """Debian's promtool runs the rule unit tests of each example rule file successfully."""
    promtool = require_binary("promtool")
    result = subprocess.run(
        [promtool, "test", "rules", test_file.name],
        cwd=test_file.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", _test_files(), ids=RULE_NAMES)
def test_monitor_watchdog_test_rules_passes(test_file: Path) -> None:
    """Our own `monitor-watchdog test rules` agrees with promtool on the same files."""
    if not _has_test_rules_command():
        pytest.skip("`monitor-watchdog test rules` is not built yet (branch rules)")
    result = run_watchdog_cli("test", "rules", test_file.name, cwd=test_file.parent)
    assert result.returncode == 0, result.stdout + result.stderr
