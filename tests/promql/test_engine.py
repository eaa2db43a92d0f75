"""Evaluation over a SampleStore: selectors, offsets, lookback, subqueries, result types."""

from __future__ import annotations

import math

import pytest

from tests.promql.conftest import StoreFactory, run, vector
from watchdog.promql import PromQLError, Query, Scalar, String, evaluate, evaluate_matrix
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

UP_A = LabelSet.of("up", job="a")
UP_B = LabelSet.of("up", job="b")
REQ = LabelSet.of("req_total", job="a")


@pytest.fixture
def store(make_store: StoreFactory) -> SampleStore:
    """up for two jobs every 15 s for 10 minutes, b stops at 300 s; a counter."""
    return make_store(
        {
            UP_A: [(t, 1.0) for t in range(0, 601, 15)],
            UP_B: [(t, 0.0) for t in range(0, 301, 15)],
            REQ: [(t, float(t)) for t in range(0, 601, 15)],
        }
    )


def test_instant_selector_and_matchers(store: SampleStore) -> None:
    """All four matcher kinds select the right series."""
    assert set(vector('up{job="a"}', store, 600)) == {UP_A}
    assert set(vector('up{job!="a"}', store, 400)) == {UP_B}
    assert set(vector('up{job=~"a|b"}', store, 400)) == {UP_A, UP_B}
    assert set(vector('up{job!~"b"}', store, 400)) == {UP_A}


def test_lookback_parameter(store: SampleStore) -> None:
    """The lookback decides how long a stopped series is still returned."""
    query = Query.parse("up")
    assert len(evaluate(query, store, 400)) == 2  # type: ignore[arg-type]
    assert len(evaluate(query, store, 400, lookback=60)) == 1  # type: ignore[arg-type]


def test_offset_shifts_the_instant(store: SampleStore) -> None:
    """offset reads the value from that much earlier."""
    assert vector("req_total offset 2m", store, 600) == {REQ: 480.0}


def test_timestamp_reports_sample_time(store: SampleStore) -> None:
    """timestamp() of a selector is the sample's own time; of other expressions the eval time."""
    assert vector("timestamp(req_total)", store, 607) == {LabelSet.of(None, job="a"): 600.0}
    assert vector("timestamp(req_total + 1)", store, 607) == {LabelSet.of(None, job="a"): 607.0}


def test_subquery_steps_are_aligned(store: SampleStore) -> None:
    """Subquery steps fall on multiples of the step inside [t - range, t]."""
    (series,) = evaluate_matrix(Query.parse("req_total[2m:45s]"), store, 610)
    assert [t for t, _ in series.points] == [495.0, 540.0, 585.0]
    assert [v for _, v in series.points] == [495.0, 540.0, 585.0]


def test_subquery_default_step(store: SampleStore) -> None:
    """Without a step, subqueries use the evaluation interval given (default 1m)."""
    query = Query.parse("count_over_time(req_total[5m:])")
    assert vector_of(evaluate(query, store, 600)) == [6.0]
    assert vector_of(evaluate(query, store, 600, subquery_step=30)) == [11.0]


def vector_of(result: object) -> list[float]:
    """The values of a vector result."""
    assert isinstance(result, list)
    return [s.value for s in result]


def test_result_types(store: SampleStore) -> None:
    """Scalars and strings come back as Scalar and String; matrices need evaluate_matrix."""
    assert run("time()", store, 12.5) == Scalar(12.5)
    assert run('"text"', store, 0) == String("text")
    result = run("scalar(up)", store, 600)
    assert isinstance(result, Scalar)
    assert math.isnan(result.value)
    with pytest.raises(PromQLError, match="range vector"):
        run("up[5m]", store, 600)


def test_range_selector_is_closed_interval(store: SampleStore) -> None:
    """A range selector includes points exactly at t - range (Prometheus 2.x)."""
    (series,) = evaluate_matrix(Query.parse("req_total[1m]"), store, 600)
    assert [t for t, _ in series.points] == [540.0, 555.0, 570.0, 585.0, 600.0]


def test_absent_derives_labels(store: SampleStore) -> None:
    """absent() returns 1 with the selector's single-valued equality labels."""
    assert vector('absent(nope{job="x", env=~"p.*"})', store, 600) == {
        LabelSet.of(None, job="x"): 1.0
    }
    assert vector('absent(up{job="a"})', store, 600) == {}


def test_matrix_function_names_dropped_except_last_over_time(store: SampleStore) -> None:
    """Range functions drop the metric name, last_over_time keeps it."""
    assert set(vector("rate(req_total[1m])", store, 600)) == {LabelSet.of(None, job="a")}
    assert set(vector("last_over_time(req_total[1m])", store, 600)) == {REQ}
