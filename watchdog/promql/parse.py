"""Parse PromQL with promql-parser and convert it into our node tree, refusing what we lack.

promql-parser follows newer Prometheus releases than our 2.42 reference, so constructs that
2.42 does not know (``or`` inside matchers, ``fill()`` modifiers, newer functions and
aggregations, number literals written as durations) are refused here too, with a message naming
the construct.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

import promql_parser

from watchdog.promql.calls import FUNCTIONS, SCALAR_FUNCTIONS
from watchdog.promql.errors import PromQLError, UnsupportedError
from watchdog.promql.labelfuncs import LABEL_NAME, check_label_function
from watchdog.promql.nodes import (
    AggregateNode,
    AtTime,
    BinaryNode,
    CallNode,
    Cardinality,
    MatrixSelectorNode,
    NegationNode,
    Node,
    NumberNode,
    Selector,
    StringNode,
    SubqueryNode,
    VectorMatching,
    VectorSelectorNode,
)
from watchdog.promql.prelex import MAX_DEPTH, check_text, extract_at_times
from watchdog.samples import METRIC_NAME
from watchdog.store import Matcher, MatchOp
from watchdog.userregex import RegexError

__all__ = ["AGGREGATIONS", "BINARY_OPERATORS", "parse_expression", "tree_depth"]

AGGREGATIONS = frozenset(
    {"sum", "min", "max", "avg", "count", "count_values", "topk", "bottomk", "quantile"}
    | {"stddev", "stdvar", "group"}
)
BINARY_OPERATORS = frozenset(
    {"+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or"}
    | {"unless"}
)
_MATCH_OPS: dict[str, MatchOp] = {
    "MatchOp.Equal": "=",
    "MatchOp.NotEqual": "!=",
    "MatchOp.Re": "=~",
    "MatchOp.NotRe": "!~",
}
_CARDINALITY: dict[str, Cardinality] = {
    "VectorMatchCardinality.OneToOne": "one-to-one",
    "VectorMatchCardinality.ManyToOne": "many-to-one",
    "VectorMatchCardinality.OneToMany": "one-to-many",
    "VectorMatchCardinality.ManyToMany": "many-to-many",
}


def _register_holt_winters() -> None:
    # promql-parser dropped holt_winters (renamed in Prometheus 3); 2.42 still has it.
    spec = promql_parser.Function(
        "holt_winters",
        [promql_parser.ValueType.Matrix, *[promql_parser.ValueType.Scalar] * 2],
        promql_parser.ValueType.Vector,
    )
    promql_parser.register_extra_functions([spec])


_register_holt_winters()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_AT_TIMES: ContextVar[tuple[float, ...]] = ContextVar("_AT_TIMES", default=())


def parse_expression(text: str) -> Node:
    """Parse ``text`` into our node tree; raises PromQLError or UnsupportedError."""
    check_text(text)
    rewritten, at_times = extract_at_times(text)
    try:
        tree = promql_parser.parse(rewritten)
    except ValueError as exc:
        raise PromQLError(f"parse error in {text!r}: {_parser_message(exc)}") from None
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException
        if not type(exc).__name__.endswith("PanicException"):
            raise
        raise PromQLError(f"parse error in {text!r}: the parser failed: {exc}") from None
    token = _AT_TIMES.set(at_times)
    try:
        root = _convert(tree)
    except RecursionError:
        root = None
    finally:
        _AT_TIMES.reset(token)
    if root is None or tree_depth(root) > MAX_DEPTH:
        raise PromQLError(
            f"expression nested too deeply: more than {MAX_DEPTH} levels of operations "
            f"in {text[:120]!r}"
        )
    return root


def _parser_message(exc: ValueError) -> str:
    message = str(exc)
    if message.startswith("illegal regex for") and "\\Q" in message:
        message += " (\\Q...\\E quoting is not supported: escape the characters instead)"
    return message


def tree_depth(root: Node) -> int:
    """Levels of the node tree (1 for a leaf), computed without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(node))
    return deepest


def children(node: Node) -> tuple[Node, ...]:
    """The direct operands of ``node``."""
    if isinstance(node, NegationNode | SubqueryNode):
        return (node.expr,)
    if isinstance(node, BinaryNode):
        return (node.lhs, node.rhs)
    if isinstance(node, AggregateNode):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, CallNode):
        return node.args
    return ()


def _at(modifier: Any) -> AtTime | None:
    if modifier is None:
        return None
    kind = str(modifier.type)
    if kind.endswith("Start"):
        return "start"
    if kind.endswith("End"):
        return "end"
    placeholder = round((modifier.at - _EPOCH).total_seconds())
    at_time: float = _AT_TIMES.get()[placeholder - 1]
    return at_time


def _seconds(delta: timedelta | None) -> float:
    if delta is None:
        return 0.0
    return round(delta / timedelta(milliseconds=1)) / 1000.0


def _convert(expr: Any) -> Node:
    if isinstance(expr, promql_parser.ParenExpr):
        return _convert(expr.expr)
    if isinstance(expr, promql_parser.NumberLiteral):
        return NumberNode(float(expr.val))
    if isinstance(expr, promql_parser.StringLiteral):
        return StringNode(str(expr.val))
    if isinstance(expr, promql_parser.VectorSelector):
        return VectorSelectorNode(_selector(expr, 0.0))
    if isinstance(expr, promql_parser.MatrixSelector):
        return MatrixSelectorNode(_selector(expr.vector_selector, _seconds(expr.range)))
    if isinstance(expr, promql_parser.SubqueryExpr):
        return _subquery(expr)
    if isinstance(expr, promql_parser.UnaryExpr):
        inner = _convert(expr.expr)
        return NegationNode(inner, inner.type)
    if isinstance(expr, promql_parser.BinaryExpr):
        return _binary(expr)
    if isinstance(expr, promql_parser.AggregateExpr):
        return _aggregate(expr)
    if isinstance(expr, promql_parser.Call):
        return _call(expr)
    raise UnsupportedError(f"unsupported expression {type(expr).__name__}: {expr}")


def _selector(expr: Any, range_: float) -> Selector:
    text = str(expr)
    if expr.matchers.or_matchers:
        raise UnsupportedError(f"'or' inside label matchers is not supported (in {text})")
    matchers: list[Matcher] = []
    name: str | None = expr.name
    if name is not None:
        matchers.append(Matcher(METRIC_NAME, "=", name))
    for item in expr.matchers.matchers:
        op = _MATCH_OPS[str(item.op)]
        try:
            matchers.append(Matcher(item.name, op, item.value))
        except RegexError as exc:
            raise PromQLError(f"{exc} (in {text})") from None
        if name is None and item.name == METRIC_NAME and op == "=":
            name = item.value
    return Selector(name, tuple(matchers), range_, _seconds(expr.offset), _at(expr.at))


def _subquery(expr: Any) -> SubqueryNode:
    step = _seconds(expr.step) if expr.step is not None else None
    if step is not None and step <= 0:
        step = None
    inner = _convert(expr.expr)
    return SubqueryNode(inner, _seconds(expr.range), step, _seconds(expr.offset), _at(expr.at))


def _binary(expr: Any) -> BinaryNode:
    op = str(expr.op)
    if op not in BINARY_OPERATORS:
        raise UnsupportedError(f"unsupported binary operator '{op}'")
    lhs, rhs = _convert(expr.lhs), _convert(expr.rhs)
    modifier = expr.modifier
    return_bool = bool(modifier is not None and modifier.return_bool)
    if modifier is not None and modifier.fill_values is not None:
        fill = modifier.fill_values
        if fill.lhs is not None or fill.rhs is not None:
            raise UnsupportedError(f"fill modifiers are not supported (in {expr})")
    if lhs.type == "scalar" and rhs.type == "scalar":
        return BinaryNode(op, lhs, rhs, return_bool, None, "scalar")
    matching = None
    if lhs.type == "vector" and rhs.type == "vector":
        matching = _matching(op, modifier)
    return BinaryNode(op, lhs, rhs, return_bool, matching, "vector")


def _matching(op: str, modifier: Any) -> VectorMatching:
    set_op = op in ("and", "or", "unless")
    cardinality: Cardinality = "many-to-many" if set_op else "one-to-one"
    on, labels, include = False, (), ()
    if modifier is not None:
        cardinality = _CARDINALITY[str(modifier.card)]
        if modifier.matching is not None:
            on = str(modifier.matching.type) == "LabelModifierType.Include"
            labels = tuple(modifier.matching.labels)
        include = tuple(modifier.group_labels or ())
    return VectorMatching(cardinality, on, labels, include)


def _aggregate(expr: Any) -> AggregateNode:
    op = str(expr.op)
    if op not in AGGREGATIONS:
        raise UnsupportedError(f"unsupported aggregation '{op}'")
    param = _convert(expr.param) if expr.param is not None else None
    if (
        op == "count_values"
        and isinstance(param, StringNode)
        and not LABEL_NAME.fullmatch(param.value)
    ):
        raise PromQLError(f"invalid label name {param.value!r} in {expr}")
    grouping: tuple[str, ...] = ()
    without = False
    if expr.modifier is not None:
        grouping = tuple(expr.modifier.labels)
        without = str(expr.modifier.type) == "AggModifierType.Without"
    return AggregateNode(op, _convert(expr.expr), param, grouping, without)


def _call(expr: Any) -> CallNode:
    name = str(expr.func.name)
    if name not in FUNCTIONS:
        raise UnsupportedError(f"unsupported function '{name}'")
    args = tuple(_convert(arg) for arg in expr.args)
    check_label_function(name, args)
    return CallNode(name, args, "scalar" if name in SCALAR_FUNCTIONS else "vector")
