"""Aggregation operators: grouping, arithmetic, topk ties, count_values labels."""

from __future__ import annotations

import math

import pytest

from watchdog.promql import PromQLError, VectorSample
from watchdog.promql.aggregations import aggregate
from watchdog.samples import LabelSet


def _vec(*items: tuple[dict[str, str], float]) -> list[VectorSample]:
    return [VectorSample(LabelSet(labels), value) for labels, value in items]


SAMPLES = _vec(
    ({"__name__": "m", "job": "a", "i": "1"}, 1.0),
    ({"__name__": "m", "job": "a", "i": "2"}, 3.0),
    ({"__name__": "m", "job": "b", "i": "1"}, 5.0),
)


def _as_dict(vector: list[VectorSample]) -> dict[LabelSet, float]:
    return {s.labels: s.value for s in vector}


def test_sum_by_and_without() -> None:
    """by keeps the listed labels; without drops them and the name."""
    assert _as_dict(aggregate("sum", SAMPLES, ["job"], False)) == {
        LabelSet.of(None, job="a"): 4.0,
        LabelSet.of(None, job="b"): 5.0,
    }
    assert _as_dict(aggregate("sum", SAMPLES, ["i"], True)) == {
        LabelSet.of(None, job="a"): 4.0,
        LabelSet.of(None, job="b"): 5.0,
    }


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("avg", 3.0),
        ("min", 1.0),
        ("max", 5.0),
        ("count", 3.0),
        ("group", 1.0),
        ("stdvar", 8 / 3),
        ("stddev", math.sqrt(8 / 3)),
    ],
)
def test_reducers(op: str, value: float) -> None:
    """Each reducer over all samples."""
    (result,) = aggregate(op, SAMPLES, [], False)
    assert result.labels == LabelSet()
    assert result.value == pytest.approx(value)


def test_min_max_skip_nan_unless_all_nan() -> None:
    """NaN loses to any number in min/max; only an all-NaN group yields NaN."""
    values = _vec(({"i": "1"}, math.nan), ({"i": "2"}, 2.0))
    assert aggregate("max", values, [], False)[0].value == 2.0
    assert math.isnan(aggregate("min", values[:1], [], False)[0].value)


def test_avg_of_infinities() -> None:
    """avg keeps an infinite mean instead of turning it into NaN."""
    values = _vec(({"i": "1"}, math.inf), ({"i": "2"}, 1.0), ({"i": "3"}, math.inf))
    assert aggregate("avg", values, [], False)[0].value == math.inf


def test_quantile_interpolates() -> None:
    """quantile interpolates between ranks; outside [0, 1] it is ±Inf."""
    assert aggregate("quantile", SAMPLES, [], False, 0.75)[0].value == 4.0
    assert aggregate("quantile", SAMPLES, [], False, 2.0)[0].value == math.inf


def test_topk_keeps_full_labels_and_orders() -> None:
    """topk returns the original series (name included), largest first."""
    result = aggregate("topk", SAMPLES, [], False, 2.0)
    assert [s.value for s in result] == [5.0, 3.0]
    assert result[0].labels.name == "m"


def test_topk_ties_follow_prometheus_heap() -> None:
    """With equal values the survivor is the one Prometheus' Pop/Push heap keeps."""
    values = _vec(({"i": "1"}, 2.0), ({"i": "gpu"}, 9.0), ({"i": "2"}, 2.0), ({"i": "3"}, 0.5))
    result = aggregate("bottomk", values, [], False, 2.0)
    assert {s.labels["i"] for s in result} == {"2", "3"}


def test_topk_k_conversion() -> None:
    """k is truncated to an integer, k < 1 gives nothing, NaN is an error."""
    assert len(aggregate("topk", SAMPLES, [], False, 1.9)) == 1
    assert aggregate("topk", SAMPLES, [], False, 0.5) == []
    with pytest.raises(PromQLError, match="Scalar value NaN overflows int64"):
        aggregate("topk", SAMPLES, [], False, math.nan)


def test_count_values_label() -> None:
    """count_values adds the value as a label, formatted like Go, and keeps by() labels."""
    values = _vec(({"job": "a"}, 1.0), ({"job": "a"}, 1.0), ({"job": "b"}, 1e21))
    assert _as_dict(aggregate("count_values", values, ["job"], False, "v")) == {
        LabelSet.of(None, job="a", v="1"): 2.0,
        LabelSet.of(None, job="b", v="1000000000000000000000"): 1.0,
    }
