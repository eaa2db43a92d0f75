"""Function calls: the table of supported functions and how their arguments are evaluated.

The table's keys are exactly the functions the parser accepts; every other function name is
refused when a query is parsed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from watchdog.promql import functions_instant as fi
from watchdog.promql.functions_range import RANGE_FUNCTIONS, Window
from watchdog.promql.histogram import histogram_quantile
from watchdog.promql.labelfuncs import label_join, label_replace
from watchdog.promql.nodes import (
    AtTime,
    CallNode,
    MatrixSelectorNode,
    Node,
    Selector,
    StringNode,
    SubqueryNode,
    VectorSelectorNode,
)
from watchdog.promql.values import Matrix, Vector, VectorSample, drop_name
from watchdog.samples import LabelSet
from watchdog.store import InstantPoint

__all__ = ["FUNCTIONS", "SCALAR_FUNCTIONS", "Evaluating"]


class Evaluating(Protocol):
    """What a function needs from the evaluator to compute its arguments."""

    def vector(self, node: Node, ts: float) -> Vector:
        """Evaluate an instant-vector expression."""
        ...

    def scalar(self, node: Node, ts: float) -> float:
        """Evaluate a scalar expression."""
        ...

    def matrix(self, node: Node, ts: float) -> Matrix:
        """Evaluate a range-vector expression (selector or subquery)."""
        ...

    def instant_points(self, selector: Selector, ts: float) -> list[InstantPoint]:
        """The selected points with their own timestamps."""
        ...

    def at_time(self, at: AtTime | None, ts: float) -> float:
        """The evaluation time of a selector or subquery with ``@`` modifier ``at``."""
        ...


Handler = Callable[[Evaluating, CallNode, float], "Vector | float"]
SCALAR_FUNCTIONS = frozenset({"time", "scalar", "pi"})


def _string(node: Node) -> str:
    assert isinstance(node, StringNode)
    return node.value


def _window(ev: Evaluating, node: Node, ts: float) -> Window:
    if isinstance(node, MatrixSelectorNode):
        sel = node.selector
        at = None if sel.at is None else ev.at_time(sel.at, ts)
        return Window(ts, sel.range, sel.offset, at)
    assert isinstance(node, SubqueryNode)
    return Window(ts, node.range, node.offset, None if node.at is None else ev.at_time(node.at, ts))


def _range_call(ev: Evaluating, call: CallNode, ts: float) -> Vector:
    function = RANGE_FUNCTIONS[call.name]
    index = next(i for i, arg in enumerate(call.args) if arg.type == "matrix")
    params = tuple(ev.scalar(arg, ts) for i, arg in enumerate(call.args) if i != index)
    window = _window(ev, call.args[index], ts)
    keep_name = call.name == "last_over_time"
    out: Vector = []
    for series in ev.matrix(call.args[index], ts):
        value = function(series.points, window, params)
        if value is not None:
            out.append(
                VectorSample(series.labels if keep_name else drop_name(series.labels), value)
            )
    return out


def _absent_over_time(ev: Evaluating, call: CallNode, ts: float) -> Vector:
    if ev.matrix(call.args[0], ts):
        return []
    return [VectorSample(fi.absent_labels(call.args[0]), 1.0)]


def _absent(ev: Evaluating, call: CallNode, ts: float) -> Vector:
    if ev.vector(call.args[0], ts):
        return []
    return [VectorSample(fi.absent_labels(call.args[0]), 1.0)]


def _timestamp(ev: Evaluating, call: CallNode, ts: float) -> Vector:
    arg = call.args[0]
    if isinstance(arg, VectorSelectorNode):  # a selector reports when each sample was taken
        points = ev.instant_points(arg.selector, ts)
        return [VectorSample(drop_name(p.labels), p.timestamp) for p in points]
    return [VectorSample(drop_name(s.labels), ts) for s in ev.vector(arg, ts)]


def _math(name: str) -> Handler:
    function = fi.MATH_FUNCTIONS[name]
    return lambda ev, call, ts: fi.apply(ev.vector(call.args[0], ts), function)


def _date(name: str) -> Handler:
    part = fi.DATE_FUNCTIONS[name]

    def handler(ev: Evaluating, call: CallNode, ts: float) -> Vector:
        if call.args:
            return fi.date_part(ev.vector(call.args[0], ts), part)
        return fi.date_part([VectorSample(LabelSet(), ts)], part)

    return handler


def _scalar(ev: Evaluating, call: CallNode, ts: float) -> float:
    vector = ev.vector(call.args[0], ts)
    return vector[0].value if len(vector) == 1 else math.nan


def _round(ev: Evaluating, call: CallNode, ts: float) -> Vector:
    to_nearest = ev.scalar(call.args[1], ts) if len(call.args) > 1 else 1.0
    return fi.round_to(ev.vector(call.args[0], ts), to_nearest)


FUNCTIONS: dict[str, Handler] = {
    **dict.fromkeys(RANGE_FUNCTIONS, _range_call),
    **{name: _math(name) for name in fi.MATH_FUNCTIONS},
    **{name: _date(name) for name in fi.DATE_FUNCTIONS},
    "absent": _absent,
    "absent_over_time": _absent_over_time,
    "timestamp": _timestamp,
    "time": lambda ev, call, ts: ts,
    "pi": lambda ev, call, ts: math.pi,
    "scalar": _scalar,
    "vector": lambda ev, call, ts: [VectorSample(LabelSet(), ev.scalar(call.args[0], ts))],
    "round": _round,
    "clamp": lambda ev, call, ts: fi.clamp(
        ev.vector(call.args[0], ts), ev.scalar(call.args[1], ts), ev.scalar(call.args[2], ts)
    ),
    "clamp_min": lambda ev, call, ts: fi.clamp(
        ev.vector(call.args[0], ts), ev.scalar(call.args[1], ts), math.inf
    ),
    "clamp_max": lambda ev, call, ts: fi.clamp(
        ev.vector(call.args[0], ts), -math.inf, ev.scalar(call.args[1], ts)
    ),
    "sort": lambda ev, call, ts: fi.sort_vector(ev.vector(call.args[0], ts), descending=False),
    "sort_desc": lambda ev, call, ts: fi.sort_vector(ev.vector(call.args[0], ts), descending=True),
    "histogram_quantile": lambda ev, call, ts: histogram_quantile(
        ev.scalar(call.args[0], ts), ev.vector(call.args[1], ts)
    ),
    "label_replace": lambda ev, call, ts: label_replace(
        ev.vector(call.args[0], ts), *(_string(arg) for arg in call.args[1:5])
    ),
    "label_join": lambda ev, call, ts: label_join(
        ev.vector(call.args[0], ts),
        _string(call.args[1]),
        _string(call.args[2]),
        [_string(arg) for arg in call.args[3:]],
    ),
}
