"""Staleness: markers end a series at once, a series that just stops lives for the lookback.

The behaviour is pinned directly on our store and, for staleness markers, checked against
Prometheus 2.42 itself: ``promtool test rules`` loads the same input (its ``stale`` notation
writes real staleness markers) and must accept our results as the expected samples.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.components import require_binary
from watchdog.promql import Query, Vector, evaluate
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

STEP = 15
STALE = None
GAP = "_"
Token = float | str | None

SERIES: dict[str, list[Token]] = {
    'x{a="1"}': [1.0, 2.0, 3.0, STALE, GAP, 6.0, 7.0, STALE, GAP, GAP, 11.0, 12.0],
    'x{a="2"}': [5.0, 5.0, 5.0, 5.0, 5.0, 5.0],  # ends without a marker
    'c_total{a="1"}': [0.0, 10.0, 20.0, STALE, 5.0, 15.0, 25.0, 35.0, 45.0, STALE],
    'y{a="1"}': [GAP, GAP, 4.0, 4.0, STALE, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0],
}
EXPRESSIONS = [
    "x",
    "x offset 30s",
    "count_over_time(x[1m])",
    "last_over_time(x[1m])",
    "present_over_time(x[45s])",
    'absent(x{a="1"})',
    "timestamp(x)",
    "changes(x[5m])",
    "rate(c_total[1m])",
    "increase(c_total[2m])",
    "resets(c_total[5m])",
    "max_over_time(x[1m:15s])",
    "sum(x)",
    "x + on(a) y",
    "y unless x",
]
EVAL_TIMES = range(0, 600, 5)


def _labels(text: str) -> LabelSet:
    name, _, rest = text.partition("{")
    pairs = [item.split("=", 1) for item in rest.rstrip("}").split(",") if item]
    return LabelSet.of(name, **{k: v.strip('"') for k, v in pairs})


def _store() -> SampleStore:
    store = SampleStore()
    store.configure_retention(None, 3600)
    for text, tokens in SERIES.items():
        for i, token in enumerate(tokens):
            if token != GAP:
                store.append(_labels(text), i * STEP, None if token is STALE else float(token))
    return store


def _eval(expr: str, ts: float) -> Vector:
    result = evaluate(Query.parse(expr), _STORE, ts)
    assert isinstance(result, list)
    return result


_STORE = _store()


def test_marker_removes_series_at_once() -> None:
    """A staleness marker hides the series from the marker's timestamp on."""
    assert [s.value for s in _eval('x{a="1"}', 44)] == [3.0]
    assert _eval('x{a="1"}', 45) == []
    assert _eval('x{a="1"}', 74) == []
    assert [s.value for s in _eval('x{a="1"}', 75)] == [6.0]


def test_series_without_marker_lives_for_the_lookback() -> None:
    """A series that stops without a marker is returned for exactly 5 minutes after its end."""
    last = 5 * STEP
    assert [s.value for s in _eval('x{a="2"}', last + 300)] == [5.0]
    assert _eval('x{a="2"}', last + 301) == []


def test_ranges_skip_markers() -> None:
    """Range functions see the real points around a marker, never the marker itself."""
    assert [s.value for s in _eval('count_over_time(x{a="1"}[1m])', 75)] == [3.0]
    assert [s.value for s in _eval('last_over_time(x{a="1"}[1m])', 60)] == [3.0]


def _promtool_case(expr: str, ts: int) -> dict[str, object]:
    samples = [{"labels": s.labels.promql(), "value": s.value} for s in _eval(expr, ts)]
    return {"expr": expr, "eval_time": f"{ts}s", "exp_samples": samples}


def _promtool_values(tokens: list[Token]) -> str:
    words = {STALE: "stale", GAP: "_"}
    return " ".join(words[t] if t is STALE or t == GAP else repr(t) for t in tokens)


@pytest.mark.slow
def test_promtool_agrees_on_staleness(tmp_path: Path) -> None:
    """promtool (Prometheus 2.42) accepts our results for every expression and instant."""
    promtool = require_binary("promtool")
    cases = [_promtool_case(expr, ts) for expr in EXPRESSIONS for ts in EVAL_TIMES]
    spec = {
        "rule_files": [],
        # promtool loads input only up to the evaluation-loop instants: make them fine enough.
        "evaluation_interval": "5s",
        "tests": [
            {
                "interval": f"{STEP}s",
                "input_series": [
                    {"series": text, "values": _promtool_values(tokens)}
                    for text, tokens in SERIES.items()
                ],
                "promql_expr_test": cases,
            }
        ],
    }
    test_file = tmp_path / "staleness_test.yml"
    test_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    done = subprocess.run(
        [promtool, "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"promtool disagrees:\n{done.stdout[-6000:]}{done.stderr[-2000:]}"
    assert len(cases) >= 1000
