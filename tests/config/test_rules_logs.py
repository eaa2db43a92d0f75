"""The shipped log-pipeline rule files pass their promtool unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.components import REPO
from tests.support.promtool import run_promtool_tests, run_watchdog_rule_tests

KINDS = ("loki", "elasticsearch", "fluentbit", "logcanary", "logs-reconcile")
TESTS = [REPO / "config" / "rules" / "tests" / f"{kind}_test.yaml" for kind in KINDS]


@pytest.mark.parametrize("test_file", TESTS, ids=KINDS)
def test_promtool_accepts_the_rule_tests(test_file: Path):
    """Debian's promtool runs the kind's rule tests and every one passes."""
    result = run_promtool_tests([test_file])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("test_file", TESTS, ids=KINDS)
def test_monitor_watchdog_accepts_the_rule_tests(test_file: Path):
    """monitor-watchdog's own rule test runner passes the same files (once it exists)."""
    result = run_watchdog_rule_tests([test_file])
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_log_pipeline_config_is_accepted(capsys):
    """config/log-pipeline.yaml passes 'monitor-watchdog check' with all five rule files."""
    from watchdog.cli import main

    code = main(["check", "-c", str(REPO / "config" / "log-pipeline.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6 targets, 5 rule files" in out
