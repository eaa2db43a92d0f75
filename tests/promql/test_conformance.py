"""Prometheus v2.42's own PromQL test suite (``promql/testdata/*.test``) through our engine.

Every eval runs as an instant query and as a range query, plus the harness' ``@`` variants
(see :mod:`tests.promql.promqltest`); all 566 must pass. The data is vendored under
``tests/conformance/`` (Apache-2.0, see its README); ``WATCHDOG_CONFORMANCE_DIR`` overrides it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.promql.promqltest import EvalOutcome, parse_test_file, run
from tests.support.conformance import conformance_dir

SUITE = [
    "aggregators",
    "at_modifier",
    "collision",
    "functions",
    "histograms",
    "literals",
    "operators",
    "selectors",
    "staleness",
    "subquery",
    "trig_functions",
]
EVALS_AT_V2_42 = 566


def _describe(outcomes: list[EvalOutcome]) -> str:
    lines = []
    for outcome in outcomes:
        for error in [*outcome.instant_errors, *outcome.range_errors][:4]:
            lines.append(f"line {outcome.line}: {outcome.expr}\n    {error}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", SUITE)
def test_prometheus_testdata_file_passes(name: str) -> None:
    """Every eval of the file gives Prometheus' result as instant and as range query."""
    path = conformance_dir("promql-testdata") / f"{name}.test"
    failed = [o for o in run(path) if o.instant_errors or o.range_errors]
    assert not failed, _describe(failed)


def test_the_suite_is_complete() -> None:
    """All eleven files are there and hold the 566 evals of v2.42 (none silently dropped)."""
    folder = conformance_dir("promql-testdata")
    assert sorted(p.stem for p in folder.glob("*.test")) == SUITE
    evals = sum(
        1
        for path in folder.glob("*.test")
        for cmd in parse_test_file(path.read_text())
        if type(cmd).__name__ == "Eval"
    )
    assert evals == EVALS_AT_V2_42


_SELF_TEST = """
load 1m
  metric{job="a"} 0+1x10
  metric{job="b"} 5x10

eval instant at 5m metric
  metric{job="a"} 5
  metric{job="b"} 6

eval_fail instant at 5m metric

eval instant at 5m metric @ start()
  metric{job="a"} 5
  metric{job="b"} 5

eval instant at 5m scalar(metric{job="a"})
  5
"""


def test_the_harness_catches_wrong_results(tmp_path: Path) -> None:
    """A wrong value, an eval_fail that succeeds, and a range-only difference are reported."""
    path = tmp_path / "self.test"
    path.write_text(_SELF_TEST)
    wrong, not_failing, start_modifier, scalar = list(run(path))
    assert any("expected 6.0" in e and "got 5.0" in e for e in wrong.instant_errors)
    assert any("expected an error" in e for e in not_failing.instant_errors)
    # @ start() is t - 1m in the range query: value 4 where the instant query gives 5.
    assert not [e for e in start_modifier.instant_errors if "at 300:" in e]
    assert any("expected 5.0" in e and "got 4.0" in e for e in start_modifier.range_errors)
    assert not scalar.instant_errors and not scalar.range_errors


def test_unreadable_test_file_names_the_line(tmp_path: Path) -> None:
    """A malformed command is a format error with its line, not a silent skip."""
    path = tmp_path / "bad.test"
    path.write_text("load 1m\n  metric 1 2\n\nevaluate now metric\n")
    with pytest.raises(ValueError, match="line 4: invalid eval command"):
        list(run(path))
