"""Element-wise functions, clamping, rounding, sorting and date parts."""

from __future__ import annotations

import math

import pytest

from watchdog.promql import VectorSample
from watchdog.promql.functions_instant import (
    DATE_FUNCTIONS,
    MATH_FUNCTIONS,
    apply,
    clamp,
    date_part,
    round_to,
    sort_vector,
)
from watchdog.samples import LabelSet

VEC = [
    VectorSample(LabelSet.of("m", i="1"), 2.5),
    VectorSample(LabelSet.of("m", i="2"), math.nan),
    VectorSample(LabelSet.of("m", i="3"), -1.5),
]


def _values(vector: list[VectorSample]) -> list[float]:
    return [s.value for s in vector]


def test_apply_drops_name() -> None:
    """Element-wise functions drop the metric name."""
    assert all("__name__" not in s.labels for s in apply(VEC, abs))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("sqrt", -1.0, math.nan),
        ("ln", 0.0, -math.inf),
        ("ln", -1.0, math.nan),
        ("exp", 1000.0, math.inf),
        ("atanh", 1.0, math.inf),
        ("sinh", -1000.0, -math.inf),
        ("ceil", -0.5, -0.0),
        ("floor", math.inf, math.inf),
        ("sgn", -3.0, -1.0),
    ],
)
def test_math_never_raises(name: str, value: float, expected: float) -> None:
    """Domain errors give NaN and overflows infinities, like Go."""
    result = MATH_FUNCTIONS[name](value)
    assert result == expected or (math.isnan(result) and math.isnan(expected))
    assert math.copysign(1.0, result) == math.copysign(1.0, expected)


def test_clamp() -> None:
    """clamp limits values, keeps NaN, and returns nothing when max < min."""
    assert _values(clamp(VEC, 0.0, 2.0))[::2] == [2.0, 0.0]
    assert math.isnan(_values(clamp(VEC, 0.0, 2.0))[1])
    assert clamp(VEC, 2.0, 0.0) == []


def test_round_to_nearest_ties_up() -> None:
    """round() rounds half up to a multiple of to_nearest."""
    assert _values(round_to(VEC[::2], 1.0)) == [3.0, -1.0]
    assert _values(round_to(VEC[::2], 2.0)) == [2.0, -2.0]


def test_sort_puts_nan_last() -> None:
    """sort and sort_desc order by value with NaN at the end either way."""
    assert _values(sort_vector(VEC, descending=False))[:2] == [-1.5, 2.5]
    assert _values(sort_vector(VEC, descending=True))[:2] == [2.5, -1.5]
    assert math.isnan(sort_vector(VEC, descending=True)[-1].value)


def test_date_parts() -> None:
    """Date functions read values as Unix seconds in UTC."""
    vec = [VectorSample(LabelSet(), 1582934400.0 + 3 * 3600 + 25 * 60)]  # 2020-02-29 03:25
    parts = {name: date_part(vec, fn)[0].value for name, fn in DATE_FUNCTIONS.items()}
    assert parts == {
        "minute": 25.0,
        "hour": 3.0,
        "day_of_week": 6.0,
        "day_of_month": 29.0,
        "day_of_year": 60.0,
        "days_in_month": 29.0,
        "month": 2.0,
        "year": 2020.0,
    }
