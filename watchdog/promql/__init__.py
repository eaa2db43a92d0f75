"""PromQL evaluation over the sample store, with Prometheus 2.42 semantics.

Expressions are parsed by promql-parser (no hand-written parser), converted once into our node
tree and checked for support; refused constructs raise :class:`UnsupportedError` at parse time.
See ``docs/promql.md`` for what is supported.
"""

from __future__ import annotations

from watchdog.promql.errors import PromQLError, UnsupportedError
from watchdog.promql.limits import (
    EvalLimits,
    QueryLimitError,
    QueryTimeoutError,
    TooManySamplesError,
)
from watchdog.promql.nodes import Selector
from watchdog.promql.query import (
    DEFAULT_SUBQUERY_STEP,
    Query,
    evaluate,
    evaluate_matrix,
    evaluate_range,
)
from watchdog.promql.values import (
    Matrix,
    Scalar,
    SeriesSource,
    String,
    Vector,
    VectorSample,
)

__all__ = [
    "DEFAULT_SUBQUERY_STEP",
    "EvalLimits",
    "Matrix",
    "PromQLError",
    "Query",
    "QueryLimitError",
    "QueryTimeoutError",
    "Scalar",
    "Selector",
    "SeriesSource",
    "String",
    "TooManySamplesError",
    "UnsupportedError",
    "Vector",
    "VectorSample",
    "evaluate",
    "evaluate_matrix",
    "evaluate_range",
]
