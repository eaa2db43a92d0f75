"""Differential test: Debian's ``promtool test rules`` and ours give the same verdict per file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.components import require_binary
from watchdog.rules.promtool_tests.runner import run_test_file

CASES = Path(__file__).parent / "promtool_cases"
FILES = sorted(p for p in CASES.glob("*.yaml") if not p.name.endswith(".rules.yaml"))

# Evaluator differences found by this suite (watchdog/promql is another branch's work).
EVALUATOR_BUGS: dict[str, str] = {}


def _marks(path: Path) -> list[pytest.MarkDecorator]:
    reason = EVALUATOR_BUGS.get(path.stem)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


PARAMS = [pytest.param(p, id=p.stem, marks=_marks(p)) for p in FILES]


def test_suite_is_large_enough() -> None:
    """The suite has at least 30 files and includes cases expected to fail."""
    assert len(FILES) >= 30
    assert sum("_fail_" in p.name for p in FILES) >= 5


@pytest.mark.parametrize("case", PARAMS)
def test_same_verdict_as_promtool(case: Path) -> None:
    """promtool and monitor-watchdog agree on pass/fail (and both match the file's name)."""
    promtool = require_binary("promtool")
    proc = subprocess.run(
        [promtool, "test", "rules", case.name],
        cwd=CASES,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    promtool_ok = proc.returncode == 0
    expected_ok = "_fail_" not in case.name
    assert promtool_ok == expected_ok, f"promtool disagrees with the case name:\n{proc.stderr}"
    ours = run_test_file(case)
    detail = "\n".join(ours.errors)
    assert ours.ok == promtool_ok, (
        f"promtool ok={promtool_ok}; ours:\n{detail}\npromtool:\n{proc.stderr}"
    )
