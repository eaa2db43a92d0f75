"""histogram_quantile on classic buckets and the quantile helper."""

from __future__ import annotations

import math

import pytest

from watchdog.promql import VectorSample
from watchdog.promql.histogram import bucket_quantile, histogram_quantile, quantile
from watchdog.samples import LabelSet

INF = math.inf


def test_interpolates_inside_bucket() -> None:
    """The quantile is interpolated linearly within the bucket holding its rank."""
    assert bucket_quantile(0.5, [(1.0, 50.0), (2.0, 100.0), (INF, 100.0)]) == 1.0
    assert bucket_quantile(0.75, [(1.0, 50.0), (2.0, 100.0), (INF, 100.0)]) == 1.5


def test_requires_inf_bucket() -> None:
    """Without a +Inf bucket the result is NaN."""
    assert math.isnan(bucket_quantile(0.5, [(1.0, 5.0), (2.0, 10.0)]))


def test_rank_in_inf_bucket_returns_second_highest_bound() -> None:
    """A quantile falling in the +Inf bucket reports the highest finite bound."""
    assert bucket_quantile(0.99, [(1.0, 1.0), (2.0, 2.0), (INF, 10.0)]) == 2.0


def test_monotonicity_is_forced_and_bounds_coalesced() -> None:
    """Decreasing counts are raised to the running maximum; equal bounds are merged."""
    buckets = [(1.0, 10.0), (2.0, 6.0), (3.0, 15.0), (2.0, 2.0), (INF, 20.0)]
    # counts become 10, 10 (6 + 2 raised to 10), 15, 20: rank 12 lies 2/5 into (2, 3].
    assert bucket_quantile(0.6, buckets) == pytest.approx(2.4)


@pytest.mark.parametrize(("q", "expected"), [(-0.1, -INF), (1.1, INF), (math.nan, math.nan)])
def test_out_of_range_quantiles(q: float, expected: float) -> None:
    """q outside [0, 1] gives ±Inf, NaN gives NaN."""
    result = bucket_quantile(q, [(1.0, 1.0), (INF, 2.0)])
    assert result == expected or (math.isnan(result) and math.isnan(expected))


def test_no_observations_is_nan() -> None:
    """An empty histogram has no quantile."""
    assert math.isnan(bucket_quantile(0.5, [(1.0, 0.0), (INF, 0.0)]))


def test_groups_by_labels_without_le_and_drops_name() -> None:
    """Buckets group by every label but le; the result drops le and the name."""
    vector = [
        VectorSample(LabelSet.of("h_bucket", job="a", le=le), count)
        for le, count in (("0.5", 1.0), ("1", 2.0), ("+Inf", 2.0))
    ] + [VectorSample(LabelSet.of("h_bucket", job="a"), 7.0)]  # no le: ignored
    (result,) = histogram_quantile(0.5, vector)
    assert result.labels == LabelSet.of(None, job="a")
    assert result.value == 0.5


def test_quantile_helper() -> None:
    """quantile() interpolates between ranks and treats an empty set as NaN."""
    assert quantile(0.5, [3.0, 1.0, 2.0]) == 2.0
    assert quantile(0.25, [1.0, 2.0, 3.0]) == 1.5
    assert math.isnan(quantile(0.5, []))
