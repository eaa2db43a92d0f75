"""The evaluator's own expression tree, built once from promql-parser's AST.

Parentheses are gone (Prometheus unwraps them wherever it matters), every node knows its value
type, and selectors carry ready-to-use store matchers, so evaluation never touches the parser's
objects again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from watchdog.store import Matcher

__all__ = [
    "AggregateNode",
    "AtTime",
    "BinaryNode",
    "CallNode",
    "Cardinality",
    "MatrixSelectorNode",
    "NegationNode",
    "Node",
    "NumberNode",
    "Selector",
    "StringNode",
    "SubqueryNode",
    "ValueType",
    "VectorMatching",
    "VectorSelectorNode",
]

ValueType = Literal["vector", "scalar", "string", "matrix"]
Cardinality = Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]
AtTime = float | Literal["start", "end"]
"""An ``@`` modifier: a Unix time in seconds (milliseconds precision), ``start()`` or ``end()``."""


@dataclass(frozen=True, slots=True)
class Selector:
    """A vector or matrix selector as written: metric name, matchers, range (0 if none), offset.

    ``name`` is the fixed metric name (from ``name{...}`` or ``{__name__="name"}``) or None;
    ``matchers`` include the ``__name__`` matcher; ``at`` is the ``@`` modifier, if any.
    """

    name: str | None
    matchers: tuple[Matcher, ...]
    range: float
    offset: float
    at: AtTime | None = None


@dataclass(frozen=True, slots=True)
class NumberNode:
    """A number literal."""

    value: float
    type: ValueType = "scalar"


@dataclass(frozen=True, slots=True)
class StringNode:
    """A string literal."""

    value: str
    type: ValueType = "string"


@dataclass(frozen=True, slots=True)
class VectorSelectorNode:
    """An instant vector selector."""

    selector: Selector
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class MatrixSelectorNode:
    """A range vector selector ``name{...}[range] offset x``."""

    selector: Selector
    type: ValueType = "matrix"


@dataclass(frozen=True, slots=True)
class SubqueryNode:
    """``expr[range:step] offset x @ t``; ``step`` None means the default evaluation interval."""

    expr: Node
    range: float
    step: float | None
    offset: float
    at: AtTime | None = None
    type: ValueType = "matrix"


@dataclass(frozen=True, slots=True)
class NegationNode:
    """Unary minus."""

    expr: Node
    type: ValueType


@dataclass(frozen=True, slots=True)
class VectorMatching:
    """How the two vectors of a binary operation are matched.

    ``on`` True means ``on(labels)``, False means ``ignoring(labels)``; ``include`` are the extra
    labels named in ``group_left``/``group_right``.
    """

    cardinality: Cardinality
    on: bool
    labels: tuple[str, ...]
    include: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BinaryNode:
    """A binary operation; ``matching`` is set when both sides are vectors."""

    op: str
    lhs: Node
    rhs: Node
    return_bool: bool
    matching: VectorMatching | None
    type: ValueType


@dataclass(frozen=True, slots=True)
class AggregateNode:
    """An aggregation with its optional parameter and ``by``/``without`` grouping."""

    op: str
    expr: Node
    param: Node | None
    grouping: tuple[str, ...]
    without: bool
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class CallNode:
    """A function call."""

    name: str
    args: tuple[Node, ...]
    type: ValueType


Node = (
    NumberNode
    | StringNode
    | VectorSelectorNode
    | MatrixSelectorNode
    | SubqueryNode
    | NegationNode
    | BinaryNode
    | AggregateNode
    | CallNode
)
