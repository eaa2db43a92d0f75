"""Binary operators: arithmetic, comparisons and set operations, with vector matching.

Name handling follows Prometheus 2.42: arithmetic (``+ - * / % ^``) and ``bool`` comparisons drop
``__name__``; filtering comparisons and ``atan2`` keep it. One-to-one matching with ``on(...)``
keeps only the ``on`` labels, with ``ignoring(...)`` drops the ignored ones.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from watchdog.promql.errors import PromQLError
from watchdog.promql.gomath import div, mod, pow_
from watchdog.promql.nodes import VectorMatching
from watchdog.promql.values import Vector, VectorSample, drop_name
from watchdog.samples import METRIC_NAME, LabelSet

__all__ = ["COMPARISONS", "scalar_binary", "vector_scalar", "vector_vector"]

ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": div,
    "%": mod,
    "^": pow_,
    "atan2": math.atan2,
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
_DROPS_NAME = frozenset({"+", "-", "*", "/", "%", "^"})
Signature = tuple[object, ...]


def scalar_binary(op: str, lhs: float, rhs: float) -> float:
    """Scalar op scalar (comparisons between scalars always carry ``bool``)."""
    compare = COMPARISONS.get(op)
    if compare is not None:
        return 1.0 if compare(lhs, rhs) else 0.0
    return ARITHMETIC[op](lhs, rhs)


def vector_scalar(
    op: str, vector: Vector, scalar: float, scalar_left: bool, return_bool: bool
) -> Vector:
    """Vector op scalar (or scalar op vector when ``scalar_left``)."""
    compare = COMPARISONS.get(op)
    drop = op in _DROPS_NAME or return_bool
    out: Vector = []
    for sample in vector:
        lhs, rhs = (scalar, sample.value) if scalar_left else (sample.value, scalar)
        if compare is None:
            value = ARITHMETIC[op](lhs, rhs)
        elif return_bool:
            value = 1.0 if compare(lhs, rhs) else 0.0
        elif compare(lhs, rhs):
            value = sample.value  # a filter keeps the vector's own value
        else:
            continue
        out.append(VectorSample(drop_name(sample.labels) if drop else sample.labels, value))
    return out


def _signature(matching: VectorMatching) -> Callable[[LabelSet], Signature]:
    if matching.on:
        names = tuple(sorted(set(matching.labels)))
        return lambda labels: tuple(labels.get(name, "") for name in names)
    ignored = {*matching.labels, METRIC_NAME}
    return lambda labels: tuple(p for p in labels.pairs() if p[0] not in ignored)


def _matched_labels(labels: LabelSet, matching: VectorMatching) -> str:
    if matching.on:
        kept = LabelSet((k, v) for k, v in labels.pairs() if k in matching.labels)
    else:
        kept = labels.without(*matching.labels, METRIC_NAME)
    return kept.promql()


def vector_vector(
    op: str, lhs: Vector, rhs: Vector, matching: VectorMatching, return_bool: bool
) -> Vector:
    """Vector op vector with one-to-one, many-to-one or one-to-many matching, or a set op."""
    signature = _signature(matching)
    if op == "and":
        right = {signature(s.labels) for s in rhs}
        return [s for s in lhs if signature(s.labels) in right]
    if op == "unless":
        right = {signature(s.labels) for s in rhs}
        return [s for s in lhs if signature(s.labels) not in right]
    if op == "or":
        left = {signature(s.labels) for s in lhs}
        return [*lhs, *(s for s in rhs if signature(s.labels) not in left)]
    return _matched(op, lhs, rhs, matching, return_bool, signature)


def _matched(
    op: str,
    lhs: Vector,
    rhs: Vector,
    matching: VectorMatching,
    return_bool: bool,
    signature: Callable[[LabelSet], Signature],
) -> Vector:
    swapped = matching.cardinality == "one-to-many"
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    one_side: dict[Signature, VectorSample] = {}
    for sample in one:
        sig = signature(sample.labels)
        duplicate = one_side.get(sig)
        if duplicate is not None:
            group = _matched_labels(sample.labels, matching)
            raise PromQLError(
                f"found duplicate series for the match group {group}"
                f" on the {'left' if swapped else 'right'} hand-side of the operation: "
                f"[{sample.labels.promql()}, {duplicate.labels.promql()}];many-to-many matching "
                "not allowed: matching labels must be unique on one side"
            )
        one_side[sig] = sample
    compare = COMPARISONS.get(op)
    arithmetic = ARITHMETIC.get(op)
    one_to_one = matching.cardinality == "one-to-one"
    matched: dict[Signature, set[LabelSet]] = {}
    out: Vector = []
    for sample in many:
        sig = signature(sample.labels)
        partner = one_side.get(sig)
        if partner is None:
            continue
        left, right = (partner.value, sample.value) if swapped else (sample.value, partner.value)
        if compare is None:
            assert arithmetic is not None
            value = arithmetic(left, right)
        else:
            keep = compare(left, right)
            if return_bool:
                value = 1.0 if keep else 0.0
            elif keep:
                value = left
            else:
                continue
        labels = _result_labels(sample.labels, partner.labels, op, matching)
        if return_bool:
            labels = drop_name(labels)
        seen = matched.get(sig)
        if one_to_one:
            if seen is not None:
                raise PromQLError(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    f"(group_left/group_right); series {sample.labels.promql()} matched again"
                )
            matched[sig] = set()
        else:
            if seen is None:
                seen = matched[sig] = set()
            elif labels in seen:
                raise PromQLError(
                    "multiple matches for labels: grouping labels must ensure unique matches "
                    f"(result {labels.promql()} produced twice)"
                )
            seen.add(labels)
        out.append(VectorSample(labels, value))
    return out


def _result_labels(many: LabelSet, one: LabelSet, op: str, matching: VectorMatching) -> LabelSet:
    labels = dict(many.pairs())
    if op in _DROPS_NAME:
        labels.pop(METRIC_NAME, None)
    if matching.cardinality == "one-to-one":
        if matching.on:
            labels = {k: v for k, v in labels.items() if k in matching.labels}
        else:
            for name in matching.labels:
                labels.pop(name, None)
    for name in matching.include:  # group_x(extra) labels come from the "one" side
        value = one.get(name, "")
        if value:
            labels[name] = value
        else:
            labels.pop(name, None)
    return LabelSet(labels)
