"""Aggregation operators (``sum by (job) (...)`` and friends) with Prometheus 2.42 arithmetic.

Groups keep the order in which they first appear. ``topk``/``bottomk`` replay Go's binary heap
step by step, so which of several equal values survives is the same as in Prometheus.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from watchdog.promql.errors import PromQLError
from watchdog.promql.functions_instant import sort_vector
from watchdog.promql.gomath import format_float, to_int64
from watchdog.promql.histogram import quantile
from watchdog.promql.values import Vector, VectorSample
from watchdog.samples import METRIC_NAME, LabelSet

__all__ = ["aggregate"]

GroupKey = tuple[tuple[str, str], ...]
Less = Callable[[VectorSample, VectorSample], bool]


def _grouping(grouping: Sequence[str], without: bool) -> Callable[[LabelSet], GroupKey]:
    if without:
        dropped = {*grouping, METRIC_NAME}
        return lambda labels: tuple(p for p in labels.pairs() if p[0] not in dropped)
    kept = set(grouping)
    return lambda labels: tuple(p for p in labels.pairs() if p[0] in kept)


def aggregate(
    op: str,
    vector: Vector,
    grouping: Sequence[str],
    without: bool,
    param: float | str | None = None,
) -> Vector:
    """Apply aggregation ``op`` to ``vector``; ``param`` is k, φ or the count_values label."""
    if op in ("topk", "bottomk"):
        assert isinstance(param, float)
        return _select_k(vector, _grouping(grouping, without), param, op == "topk")
    if op == "count_values":
        assert isinstance(param, str)
        vector = [
            VectorSample(s.labels.with_labels(**{param: format_float(s.value)}), 1.0)
            for s in vector
        ]
        if not without:
            grouping = [*grouping, param]
        op = "count"
    key_of = _grouping(grouping, without)
    groups: dict[GroupKey, list[float]] = {}
    for sample in vector:
        groups.setdefault(key_of(sample.labels), []).append(sample.value)
    reduce = _REDUCERS[op] if op != "quantile" else _quantile_of(param)
    return [VectorSample(LabelSet(key), reduce(values)) for key, values in groups.items()]


def _quantile_of(param: float | str | None) -> Callable[[list[float]], float]:
    assert isinstance(param, float)
    return lambda values: quantile(param, values)


def _sum(values: list[float]) -> float:
    total = 0.0
    for value in values:
        total += value
    return total


def _mean(values: list[float]) -> float:
    mean = values[0]
    for count, value in enumerate(values[1:], start=2):
        if math.isinf(mean):
            if math.isinf(value) and (mean > 0) == (value > 0):
                continue  # the same infinity again: the mean stays
            if not math.isinf(value) and not math.isnan(value):
                continue  # a finite value cannot move an infinite mean
        mean += value / count - mean / count
    return mean


def _variance(values: list[float]) -> float:
    mean, aux = values[0], 0.0
    for count, value in enumerate(values[1:], start=2):
        delta = value - mean
        mean += delta / count
        aux += delta * (value - mean)
    return aux / len(values)


def _extreme(values: list[float], better: Callable[[float, float], bool]) -> float:
    best = values[0]
    for value in values[1:]:
        if better(value, best) or math.isnan(best):
            best = value
    return best


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "sum": _sum,
    "avg": _mean,
    "count": lambda values: float(len(values)),
    "group": lambda values: 1.0,
    "min": lambda values: _extreme(values, lambda v, best: v < best),
    "max": lambda values: _extreme(values, lambda v, best: v > best),
    "stdvar": _variance,
    "stddev": lambda values: math.sqrt(_variance(values)),
}


# -- topk / bottomk -----------------------------------------------------------------------
# Prometheus 2.42 keeps a binary heap per group whose root is the next element to evict, and
# replaces it by Pop followed by Push. Replaying exactly that decides which of several equal
# values survives. NaN compares as "evict first" in both heaps.


def _evict_smaller(a: VectorSample, b: VectorSample) -> bool:
    return math.isnan(a.value) or a.value < b.value


def _evict_larger(a: VectorSample, b: VectorSample) -> bool:
    return math.isnan(a.value) or a.value > b.value


def _sift_up(heap: list[VectorSample], j: int, less: Less) -> None:
    while j > 0:
        parent = (j - 1) // 2
        if not less(heap[j], heap[parent]):
            break
        heap[parent], heap[j] = heap[j], heap[parent]
        j = parent


def _sift_down(heap: list[VectorSample], i: int, n: int, less: Less) -> None:
    while True:
        j = 2 * i + 1
        if j >= n:
            break
        if j + 1 < n and less(heap[j + 1], heap[j]):
            j += 1
        if not less(heap[j], heap[i]):
            break
        heap[i], heap[j] = heap[j], heap[i]
        i = j


def _pop(heap: list[VectorSample], less: Less) -> None:
    last = len(heap) - 1
    heap[0], heap[last] = heap[last], heap[0]
    _sift_down(heap, 0, last, less)
    heap.pop()


def _push(heap: list[VectorSample], sample: VectorSample, less: Less) -> None:
    heap.append(sample)
    _sift_up(heap, len(heap) - 1, less)


def _select_k(
    vector: Vector, key_of: Callable[[LabelSet], GroupKey], param: float, largest: bool
) -> Vector:
    if not -(2.0**63) <= param <= 2.0**63:
        raise PromQLError(f"Scalar value {format_float(param)} overflows int64")
    k = to_int64(param)
    if k < 1:
        return []
    less = _evict_smaller if largest else _evict_larger
    heaps: dict[GroupKey, list[VectorSample]] = {}
    for sample in vector:
        heap = heaps.setdefault(key_of(sample.labels), [])
        if len(heap) < k:
            _push(heap, sample, less)
        elif less(heap[0], sample):
            _pop(heap, less)
            _push(heap, sample, less)
    out: Vector = []
    for heap in heaps.values():
        out.extend(sort_vector(heap, descending=largest))
    return out
