"""Functions applied to each element of an instant vector, plus ``sort`` and ``absent`` labels.

Every element-wise function drops the metric name. Math follows Go: domain errors give NaN,
overflow gives an infinity, never a Python exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from watchdog.promql.gomath import CivilTime, civil_time, div, go_max, go_min
from watchdog.promql.nodes import MatrixSelectorNode, Node, VectorSelectorNode
from watchdog.promql.values import Vector, VectorSample, drop_name
from watchdog.samples import METRIC_NAME, LabelSet

__all__ = [
    "DATE_FUNCTIONS",
    "MATH_FUNCTIONS",
    "absent_labels",
    "apply",
    "clamp",
    "round_to",
    "sort_vector",
]

FloatFunction = Callable[[float], float]


def _guarded(
    fn: FloatFunction,
    overflow: FloatFunction = lambda v: math.inf,
    domain: FloatFunction = lambda v: math.nan,
) -> FloatFunction:
    def run(value: float) -> float:
        try:
            return fn(value)
        except OverflowError:
            return overflow(value)
        except ValueError:
            return domain(value)

    return run


def _integral(fn: Callable[[float], int]) -> FloatFunction:
    def run(value: float) -> float:
        if not math.isfinite(value):
            return value
        result = float(fn(value))
        return math.copysign(result, value) if result == 0 else result  # keeps Go's -0

    return run


def _log(fn: FloatFunction) -> FloatFunction:
    return _guarded(fn, domain=lambda v: -math.inf if v == 0 else math.nan)


def _sign(value: float) -> float:
    if value < 0:
        return -1.0
    if value > 0:
        return 1.0
    return value


MATH_FUNCTIONS: dict[str, FloatFunction] = {
    "abs": math.fabs,
    "ceil": _integral(math.ceil),
    "floor": _integral(math.floor),
    "sqrt": _guarded(math.sqrt),
    "exp": _guarded(math.exp),
    "ln": _log(math.log),
    "log2": _log(math.log2),
    "log10": _log(math.log10),
    "sgn": _sign,
    "deg": lambda v: v * 180 / math.pi,
    "rad": lambda v: v * math.pi / 180,
    "sin": _guarded(math.sin),
    "cos": _guarded(math.cos),
    "tan": _guarded(math.tan),
    "asin": _guarded(math.asin),
    "acos": _guarded(math.acos),
    "atan": math.atan,
    "sinh": _guarded(math.sinh, overflow=lambda v: math.copysign(math.inf, v)),
    "cosh": _guarded(math.cosh),
    "tanh": math.tanh,
    "asinh": math.asinh,
    "acosh": _guarded(math.acosh),
    "atanh": _guarded(
        math.atanh, domain=lambda v: math.copysign(math.inf, v) if abs(v) == 1 else math.nan
    ),
}

DATE_FUNCTIONS: dict[str, Callable[[CivilTime], int]] = {
    "minute": lambda t: t.minute,
    "hour": lambda t: t.hour,
    "day_of_week": lambda t: t.weekday,
    "day_of_month": lambda t: t.day,
    "day_of_year": lambda t: t.day_of_year,
    "days_in_month": lambda t: t.days_in_month,
    "month": lambda t: t.month,
    "year": lambda t: t.year,
}


def apply(vector: Vector, fn: FloatFunction) -> Vector:
    """``fn`` on every element, dropping the metric name."""
    return [VectorSample(drop_name(s.labels), fn(s.value)) for s in vector]


def date_part(vector: Vector, part: Callable[[CivilTime], int]) -> Vector:
    """A calendar field (UTC) of each element's value read as a Unix timestamp."""
    return apply(vector, lambda v: float(part(civil_time(v))))


def clamp(vector: Vector, low: float, high: float) -> Vector:
    """Values limited to ``[low, high]``; empty when ``high < low``."""
    if high < low:
        return []
    return apply(vector, lambda v: go_max(low, go_min(high, v)))


def round_to(vector: Vector, to_nearest: float) -> Vector:
    """Round to the nearest multiple of ``to_nearest``, ties upwards."""
    inverse = div(1.0, to_nearest)
    floor = _integral(math.floor)
    return apply(vector, lambda v: div(floor(v * inverse + 0.5), inverse))


def sort_vector(vector: Vector, descending: bool) -> Vector:
    """Sort by value; NaN always last."""
    if descending:
        return sorted(vector, key=lambda s: (math.isnan(s.value), -s.value))
    return sorted(vector, key=lambda s: (math.isnan(s.value), s.value))


def absent_labels(arg: Node) -> LabelSet:
    """Labels of ``absent()``'s result: the selector's equality matchers that pin one value."""
    if not isinstance(arg, VectorSelectorNode | MatrixSelectorNode):
        return LabelSet()
    pinned: dict[str, str] = {}
    ambiguous: set[str] = set()
    for matcher in arg.selector.matchers:
        if matcher.label == METRIC_NAME:
            continue
        if matcher.op == "=" and not pinned.get(matcher.label):  # "" is no label in Prometheus
            pinned[matcher.label] = matcher.value
        else:
            ambiguous.add(matcher.label)
    return LabelSet({k: v for k, v in pinned.items() if k not in ambiguous})
