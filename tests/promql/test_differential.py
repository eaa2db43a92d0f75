"""Differential test: our evaluator against a real Prometheus 2.42 on identical samples.

The dataset is backfilled into TSDB blocks with promtool and served by Debian's prometheus; the
same points are loaded into a SampleStore. Every expression is evaluated at several instants by
both; results must have the same label sets, values equal within 1e-9 relative (NaN == NaN),
the same order where the expression sorts, and the same error-or-not. In practice only the
transcendental functions (pure Go versus libm) ever need the tolerance; everything else is
required to be bit-identical.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tests.promql.dataset import T0, build_dataset
from tests.promql.differential_cases import EXPRESSIONS, INSTANTS
from tests.support.components import Running
from tests.support.tsdb import load_store, query, start_prometheus_on_blocks
from watchdog.promql import (
    PromQLError,
    Query,
    Scalar,
    String,
    evaluate,
    evaluate_matrix,
)
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Prometheus 2.42 serving the backfilled dataset."""
    running = start_prometheus_on_blocks(tmp_path_factory.mktemp("prom"), build_dataset())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def store() -> SampleStore:
    """The same dataset in our store (no staleness markers, like the blocks)."""
    store = SampleStore()
    load_store(store, build_dataset())
    return store


Outcome = tuple[str, Any]


def _theirs(prometheus: Running, expr: str, ts: float) -> Outcome:
    body = query(prometheus.url, expr, ts)
    if body["status"] != "success":
        return ("error", body.get("error"))
    data = body["data"]
    kind, result = data["resultType"], data["result"]
    if kind == "scalar":
        return ("scalar", float(result[1]))
    if kind == "string":
        return ("string", result[1])
    if kind == "vector":
        return ("vector", [(LabelSet(r["metric"]), float(r["value"][1])) for r in result])
    return (
        "matrix",
        {LabelSet(r["metric"]): [(float(t), float(v)) for t, v in r["values"]] for r in result},
    )


def _ours(store: SampleStore, expr: str, ts: float) -> Outcome:
    try:
        parsed = Query.parse(expr)
        if parsed.value_type == "matrix":
            return (
                "matrix",
                {s.labels: list(s.points) for s in evaluate_matrix(parsed, store, ts)},
            )
        result = evaluate(parsed, store, ts)
    except PromQLError as exc:
        return ("error", str(exc))
    if isinstance(result, Scalar):
        return ("scalar", result.value)
    if isinstance(result, String):
        return ("string", result.value)
    return ("vector", [(s.labels, s.value) for s in result])


# Go implements these in pure Go, Python calls libm: they may differ in the last bit. Everything
# else must be bit-identical (the tolerance only ever applies to these).
_LIBM = re.compile(r"\b(?:exp|ln|log2|log10|a?sinh?|a?cosh?|a?tanh?|atan2)\b")


def _same(a: float, b: float, exact: bool = False) -> bool:
    if (math.isnan(a) and math.isnan(b)) or a == b:
        return True
    return not exact and math.isclose(a, b, rel_tol=1e-9)


def _compare(expr: str, ts: float, ours: Outcome, theirs: Outcome) -> None:
    where = f"{expr!r} at {ts} (T0+{ts - T0})"
    exact = _LIBM.search(expr) is None
    assert ours[0] == theirs[0], f"{where}: we gave {ours}, Prometheus {theirs}"
    kind = ours[0]
    if kind == "error":
        return
    if kind == "scalar":
        assert _same(ours[1], theirs[1], exact), f"{where}: {ours[1]} != {theirs[1]}"
    elif kind == "string":
        assert ours[1] == theirs[1], where
    elif kind == "matrix":
        _compare_series(where, ours[1], theirs[1], exact)
    else:
        ours_map: Mapping[LabelSet, float] = dict(ours[1])
        theirs_map: Mapping[LabelSet, float] = dict(theirs[1])
        assert len(ours_map) == len(ours[1]), f"{where}: duplicate label sets in {ours[1]}"
        assert set(ours_map) == set(theirs_map), (
            f"{where}: labels differ\n ours:   {sorted(ours_map)}\n theirs: {sorted(theirs_map)}"
        )
        for labels, value in ours_map.items():
            assert _same(value, theirs_map[labels], exact), (
                f"{where}: {labels} = {value}, Prometheus {theirs_map[labels]}"
            )
        if expr.startswith("sort"):
            assert [v for _, v in ours[1]] == pytest.approx([v for _, v in theirs[1]], nan_ok=True)


def _compare_series(
    where: str,
    ours: Mapping[LabelSet, list[tuple[float, float]]],
    theirs: Mapping[LabelSet, list[tuple[float, float]]],
    exact: bool,
) -> None:
    assert set(ours) == set(theirs), f"{where}: series differ: {sorted(ours)} vs {sorted(theirs)}"
    for labels, points in ours.items():
        other = theirs[labels]
        assert [t for t, _ in points] == [t for t, _ in other], f"{where}: {labels} timestamps"
        assert all(_same(a, b, exact) for (_, a), (_, b) in zip(points, other, strict=True)), (
            f"{where}: {labels}: {points} vs {other}"
        )


def test_expression_list_is_broad() -> None:
    """The differential suite covers at least 80 distinct expressions."""
    assert len(set(EXPRESSIONS)) >= 80


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_matches_prometheus(prometheus: Running, store: SampleStore, expr: str) -> None:
    """The expression gives Prometheus 2.42's result (or error) at every test instant."""
    for ts in INSTANTS:
        _compare(expr, ts, _ours(store, expr, ts), _theirs(prometheus, expr, ts))


def test_dataset_roundtrips_through_backfill(prometheus: Running, store: SampleStore) -> None:
    """Prometheus holds exactly the points we loaded (guards the comparison itself)."""
    ts = float(T0 + 3600)
    theirs = _theirs(prometheus, '{__name__=~".+"}[1h]', ts)
    ours = _ours(store, '{__name__=~".+"}[1h]', ts)
    _compare("{__name__=~'.+'}[1h]", ts, ours, theirs)
    assert len(ours[1]) == len(build_dataset())
