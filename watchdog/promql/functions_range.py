"""Functions over range vectors: one value per series from the points in its window.

Each function takes the series' points (oldest first, never empty), the window they were
selected for, and the call's scalar arguments, and returns the value or None to drop the series.
The arithmetic follows Prometheus 2.42 step by step (Kahan sums where it uses them, the same
extrapolation in ``rate``) so results agree to the last bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from watchdog.promql.errors import PromQLError
from watchdog.promql.gomath import div, kahan_add
from watchdog.promql.histogram import quantile

__all__ = ["RANGE_FUNCTIONS", "Points", "RangeFunction", "Window", "linear_regression"]

Points = Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Window:
    """Where the points come from: ``[t - offset - range, t - offset]`` at evaluation ``ts``.

    ``t`` is ``ts``, or the time of the ``@`` modifier when there is one (``at``).
    """

    ts: float
    range: float
    offset: float
    at: float | None = None

    @property
    def start(self) -> float:
        """Oldest timestamp of the window."""
        return self.end - self.range

    @property
    def end(self) -> float:
        """Newest timestamp of the window."""
        return (self.ts if self.at is None else self.at) - self.offset


RangeFunction = Callable[[Points, Window, tuple[float, ...]], float | None]


def _extrapolated_rate(
    points: Points, window: Window, counter: bool, per_second: bool
) -> float | None:
    """``rate``/``increase``/``delta``: extrapolate towards the window edges like Prometheus."""
    if len(points) < 2:
        return None
    first_t, first_v = points[0]
    last_t, last_v = points[-1]
    result = last_v - first_v
    if counter:
        previous = first_v
        for _, value in points[1:]:
            if value < previous:
                result += previous  # counter reset: the counter restarted from zero
            previous = value
    to_start = first_t - window.start
    to_end = window.end - last_t
    sampled = last_t - first_t
    average_step = sampled / (len(points) - 1)
    if counter and result > 0 and first_v >= 0:
        # A counter cannot go below zero: do not extrapolate past the point where it was zero.
        to_zero = sampled * (first_v / result)
        to_start = min(to_start, to_zero)
    threshold = average_step * 1.1
    extended = sampled
    extended += to_start if to_start < threshold else average_step / 2
    extended += to_end if to_end < threshold else average_step / 2
    factor = div(extended, sampled)
    if per_second:
        factor = div(factor, window.range)
    return result * factor


def _instant_value(points: Points, per_second: bool) -> float | None:
    """``irate``/``idelta``: from the last two points only."""
    if len(points) < 2:
        return None
    (t0, v0), (t1, v1) = points[-2], points[-1]
    result = v1 if per_second and v1 < v0 else v1 - v0
    if t1 == t0:
        return None
    return result / (t1 - t0) if per_second else result


def linear_regression(points: Points, intercept_time: float) -> tuple[float, float]:
    """Least-squares slope and the intercept at ``intercept_time``.

    The four sums are Kahan-Neumaier compensated as in Prometheus (inlined: this is the hot
    loop of ``deriv`` and ``predict_linear``).
    """
    first_y = points[0][1]
    if all(y == first_y for _, y in points):
        return (math.nan, math.nan) if math.isinf(first_y) else (0.0, first_y)
    n = float(len(points))
    sx = cx = sy = cy = sxy = cxy = sxx = cxx = 0.0
    for t, y in points:
        x = t - intercept_time
        s = sx + x
        cx += (sx - s) + x if abs(sx) >= abs(x) else (x - s) + sx
        sx = s
        s = sy + y
        cy += (sy - s) + y if abs(sy) >= abs(y) else (y - s) + sy
        sy = s
        xy = x * y
        s = sxy + xy
        cxy += (sxy - s) + xy if abs(sxy) >= abs(xy) else (xy - s) + sxy
        sxy = s
        xx = x * x
        s = sxx + xx
        cxx += (sxx - s) + xx if abs(sxx) >= abs(xx) else (xx - s) + sxx
        sxx = s
    sx += cx
    sy += cy
    sxy += cxy
    sxx += cxx
    cov_xy = sxy - sx * sy / n
    var_x = sxx - sx * sx / n
    slope = div(cov_xy, var_x)
    return slope, sy / n - slope * sx / n


def _deriv(points: Points, window: Window, args: tuple[float, ...]) -> float | None:
    if len(points) < 2:
        return None
    return linear_regression(points, points[0][0])[0]


def _predict_linear(points: Points, window: Window, args: tuple[float, ...]) -> float | None:
    if len(points) < 2:
        return None
    slope, intercept = linear_regression(points, window.ts)
    return slope * args[0] + intercept


def _changes(points: Points, window: Window, args: tuple[float, ...]) -> float:
    changes = 0
    previous = points[0][1]
    for _, value in points[1:]:
        if value != previous and not (math.isnan(value) and math.isnan(previous)):
            changes += 1
        previous = value
    return float(changes)


def _resets(points: Points, window: Window, args: tuple[float, ...]) -> float:
    resets = 0
    previous = points[0][1]
    for _, value in points[1:]:
        if value < previous:
            resets += 1
        previous = value
    return float(resets)


def _avg(points: Points, window: Window, args: tuple[float, ...]) -> float:
    mean = compensation = count = 0.0
    for _, value in points:
        count += 1
        if math.isinf(mean):
            if math.isinf(value) and (mean > 0) == (value > 0):
                continue  # same infinity again: the mean stays
            if not math.isinf(value) and not math.isnan(value):
                continue  # a finite value cannot move an infinite mean
        mean, compensation = kahan_add(value / count - mean / count, mean, compensation)
    return mean if math.isinf(mean) else mean + compensation


def _sum(points: Points, window: Window, args: tuple[float, ...]) -> float:
    total = compensation = 0.0
    for _, value in points:
        total, compensation = kahan_add(value, total, compensation)
    return total if math.isinf(total) else total + compensation


def _variance(points: Points) -> float:
    count = mean = c_mean = aux = c_aux = 0.0
    for _, value in points:
        count += 1
        delta = value - (mean + c_mean)
        mean, c_mean = kahan_add(delta / count, mean, c_mean)
        aux, c_aux = kahan_add(delta * (value - (mean + c_mean)), aux, c_aux)
    return (aux + c_aux) / count


def _extreme(points: Points, pick: Callable[[float, float], bool]) -> float:
    best = points[0][1]
    for _, value in points:
        if pick(value, best) or math.isnan(best):
            best = value
    return best


def _holt_winters(points: Points, window: Window, args: tuple[float, ...]) -> float | None:
    smoothing, trend = args
    if not 0 < smoothing < 1:
        raise PromQLError(f"invalid smoothing factor. Expected: 0 < sf < 1, got: {smoothing:f}")
    if not 0 < trend < 1:
        raise PromQLError(f"invalid trend factor. Expected: 0 < tf < 1, got: {trend:f}")
    if len(points) < 2:
        return None
    previous, smoothed = 0.0, points[0][1]
    slope = points[1][1] - points[0][1]
    for i in range(1, len(points)):
        if i > 1:
            slope = trend * (smoothed - previous) + (1 - trend) * slope
        level = smoothing * points[i][1] + (1 - smoothing) * (smoothed + slope)
        previous, smoothed = smoothed, level
    return smoothed


def _quantile_over_time(points: Points, window: Window, args: tuple[float, ...]) -> float:
    return quantile(args[0], [value for _, value in points])


RANGE_FUNCTIONS: dict[str, RangeFunction] = {
    "rate": lambda p, w, a: _extrapolated_rate(p, w, counter=True, per_second=True),
    "increase": lambda p, w, a: _extrapolated_rate(p, w, counter=True, per_second=False),
    "delta": lambda p, w, a: _extrapolated_rate(p, w, counter=False, per_second=False),
    "irate": lambda p, w, a: _instant_value(p, per_second=True),
    "idelta": lambda p, w, a: _instant_value(p, per_second=False),
    "deriv": _deriv,
    "predict_linear": _predict_linear,
    "changes": _changes,
    "resets": _resets,
    "holt_winters": _holt_winters,
    "avg_over_time": _avg,
    "sum_over_time": _sum,
    "count_over_time": lambda p, w, a: float(len(p)),
    "min_over_time": lambda p, w, a: _extreme(p, lambda v, best: v < best),
    "max_over_time": lambda p, w, a: _extreme(p, lambda v, best: v > best),
    "quantile_over_time": _quantile_over_time,
    "stdvar_over_time": lambda p, w, a: _variance(p),
    "stddev_over_time": lambda p, w, a: math.sqrt(_variance(p)),
    "last_over_time": lambda p, w, a: p[-1][1],
    "present_over_time": lambda p, w, a: 1.0,
}
