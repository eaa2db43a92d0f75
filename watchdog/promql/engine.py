"""Evaluate a node tree at one instant over a series source.

Selectors read the source (instant selectors through its lookback, range selectors over the
closed window ``[t - range, t]`` like Prometheus 2.x); subqueries evaluate their inner expression
at every step aligned to multiples of the step; everything else combines evaluated children.
An ``@`` modifier replaces the evaluation time of its selector or subquery (``start()`` and
``end()`` are the query's first and last step); ``offset`` applies after it. Every node and
every subquery step checks the evaluation's :class:`~watchdog.promql.limits.Budget`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from watchdog.durations import format_duration
from watchdog.promql.aggregations import aggregate
from watchdog.promql.binops import scalar_binary, vector_scalar, vector_vector
from watchdog.promql.calls import FUNCTIONS
from watchdog.promql.errors import PromQLError
from watchdog.promql.limits import Budget
from watchdog.promql.nodes import (
    AggregateNode,
    AtTime,
    BinaryNode,
    CallNode,
    MatrixSelectorNode,
    NegationNode,
    Node,
    NumberNode,
    Selector,
    StringNode,
    SubqueryNode,
    VectorSelectorNode,
)
from watchdog.promql.values import (
    Matrix,
    SeriesSource,
    Vector,
    VectorSample,
    drop_name,
    ensure_unique,
)
from watchdog.samples import LabelSet
from watchdog.store import InstantPoint, SeriesPoints

__all__ = ["Evaluator"]


class Evaluator:
    """Evaluates nodes at given instants; holds the source, lookback settings and budget.

    ``start``/``end`` are the query's first and last evaluation time (the same instant for an
    instant query), which ``@ start()`` and ``@ end()`` refer to.
    """

    def __init__(
        self,
        source: SeriesSource,
        lookback: float,
        subquery_step: float,
        budget: Budget,
        start: float,
        end: float,
    ) -> None:
        self.source = source
        self.lookback = lookback
        self.subquery_step = subquery_step
        self.budget = budget
        self.start = start
        self.end = end
        self._vector_kinds: dict[type[Any], Callable[[Any, float], Vector]] = {
            VectorSelectorNode: self._selector,
            NegationNode: self._negate,
            BinaryNode: self._binary,
            AggregateNode: self._aggregate,
            CallNode: self._call_vector,
        }

    # -- typed entry points ---------------------------------------------------------------

    def vector(self, node: Node, ts: float) -> Vector:
        """Evaluate an instant-vector expression."""
        self.budget.check_time("an instant vector")
        return self._vector_kinds[type(node)](node, ts)

    def scalar(self, node: Node, ts: float) -> float:
        """Evaluate a scalar expression."""
        if isinstance(node, NumberNode):
            return node.value
        if isinstance(node, NegationNode):
            return -self.scalar(node.expr, ts)
        if isinstance(node, BinaryNode):
            return scalar_binary(node.op, self.scalar(node.lhs, ts), self.scalar(node.rhs, ts))
        if isinstance(node, CallNode):
            result = FUNCTIONS[node.name](self, node, ts)
            assert isinstance(result, float)
            return result
        raise PromQLError(f"expected a scalar expression, got {type(node).__name__}")

    def string(self, node: Node) -> str:
        """Evaluate a string expression (only literals exist)."""
        assert isinstance(node, StringNode)
        return node.value

    def matrix(self, node: Node, ts: float) -> Matrix:
        """Evaluate a range selector or a subquery."""
        if isinstance(node, MatrixSelectorNode):
            sel = node.selector
            end = self.at_time(sel.at, ts) - sel.offset
            matrix = self.source.range(sel.matchers, end - sel.range, end)
            self.budget.charge(sum(len(s.points) for s in matrix), "a range selector")
            return matrix
        if isinstance(node, SubqueryNode):
            return self._subquery(node, ts)
        raise PromQLError(f"expected a range vector expression, got {type(node).__name__}")

    def instant_points(self, selector: Selector, ts: float) -> list[InstantPoint]:
        """The latest point of each selected series, with its own timestamp."""
        at = self.at_time(selector.at, ts) - selector.offset
        points = self.source.instant(selector.matchers, at, self.lookback)
        self.budget.charge(len(points), "an instant selector")
        return points

    def at_time(self, at: AtTime | None, ts: float) -> float:
        """The time a selector or subquery with modifier ``at`` is evaluated at, from ``ts``."""
        if at is None:
            return ts
        if at == "start":
            return self.start
        if at == "end":
            return self.end
        return at

    # -- node kinds -------------------------------------------------------------------------

    def _selector(self, node: VectorSelectorNode, ts: float) -> Vector:
        return [VectorSample(p.labels, p.value) for p in self.instant_points(node.selector, ts)]

    def _negate(self, node: NegationNode, ts: float) -> Vector:
        out = [VectorSample(drop_name(s.labels), -s.value) for s in self.vector(node.expr, ts)]
        ensure_unique(s.labels for s in out)
        return out

    def _binary(self, node: BinaryNode, ts: float) -> Vector:
        if node.matching is None:  # one side is a scalar
            scalar_left = node.lhs.type == "scalar"
            vector_node, scalar_node = (node.rhs, node.lhs) if scalar_left else (node.lhs, node.rhs)
            vector, scalar = self.vector(vector_node, ts), self.scalar(scalar_node, ts)
            out = vector_scalar(node.op, vector, scalar, scalar_left, node.return_bool)
        else:
            lhs, rhs = self.vector(node.lhs, ts), self.vector(node.rhs, ts)
            out = vector_vector(node.op, lhs, rhs, node.matching, node.return_bool)
        ensure_unique(s.labels for s in out)
        return out

    def _aggregate(self, node: AggregateNode, ts: float) -> Vector:
        param: float | str | None = None
        if node.param is not None:
            param = (
                self.string(node.param)
                if node.param.type == "string"
                else self.scalar(node.param, ts)
            )
        return aggregate(node.op, self.vector(node.expr, ts), node.grouping, node.without, param)

    def _call_vector(self, node: CallNode, ts: float) -> Vector:
        result = FUNCTIONS[node.name](self, node, ts)
        assert isinstance(result, list)
        ensure_unique(s.labels for s in result)
        return result

    def _subquery(self, node: SubqueryNode, ts: float) -> Matrix:
        step_ms = round((node.step or self.subquery_step) * 1000)
        end_ms = round((self.at_time(node.at, ts) - node.offset) * 1000)
        start_ms = end_ms - round(node.range * 1000)
        first_ms = -(-start_ms // step_ms) * step_ms  # first multiple of the step at or after start
        steps = range(first_ms, end_ms + 1, step_ms)
        budget = self.budget
        if len(steps) > 1000:
            span = f"[{format_duration(node.range)}:{format_duration(step_ms / 1000)}]"
            budget.require(len(steps), f"the subquery {span} with {len(steps)} steps")
        series: dict[LabelSet, list[tuple[float, float]]] = {}
        for step_ts in steps:
            at = step_ts / 1000
            if node.expr.type == "scalar":
                series.setdefault(LabelSet(), []).append((at, self.scalar(node.expr, at)))
                budget.charge(1, "a subquery step")
                continue
            vector = self.vector(node.expr, at)
            for sample in vector:
                series.setdefault(sample.labels, []).append((at, sample.value))
            budget.charge(len(vector), "a subquery step")
        return [SeriesPoints(labels, points) for labels, points in series.items()]
