"""A parsed query and the functions that evaluate it at one instant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from watchdog.promql.engine import Evaluator
from watchdog.promql.errors import PromQLError
from watchdog.promql.nodes import (
    AggregateNode,
    BinaryNode,
    CallNode,
    MatrixSelectorNode,
    NegationNode,
    Node,
    Selector,
    SubqueryNode,
    ValueType,
    VectorSelectorNode,
)
from watchdog.promql.parse import parse_expression
from watchdog.promql.values import Matrix, Scalar, SeriesSource, String, Vector

__all__ = ["DEFAULT_SUBQUERY_STEP", "Query", "evaluate", "evaluate_matrix"]

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


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, NegationNode | SubqueryNode):
        return (node.expr,)
    if isinstance(node, BinaryNode):
        return (node.lhs, node.rhs)
    if isinstance(node, AggregateNode):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, CallNode):
        return node.args
    return ()


def _walk_selectors(node: Node, extra: float) -> Iterator[tuple[Selector, float]]:
    if isinstance(node, VectorSelectorNode | MatrixSelectorNode):
        yield node.selector, extra
        return
    if isinstance(node, SubqueryNode):
        extra += node.range + node.offset
    for child in _children(node):
        yield from _walk_selectors(child, extra)


def evaluate(
    query: Query,
    source: SeriesSource,
    ts: float,
    *,
    lookback: float = 300.0,
    subquery_step: float = DEFAULT_SUBQUERY_STEP,
) -> Vector | Scalar | String:
    """Evaluate ``query`` at ``ts`` (an instant query); raises PromQLError on failure."""
    evaluator = Evaluator(source, lookback, subquery_step)
    root, ts = query.root, float(ts)
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
) -> Matrix:
    """Evaluate a range-vector query (a range selector or subquery) at ``ts``."""
    if query.root.type != "matrix":
        raise PromQLError(f"{query.text!r} returns a {query.root.type}, not a range vector")
    with _contained(query):
        return Evaluator(source, lookback, subquery_step).matrix(query.root, float(ts))


@contextmanager
def _contained(query: Query) -> Iterator[None]:
    """Turn arithmetic or recursion failures (which would be our bugs) into PromQLError."""
    try:
        yield
    except (ArithmeticError, ValueError, RecursionError) as exc:
        raise PromQLError(f"evaluating {query.text!r} failed: {type(exc).__name__}: {exc}") from exc
