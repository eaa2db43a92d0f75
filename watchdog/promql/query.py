"""A parsed query and the functions that evaluate it at one instant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from watchdog.promql.engine import Evaluator
from watchdog.promql.errors import PromQLError
from watchdog.promql.limits import Budget, EvalLimits
from watchdog.promql.nodes import (
    MatrixSelectorNode,
    Node,
    Selector,
    SubqueryNode,
    ValueType,
    VectorSelectorNode,
)
from watchdog.promql.parse import children, parse_expression
from watchdog.promql.values import Matrix, Scalar, SeriesSource, String, Vector, VectorSample
from watchdog.samples import LabelSet
from watchdog.store import SeriesPoints

__all__ = ["DEFAULT_SUBQUERY_STEP", "Query", "evaluate", "evaluate_matrix", "evaluate_range"]

DEFAULT_SUBQUERY_STEP = 60.0  # Prometheus' default global evaluation_interval


class Query:
    """A PromQL expression, parsed and checked for support once, evaluated many times."""

    __slots__ = ("root", "text")

    def __init__(self, text: str, root: Node) -> None:
        self.text = text
        self.root = root

    @classmethod
    def parse(cls, text: str) -> Query:
        """Parse ``text``; raises PromQLError, or UnsupportedError for refused constructs."""
        return cls(text, parse_expression(text))

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    @property
    def value_type(self) -> ValueType:
        """``vector``, ``scalar``, ``string`` or ``matrix``."""
        return self.root.type

    def selectors(self) -> list[Selector]:
        """Every vector and matrix selector, in the order written."""
        return [selector for selector, _ in _walk_selectors(self.root, 0.0)]

    def lookback_window(self) -> float:
        """Seconds of history before the evaluation time that any selector reads.

        Range plus offset, plus the range and offset of every subquery around the selector;
        the instant-selector lookback comes on top (the store adds it).
        """
        needs = [
            extra + selector.range + selector.offset
            for selector, extra in _walk_selectors(self.root, 0.0)
        ]
        return max([0.0, *needs])

    def metric_names(self) -> set[str] | None:
        """The metric names selected, or None when some selector has no fixed name."""
        names: set[str] = set()
        for selector in self.selectors():
            if selector.name is None:
                return None
            names.add(selector.name)
        return names


def _walk_selectors(node: Node, extra: float) -> Iterator[tuple[Selector, float]]:
    if isinstance(node, VectorSelectorNode | MatrixSelectorNode):
        yield node.selector, extra
        return
    if isinstance(node, SubqueryNode):
        extra += node.range + node.offset
    for child in children(node):
        yield from _walk_selectors(child, extra)


def evaluate(
    query: Query,
    source: SeriesSource,
    ts: float,
    *,
    lookback: float = 300.0,
    subquery_step: float = DEFAULT_SUBQUERY_STEP,
    limits: EvalLimits | None = None,
) -> Vector | Scalar | String:
    """Evaluate ``query`` at ``ts`` (an instant query); raises PromQLError on failure.

    ``limits`` bound the samples touched and the wall time (defaults: :class:`EvalLimits`());
    exceeding them raises :class:`~watchdog.promql.limits.QueryLimitError`.
    """
    root, ts = query.root, float(ts)
    evaluator = Evaluator(source, lookback, subquery_step, Budget(limits or EvalLimits()), ts, ts)
    with _contained(query):
        if root.type == "vector":
            return evaluator.vector(root, ts)
        if root.type == "scalar":
            return Scalar(evaluator.scalar(root, ts))
        if root.type == "string":
            return String(evaluator.string(root))
    raise PromQLError(
        f"{query.text!r} returns a range vector; only instant vectors, scalars and strings "
        "can be results here (use evaluate_matrix)"
    )


def evaluate_matrix(
    query: Query,
    source: SeriesSource,
    ts: float,
    *,
    lookback: float = 300.0,
    subquery_step: float = DEFAULT_SUBQUERY_STEP,
    limits: EvalLimits | None = None,
) -> Matrix:
    """Evaluate a range-vector query (a range selector or subquery) at ``ts``."""
    if query.root.type != "matrix":
        raise PromQLError(f"{query.text!r} returns a {query.root.type}, not a range vector")
    ts = float(ts)
    budget = Budget(limits or EvalLimits())
    with _contained(query):
        return Evaluator(source, lookback, subquery_step, budget, ts, ts).matrix(query.root, ts)


def evaluate_range(
    query: Query,
    source: SeriesSource,
    start: float,
    end: float,
    step: float,
    *,
    lookback: float = 300.0,
    subquery_step: float = DEFAULT_SUBQUERY_STEP,
    limits: EvalLimits | None = None,
) -> Matrix:
    """A range query: ``query`` at ``start, start + step, ... <= end``, one series per label set.

    Like Prometheus' range queries: only instant vectors and scalars (a scalar becomes one series
    without labels), ``@ start()``/``@ end()`` refer to ``start``/``end``, and the limits cover
    the whole range.
    """
    if query.root.type not in ("vector", "scalar"):
        raise PromQLError(
            f"invalid expression type {query.root.type!r} for range query, "
            "must be scalar or instant vector"
        )
    if not step > 0:
        raise PromQLError("zero or negative query resolution step widths are not accepted")
    if end < start:
        raise PromQLError("end timestamp must not be before start time")
    start_ms, end_ms, step_ms = round(start * 1000), round(end * 1000), round(step * 1000)
    budget = Budget(limits or EvalLimits())
    evaluator = Evaluator(source, lookback, subquery_step, budget, start_ms / 1000, end_ms / 1000)
    series: dict[LabelSet, list[tuple[float, float]]] = {}
    root = query.root
    with _contained(query):
        for at_ms in range(start_ms, end_ms + 1, max(step_ms, 1)):
            at = at_ms / 1000
            vector = (
                evaluator.vector(root, at)
                if root.type == "vector"
                else [VectorSample(LabelSet(), evaluator.scalar(root, at))]
            )
            for sample in vector:
                series.setdefault(sample.labels, []).append((at, sample.value))
            budget.charge(len(vector), "a range query step")
    return [SeriesPoints(labels, points) for labels, points in series.items()]


@contextmanager
def _contained(query: Query) -> Iterator[None]:
    """Turn arithmetic or recursion failures (which would be our bugs) into PromQLError."""
    try:
        yield
    except (ArithmeticError, ValueError, RecursionError) as exc:
        raise PromQLError(f"evaluating {query.text!r} failed: {type(exc).__name__}: {exc}") from exc
