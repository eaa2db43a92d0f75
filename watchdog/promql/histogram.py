"""Quantiles: ``quantile``/``quantile_over_time`` interpolation and ``histogram_quantile``.

``histogram_quantile`` works on classic histograms (``le`` bucket series), like Prometheus 2.42:
buckets with the same bound are merged, counts are forced monotonic, the ``+Inf`` bucket is
required, and the quantile is interpolated linearly inside its bucket.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from watchdog.promql.gomath import div, parse_float
from watchdog.promql.values import Vector, VectorSample
from watchdog.samples import METRIC_NAME, LabelSet

__all__ = ["BUCKET_LABEL", "bucket_quantile", "histogram_quantile", "quantile"]

BUCKET_LABEL = "le"


def quantile(q: float, values: list[float]) -> float:
    """The ``q``-quantile of ``values``, interpolating between the two nearest ranks."""
    if not values or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(values, key=lambda v: (not math.isnan(v), v))  # NaN first, as in Go
    count = len(ordered)
    rank = q * (count - 1)
    lower = max(0, math.floor(rank))
    upper = min(count - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def _search(n: int, predicate: Callable[[int], bool]) -> int:
    """Go's ``sort.Search``: the smallest index in ``[0, n)`` where ``predicate`` holds, else n."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if not predicate(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _coalesce(buckets: list[tuple[float, float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for upper, count in buckets:
        if merged and merged[-1][0] == upper:
            merged[-1][1] += count
        else:
            merged.append([upper, count])
    return merged


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """The ``q``-quantile from (upper bound, cumulative count) pairs of one histogram."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets = sorted(buckets, key=lambda b: b[0])
    if buckets[-1][0] != math.inf:
        return math.nan
    merged = _coalesce(buckets)
    highest = -math.inf
    for bucket in merged:  # counts must not decrease (rounding, or non-atomic scrapes)
        if bucket[1] > highest:
            highest = bucket[1]
        elif bucket[1] < highest:
            bucket[1] = highest
    if len(merged) < 2:
        return math.nan
    observations = merged[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = _search(len(merged) - 1, lambda i: merged[i][1] >= rank)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, end, count = 0.0, merged[b][0], merged[b][1]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * div(rank, count)


def histogram_quantile(q: float, vector: Vector) -> Vector:
    """One quantile per histogram: series grouped by all labels but ``le`` (name included)."""
    groups: dict[LabelSet, tuple[LabelSet, list[tuple[float, float]]]] = {}
    for sample in vector:
        bound = parse_float(sample.labels.get(BUCKET_LABEL, ""))
        if bound is None:
            continue  # no or malformed le label: not a bucket
        key = sample.labels.without(BUCKET_LABEL)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (key.without(METRIC_NAME), [])
        group[1].append((bound, sample.value))
    return [
        VectorSample(labels, bucket_quantile(q, buckets)) for labels, buckets in groups.values()
    ]
