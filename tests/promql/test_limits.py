"""Query limits: samples touched, a deadline, nesting depth; each fails fast with its reason."""

from __future__ import annotations

import itertools

import pytest

from tests.promql.conftest import StoreFactory
from watchdog.promql import (
    EvalLimits,
    PromQLError,
    Query,
    QueryTimeoutError,
    TooManySamplesError,
    evaluate,
    evaluate_range,
)
from watchdog.samples import LabelSet
from watchdog.store import SampleStore


def _store(make_store: StoreFactory, series: int = 10, points: int = 100) -> SampleStore:
    return make_store(
        {
            LabelSet({"__name__": "m", "i": str(i)}): [(t * 10.0, float(t)) for t in range(points)]
            for i in range(series)
        }
    )


def test_huge_subquery_is_refused_before_its_first_step(make_store: StoreFactory) -> None:
    """A subquery with more steps than the sample limit fails at once, naming its range."""
    clock = itertools.count()  # every clock read advances one second: no time to spare
    limits = EvalLimits(max_samples=1_000_000, timeout=1000.0, clock=lambda: float(next(clock)))
    query = Query.parse("count_over_time(vector(1)[30d:1ms])")
    with pytest.raises(TooManySamplesError, match=r"subquery \[4w2d:1ms\] with 2592000001 steps"):
        evaluate(query, make_store({}), 1000.0, limits=limits)
    assert next(clock) < 5


def test_default_limits_refuse_the_wedging_subquery(make_store: StoreFactory) -> None:
    """Without explicit limits the defaults still refuse ``[30d:1ms]`` (issue 11)."""
    with pytest.raises(TooManySamplesError, match="query max_samples"):
        evaluate(Query.parse("count_over_time(vector(1)[30d:1ms])"), make_store({}), 0.0)


def test_samples_read_from_the_store_count(make_store: StoreFactory) -> None:
    """Range selectors charge every point they read: 10 series x 31 points > 300."""
    store = _store(make_store)
    query = Query.parse("sum_over_time(m[300s])")
    assert len(evaluate(query, store, 990.0, limits=EvalLimits(max_samples=310))) == 10  # type: ignore[arg-type]
    with pytest.raises(TooManySamplesError, match="a range selector brings the total to 310"):
        evaluate(query, store, 990.0, limits=EvalLimits(max_samples=300))


def test_samples_accumulate_over_subquery_steps(make_store: StoreFactory) -> None:
    """Each subquery step charges the samples it produced: 61 steps x 10 series > 500."""
    store = _store(make_store)
    query = Query.parse("max_over_time(m[600s:10s])")
    with pytest.raises(TooManySamplesError, match="max_samples"):
        evaluate(query, store, 990.0, limits=EvalLimits(max_samples=500))


def test_deadline_stops_a_long_evaluation_inside_the_subquery_loop(
    make_store: StoreFactory,
) -> None:
    """The deadline is checked at every step: the clock passing it stops the loop there."""
    ticks = itertools.count()
    limits = EvalLimits(timeout=50.0, clock=lambda: float(next(ticks)))
    query = Query.parse("count_over_time(vector(1)[1d:1s])")
    with pytest.raises(QueryTimeoutError, match=r"timed out .* after 50s \(query timeout\)"):
        evaluate(query, make_store({}), 86400.0, limits=limits)
    assert next(ticks) < 60


def test_range_query_shares_one_budget(make_store: StoreFactory) -> None:
    """A range query's limit covers all its steps, not each step separately."""
    store = _store(make_store, series=5)
    query = Query.parse("m")
    enough = EvalLimits(max_samples=100)
    assert len(evaluate_range(query, store, 0.0, 90.0, 10.0, limits=enough)) == 5
    with pytest.raises(TooManySamplesError):
        evaluate_range(query, store, 0.0, 90.0, 10.0, limits=EvalLimits(max_samples=49))


def test_limits_are_validated() -> None:
    """Nonsense limits are refused when built, not at the first evaluation."""
    with pytest.raises(ValueError, match="max_samples"):
        EvalLimits(max_samples=0)
    with pytest.raises(ValueError, match="timeout"):
        EvalLimits(timeout=0.0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("(" * 5000 + "1" + ")" * 5000, "more than 200 levels of brackets at position 201"),
        ("abs(" * 3000 + "x" + ")" * 3000, "more than 200 levels of brackets"),
        ("+".join(["x"] * 5000), "4999 operators, the limit is 2000"),
        (" or ".join(["x"] * 300), "more than 200 levels of operations"),
        ('x{a=~"' + "(" * 150 + ")" * 150 + '"}', None),
    ],
)
def test_deep_nesting_is_a_precise_error(text: str, fragment: str | None) -> None:
    """Deep nesting is refused with the limit and position, never a crash or RecursionError.

    Brackets inside a string (here a regex) do not count.
    """
    if fragment is None:
        assert Query.parse(text).value_type == "vector"
        return
    with pytest.raises(PromQLError, match=fragment.replace("(", r"\(")):
        Query.parse(text)


def test_nesting_below_the_limit_evaluates(make_store: StoreFactory) -> None:
    """An expression at the nesting limit still evaluates without a recursion failure."""
    store = make_store({LabelSet({"__name__": "x"}): [(0.0, 1.0)]})
    query = Query.parse("abs(" * 198 + "x" + ")" * 198)
    result = evaluate(query, store, 10.0)
    assert [s.value for s in result] == [1.0]  # type: ignore[union-attr]
