"""Range-vector functions, computed by hand for small inputs."""

from __future__ import annotations

import math

import pytest

from watchdog.promql import PromQLError
from watchdog.promql.functions_range import RANGE_FUNCTIONS, Window

WINDOW = Window(ts=60.0, range=60.0, offset=0.0)  # [0, 60]


def _call(
    name: str, points: list[tuple[float, float]], *args: float, window: Window = WINDOW
) -> float | None:
    return RANGE_FUNCTIONS[name](points, window, args)


def test_rate_extrapolates_to_window_edges() -> None:
    """Samples close to both edges: increase is extrapolated over the whole window."""
    points = [(5.0, 10.0), (20.0, 25.0), (35.0, 40.0), (50.0, 55.0)]
    # sampled 45 s, gaps 5 s and 10 s are below 1.1 * 15 s: extend to 60 s.
    assert _call("increase", points) == pytest.approx(45.0 * 60 / 45)
    assert _call("rate", points) == pytest.approx(1.0)


def test_rate_handles_counter_reset() -> None:
    """A drop counts as a reset: the value before it is added back."""
    points = [(0.0, 10.0), (15.0, 20.0), (30.0, 5.0), (45.0, 15.0), (60.0, 25.0)]
    assert _call("increase", points) == pytest.approx(35.0)


def test_rate_stops_extrapolating_at_counter_zero() -> None:
    """A counter is not extrapolated below zero at the window start."""
    points = [(30.0, 1.0), (45.0, 16.0), (60.0, 31.0)]
    # start gap 30 s > 16.5 s, but the zero point is only 1 s before the first sample.
    assert _call("increase", points) == pytest.approx(30.0 * 31 / 30)


def test_delta_is_not_a_counter() -> None:
    """delta() does not treat drops as resets."""
    points = [(0.0, 10.0), (30.0, 5.0), (60.0, 0.0)]
    assert _call("delta", points) == pytest.approx(-10.0)


def test_rate_needs_two_points() -> None:
    """One point is not enough for rate, irate, deriv."""
    for name in ("rate", "irate", "deriv", "idelta"):
        assert _call(name, [(10.0, 1.0)]) is None


def test_irate_and_idelta_use_last_two_points() -> None:
    """irate handles a reset between the last two points; idelta does not."""
    points = [(0.0, 1.0), (40.0, 100.0), (50.0, 10.0)]
    assert _call("irate", points) == pytest.approx(1.0)
    assert _call("idelta", points) == -90.0


def test_deriv_and_predict_linear() -> None:
    """Least squares: a perfect line gives its slope; prediction is from the eval time."""
    points = [(0.0, 100.0), (30.0, 70.0), (60.0, 40.0)]
    assert _call("deriv", points) == pytest.approx(-1.0)
    assert _call("predict_linear", points, 40.0) == pytest.approx(0.0)
    assert _call("deriv", [(0.0, 3.0), (30.0, 3.0)]) == 0.0


def test_changes_and_resets() -> None:
    """changes counts value changes (NaN to NaN is none); resets counts drops."""
    points = [(0.0, 1.0), (10.0, 1.0), (20.0, 0.0), (30.0, math.nan), (40.0, math.nan), (50.0, 2.0)]
    assert _call("changes", points) == 3.0
    assert _call("resets", points) == 1.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("avg_over_time", 2.0),
        ("sum_over_time", 6.0),
        ("count_over_time", 3.0),
        ("min_over_time", 1.0),
        ("max_over_time", 3.0),
        ("last_over_time", 3.0),
        ("present_over_time", 1.0),
        ("stdvar_over_time", 2 / 3),
    ],
)
def test_over_time(name: str, value: float) -> None:
    """The *_over_time functions over 1, 2, 3."""
    assert _call(name, [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0)]) == pytest.approx(value)


def test_quantile_over_time() -> None:
    """quantile_over_time interpolates between samples."""
    assert _call("quantile_over_time", [(0.0, 1.0), (10.0, 2.0), (20.0, 4.0)], 0.75) == 3.0


def test_holt_winters_checks_factors() -> None:
    """holt_winters smooths and refuses factors outside (0, 1)."""
    assert _call("holt_winters", [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0)], 0.5, 0.5) == pytest.approx(
        3.0
    )
    with pytest.raises(PromQLError, match="invalid smoothing factor"):
        _call("holt_winters", [(0.0, 1.0)], 1.0, 0.5)
    with pytest.raises(PromQLError, match="invalid trend factor"):
        _call("holt_winters", [(0.0, 1.0)], 0.5, 0.0)
