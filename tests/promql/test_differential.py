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

from tests.promql.dataset import STOPPED_AT, T0, build_dataset
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

INSTANTS = (
    T0 + 905,
    T0 + 1093,
    T0 + 1807,
    T0 + 2430,
    STOPPED_AT + 60,
    STOPPED_AT + 299,
    STOPPED_AT + 300,
    STOPPED_AT + 301,
    T0 + 3600 + 120,
)

EXPRESSIONS = [
    # selectors, matchers, offsets, lookback
    "http_requests_total",
    'http_requests_total{code="500"}',
    'http_requests_total{code!="500"}',
    'http_requests_total{instance=~"a[12]"}',
    'http_requests_total{instance!~"a1|a3", code=~"2.."}',
    '{__name__=~"http_.*|jobs_total", code!="500"}',
    "http_requests_total offset 5m",
    "node_temp offset -2m",
    "sparse",
    "sparse offset 10m",
    "http_requests_total[2m]",
    "node_temp[1m] offset 30s",
    # literals and unary minus
    "42",
    "-1.5",
    '"hello"',
    "-node_temp",
    "-(-node_temp)",
    '-{__name__=~"dup_metric_.*"}',
    # arithmetic
    "node_temp * 2",
    "2 - node_temp",
    "node_temp / 0",
    "node_temp % 3",
    "-node_temp % 3",
    "node_temp ^ 2",
    "2 ^ node_temp",
    "node_temp atan2 3",
    "1 + 2 * 3 - 4 / 8",
    "2 ^ 3 ^ 2",
    "5 % 0 + 1 / 0",
    "(0 * -1) ^ -1",
    # comparisons
    "node_temp > 25",
    "node_temp > bool 25",
    "25 < node_temp",
    "25 >= bool node_temp",
    "node_temp == node_temp",
    "node_temp != bool node_temp",
    "node_temp <= on(instance, sensor) (node_temp offset 5m)",
    "1 == bool 1",
    "NaN != bool NaN",
    # vector matching
    "node_temp * on(instance) group_left(rack) node_info",
    "node_info * on(instance) group_right(rack) node_temp",
    "sum by (instance) (node_temp) / on(instance) node_info",
    "sum by (instance) (node_temp) - ignoring(rack) group_right node_info",
    "http_requests_total / on(job) group_left api_threshold",
    "api_threshold * on(job) group_right http_requests_total",
    "node_temp >= bool on(instance) group_left node_info",
    'node_temp{sensor="cpu"} + ignoring(sensor, job) up{job="node"}',
    'up{job="node"} + ignoring(job, rack) group_left node_info',
    "vector(1) and on() node_temp > 1000",
    "node_info * on(instance) node_temp",
    "node_temp * on(instance) node_info",
    "node_temp * on(instance) group_left(sensor) node_info",
    # set operators
    "node_temp and node_temp > 25",
    "node_temp and on(instance) up == 0",
    "node_temp or up",
    "up == 0 or on(job) vector(1)",
    "node_temp unless on(instance) up == 0",
    "up unless ignoring(job) node_info",
    # aggregations
    "sum(http_requests_total)",
    "sum by (code) (http_requests_total)",
    "sum without (instance) (http_requests_total)",
    "avg by (sensor) (node_temp)",
    "min(node_temp)",
    "max by (instance) (node_temp)",
    "count(up)",
    "count without (instance) (up)",
    'count_values("value", up)',
    'count_values by (job) ("v", up)',
    'count_values("temp", node_temp)',
    "topk(2, node_temp)",
    'topk(1, node_temp{sensor="cpu"})',
    "bottomk(1, node_temp)",
    "topk by (sensor) (1, node_temp)",
    "topk(2.7, up)",
    "topk(0, up)",
    "topk(NaN, up)",
    "bottomk(3, -node_temp)",
    "quantile(0.5, node_temp)",
    "quantile by (sensor) (0.9, node_temp)",
    "quantile(-1, node_temp)",
    "quantile(2, node_temp)",
    "stddev(node_temp)",
    "stdvar by (job) (http_requests_total)",
    "group by (job) (up)",
    'sum by (__name__) ({__name__=~"up|node_info"})',
    # range functions, counters and resets
    "rate(http_requests_total[5m])",
    "rate(http_requests_total[1m])",
    "increase(http_requests_total[10m])",
    "rate(jobs_total[5m])",
    "increase(jobs_total[5m] offset 1m)",
    "irate(http_requests_total[5m])",
    "delta(node_temp[10m])",
    "idelta(node_temp[5m])",
    "deriv(disk_free_bytes[10m])",
    "deriv(node_temp[5m])",
    "predict_linear(disk_free_bytes[30m], 3600)",
    "changes(node_temp[10m])",
    "resets(http_requests_total[30m])",
    "holt_winters(node_temp[10m], 0.3, 0.6)",
    "holt_winters(node_temp[10m], 1.5, 0.6)",
    "avg_over_time(node_temp[10m])",
    "min_over_time(node_temp[10m])",
    "max_over_time(node_temp[10m])",
    "sum_over_time(node_temp[10m])",
    "count_over_time(http_requests_total[10m])",
    "quantile_over_time(0.75, node_temp[10m])",
    "stddev_over_time(node_temp[10m])",
    "stdvar_over_time(node_temp[10m])",
    "last_over_time(node_temp[10m])",
    "present_over_time(sparse[10m])",
    "absent_over_time(sparse[10m])",
    'absent_over_time(nonexistent{job="x", a=~"b"}[5m])',
    'rate({__name__=~"dup_metric_.*"}[5m])',
    # instant functions
    'absent(nonexistent{job="x", env="a", env="b", zone=~"z"})',
    "absent(up)",
    "time()",
    "timestamp(node_temp)",
    "timestamp(sparse offset 1m)",
    "timestamp(sum(node_temp))",
    "vector(time())",
    "scalar(sum(up))",
    "scalar(up)",
    "abs(node_temp)",
    "ceil(node_temp)",
    "floor(-node_temp)",
    "round(node_temp)",
    "round(node_temp, 0.5)",
    "sqrt(node_temp)",
    "exp(node_temp)",
    "ln(node_temp)",
    "log2(node_temp)",
    "log10(node_temp)",
    "sgn(node_temp)",
    "clamp(node_temp, 0, 30)",
    "clamp(node_temp, 30, 0)",
    "clamp_min(node_temp, 20)",
    "clamp_max(node_temp, 20)",
    'label_replace(node_temp, "host", "$1-x", "instance", "i(.*)")',
    'label_replace(node_temp, "host", "$1x", "instance", "(.*)")',
    'label_replace(node_temp, "sensor", "", "sensor", "gpu")',
    'label_replace(node_temp, "instance", "same", "", "")',
    'label_join(node_temp, "id", "/", "instance", "sensor")',
    "sort(node_temp)",
    "sort_desc(node_temp)",
    "histogram_quantile(0.5, rate(req_duration_seconds_bucket[5m]))",
    "histogram_quantile(0.99, sum by (le) (rate(req_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.9, req_duration_seconds_bucket)",
    "histogram_quantile(0, req_duration_seconds_bucket)",
    "histogram_quantile(1, req_duration_seconds_bucket)",
    "histogram_quantile(1.5, req_duration_seconds_bucket)",
    "day_of_week()",
    "hour(timestamp(node_temp))",
    "minute(node_temp * 1e7)",
    "day_of_month(vector(1e9))",
    "days_in_month(vector(1582934400))",
    "month()",
    "year(vector(-1e11))",
    "day_of_year(vector(NaN))",
    # subqueries (default step 1m)
    "max_over_time(rate(http_requests_total[5m])[30m:1m])",
    "rate(http_requests_total[5m:30s])",
    "avg_over_time(node_temp[10m:])",
    "min_over_time((node_temp > 20)[10m:2m] offset 1m)",
    "sum_over_time(vector(time())[3m:1m])",
    "deriv(rate(http_requests_total[1m])[5m:15s] offset 2m)",
    # summation, NaN and regex edge cases
    "sum(cancel)",
    "avg(cancel)",
    "sum_over_time(cancel_series[1m])",
    "avg_over_time(cancel_series[1m])",
    "quantile(NaN, node_temp)",
    "histogram_quantile(NaN, req_duration_seconds_bucket)",
    "topk(3, node_temp)",
    "bottomk(2, node_temp)",
    'count_values without (instance) ("v", up)',
    "stddev by (sensor) (node_temp)",
    "rate(http_requests_total[5m] offset 10m)",
    'newline{v=~"a.b"}',
    'newline{v=~"a"}',
    'newline{v!~"a.*"}',
    'label_replace(newline, "w", "$1", "v", "(a.*)")',
    # more numeric edge cases
    'count_values("v", disk_free_bytes * 1e20)',
    'count_values("v", node_temp / 1e9)',
    "round(-node_temp / 2)",
    "exp(node_temp * 100)",
    "ln(-node_temp)",
    "sqrt(-node_temp)",
    "acos(node_temp / 30)",
    "atanh(clamp(node_temp / 10, -1, 1))",
    "acosh(node_temp)",
    "sinh(node_temp * 100)",
    "cos(node_temp) + tan(node_temp) * asin(node_temp / 50)",
    "pi() * deg(rad(node_temp))",
    "asinh(node_temp) + atan(node_temp) + cosh(node_temp / 10) + tanh(node_temp)",
    'http_requests_total{instance=~"a\\\\d", code=~"\\\\d+"}',
    'label_replace(up, "n", "$1", "instance", "\\\\w(\\\\d)")',
    "(-node_temp) ^ 0.5",
    "node_temp % -3",
    "node_temp % Inf",
    "Inf * 0",
    "-Inf % 2",
    "topk(2, sum by (instance) (node_temp))",
    "absent(sum(nonexistent))",
    'absent(nonexistent{job="x"} offset 1h)',
    "node_info + on() group_left vector(1)",
    "max_over_time(up[1h:5m])",
    "changes(sparse[1h])",
    "idelta(http_requests_total[1m])",
    "deriv(sparse[1h])",
    "rate(sparse[1h])",
    "rate(node_temp[5m])",
    "resets(node_temp[10m])",
    'increase(req_duration_seconds_bucket{job="nan"}[5m])',
    "histogram_quantile(0.7, odd_bucket)",
    "sum without (le) (req_duration_seconds_bucket)",
    'label_replace(node_temp, "n", "${num}-$$", "instance", "i(?P<num>[0-9])")',
    'label_replace(node_temp, "n", "$9 $ ${1", "instance", "(i)([0-9])")',
    'label_join(node_temp, "instance", "", "sensor")',
    "node_temp * on(instance) group_left(rack, sensor) node_info",
    "node_temp[5m:2m]",
]


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
