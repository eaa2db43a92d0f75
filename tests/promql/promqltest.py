"""Our reader and runner for Prometheus' PromQL test-file format (``promql/testdata/*.test``).

The format: ``load <step>`` followed by series lines (``name{l="v"} 0+10x5``), ``clear``, and
``eval[_fail|_ordered] instant at <time> <expr>`` followed by the expected result (series lines
with one value, or a bare number for a scalar). Comments start with ``#``; a blank line ends a
block.

Each eval runs like Prometheus 2.42's harness does it: as an instant query, then as a range
query from ``t - 1m`` to ``t + 1m`` with a 1m step whose point at ``t`` must agree (not for
``eval_ordered``), and again with ``@ t`` set on every selector and subquery at several other
evaluation times, unless the expression uses a function whose result depends on the
evaluation time. Values compare with a relative tolerance of 1e-6, label sets exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from watchdog.durations import parse_duration
from watchdog.promql import PromQLError, Query, Scalar, evaluate, evaluate_range
from watchdog.promql.nodes import (
    AggregateNode,
    BinaryNode,
    CallNode,
    MatrixSelectorNode,
    NegationNode,
    Node,
    SubqueryNode,
    VectorSelectorNode,
)
from watchdog.promql.parse import children
from watchdog.rules.promtool_tests.series import MISSING, STALE, Value, expand_values, parse_series
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

__all__ = ["Clear", "Eval", "EvalOutcome", "Load", "TestFileError", "parse_test_file", "run"]

_EVAL = re.compile(r"^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
_LOAD = re.compile(r"^load\s+(.+?)$")
_EPSILON = 1e-6
_MIN_NORMAL = 2.2250738585072014e-308
_AT_UNSAFE = frozenset(
    {"days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute"}
    | {"month", "year", "predict_linear", "time", "timestamp"}
)


class TestFileError(ValueError):
    """The test file does not follow the format."""

    __test__ = False


@dataclass(frozen=True)
class Load:
    """``load <step>``: series whose values are ``step`` apart from time 0."""

    step: float
    series: list[tuple[LabelSet, list[Value]]]


@dataclass(frozen=True)
class Clear:
    """``clear``: forget every loaded sample."""


@dataclass(frozen=True)
class Eval:
    """``eval instant at <time> <expr>`` and what it must return."""

    line: int
    expr: str
    at: float
    fail: bool
    ordered: bool
    expected: dict[LabelSet, tuple[int, float]] = field(default_factory=dict)
    scalar: float | None = None


Command = Load | Clear | Eval


def parse_test_file(text: str) -> list[Command]:
    """Read a test file into commands; raises TestFileError naming the line."""
    lines = ["" if line.strip().startswith("#") else line.strip() for line in text.split("\n")]
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        word = line.split(None, 1)[0].lower()
        block_end = i + 1
        while block_end < len(lines) and lines[block_end]:
            block_end += 1
        block = lines[i + 1 : block_end]
        try:
            if word == "clear":
                commands.append(Clear())
                block_end = i + 1
            elif word == "load":
                commands.append(_load(line, block))
            elif word.startswith("eval"):
                commands.append(_eval(line, block, i + 1))
            else:
                raise TestFileError(f"invalid command {line!r}")
        except (TestFileError, ValueError) as exc:
            raise TestFileError(f"line {i + 1}: {exc}") from None
        i = block_end
    return commands


def _series_line(line: str) -> tuple[LabelSet, list[Value]]:
    """``name{l="v", ...} values`` (the braces may hold spaces and quoted braces)."""
    close = -1
    if "{" in line:
        quote = ""
        escaped = False
        for pos in range(line.index("{"), len(line)):
            char = line[pos]
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "}":
                close = pos
                break
        selector, values = line[: close + 1], line[close + 1 :]
    else:
        selector, values = [*line.split(None, 1), ""][:2]
    return parse_series(selector), expand_values(values)


def _load(line: str, block: list[str]) -> Load:
    found = _LOAD.match(line)
    if found is None:
        raise TestFileError("invalid load command (load <step:duration>)")
    return Load(parse_duration(found.group(1)), [_series_line(entry) for entry in block])


def _eval(line: str, block: list[str], number: int) -> Eval:
    found = _EVAL.match(line)
    if found is None:
        raise TestFileError("invalid eval command")
    cmd = Eval(
        number,
        found.group(3),
        parse_duration(found.group(2) or "0s"),
        fail=found.group(1) == "fail",
        ordered=found.group(1) == "ordered",
    )
    for position, entry in enumerate(block, start=1):
        number_value = _scalar(entry)
        if number_value is not None:
            return replace(cmd, scalar=number_value)
        labels, values = _series_line(entry)
        if len(values) != 1 or not isinstance(values[0], float):
            raise TestFileError(f"expected exactly one value in {entry!r}")
        cmd.expected[labels] = (position, values[0])
    return cmd


def _scalar(text: str) -> float | None:
    values = text.split()
    if len(values) != 1:
        return None
    try:
        expanded = expand_values(values[0])
    except ValueError:
        return None
    return expanded[0] if len(expanded) == 1 and isinstance(expanded[0], float) else None


# -- running ---------------------------------------------------------------------------------


@dataclass
class EvalOutcome:
    """One eval's verdicts: instant queries (with their @ variants) and range queries."""

    line: int
    expr: str
    instant_errors: list[str] = field(default_factory=list)
    range_errors: list[str] = field(default_factory=list)


def run(path: Path) -> Iterator[EvalOutcome]:
    """Run every command of a test file; yield one outcome per eval."""
    store = _new_store()
    for cmd in parse_test_file(path.read_text()):
        if isinstance(cmd, Clear):
            store = _new_store()
        elif isinstance(cmd, Load):
            _append(store, cmd)
        else:
            yield _run_eval(store, cmd)


def _new_store() -> SampleStore:
    store = SampleStore()
    store.configure_retention(None, 1e12)
    return store


def _append(store: SampleStore, cmd: Load) -> None:
    step_ms = round(cmd.step * 1000)
    # Prometheus' storage hands series out in label order; load them that way.
    for labels, values in sorted(cmd.series, key=lambda item: sorted(item[0].items())):
        for index, value in enumerate(values):
            if value is MISSING:
                continue
            at = index * step_ms / 1000
            store.append(labels, at, None if value is STALE else value)  # type: ignore[arg-type]


def _run_eval(store: SampleStore, cmd: Eval) -> EvalOutcome:
    outcome = EvalOutcome(cmd.line, cmd.expr)
    try:
        query = Query.parse(cmd.expr)
    except PromQLError as exc:
        if not cmd.fail:
            outcome.instant_errors.append(f"parse error: {exc}")
            outcome.range_errors.append("not run: parse error")
        return outcome
    cases = [(query, cmd.at), *_at_modifier_cases(query, cmd.at)]
    for case, at in cases:
        outcome.instant_errors.extend(_instant(store, cmd, case, at))
        outcome.range_errors.extend(_range(store, cmd, case, at))
    return outcome


def _instant(store: SampleStore, cmd: Eval, query: Query, at: float) -> list[str]:
    where = f"{query.text!r} at {at:g}" if query.root is not None else ""
    try:
        result = evaluate(query, store, at)
    except PromQLError as exc:
        return [] if cmd.fail else [f"instant {where}: error {exc}"]
    if cmd.fail:
        return [f"instant {where}: expected an error, got none"]
    if isinstance(result, Scalar):
        return [f"instant {where}: {e}" for e in _compare_scalar(cmd, result.value)]
    if not isinstance(result, list):
        return [f"instant {where}: unexpected string result"]
    found = [(s.labels, s.value) for s in result]
    return [f"instant {where}: {e}" for e in _compare_vector(cmd, found, cmd.ordered)]


def _range(store: SampleStore, cmd: Eval, query: Query, at: float) -> list[str]:
    where = f"{query.text!r} around {at:g}"
    try:
        matrix = evaluate_range(query, store, at - 60, at + 60, 60)
    except PromQLError as exc:
        return [] if cmd.fail else [f"range {where}: error {exc}"]
    if cmd.fail:
        return [f"range {where}: expected an error, got none"]
    if cmd.ordered:
        return []  # ordering is not defined for range queries
    found = [(series.labels, value) for series in matrix for t, value in series.points if t == at]
    if query.value_type == "scalar":
        if not found:
            return [f"range {where}: no point at {at:g}"]
        return [f"range {where}: {e}" for e in _compare_scalar(cmd, found[0][1])]
    return [f"range {where}: {e}" for e in _compare_vector(cmd, found, ordered=False)]


def _compare_scalar(cmd: Eval, value: float) -> list[str]:
    if cmd.scalar is None:
        return [f"got scalar {value}, expected a vector"]
    if not almost_equal(cmd.scalar, value):
        return [f"expected scalar {cmd.scalar} but got {value}"]
    return []


def _compare_vector(cmd: Eval, found: list[tuple[LabelSet, float]], ordered: bool) -> list[str]:
    if cmd.scalar is not None:
        return [f"got a vector of {len(found)}, expected scalar {cmd.scalar}"]
    errors: list[str] = []
    seen: set[LabelSet] = set()
    for position, (labels, value) in enumerate(found, start=1):
        expected = cmd.expected.get(labels)
        if expected is None:
            errors.append(f"unexpected metric {labels.promql()} in result")
            continue
        if ordered and expected[0] != position:
            errors.append(f"{labels.promql()} at position {position}, expected {expected[0]}")
        if not almost_equal(expected[1], value):
            errors.append(f"expected {expected[1]} for {labels.promql()} but got {value}")
        seen.add(labels)
    errors.extend(
        f"expected metric {labels.promql()} not found"
        for labels in cmd.expected
        if labels not in seen
    )
    return errors


def almost_equal(a: float, b: float) -> bool:
    """Prometheus' test comparison: NaN equals NaN, else a relative error below 1e-6."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    diff = abs(a - b)
    if a == 0 or b == 0 or diff < _MIN_NORMAL:
        return diff < _EPSILON * _MIN_NORMAL
    return diff / (abs(a) + abs(b)) < _EPSILON


# -- the harness' @ variants ---------------------------------------------------------------------


def _at_modifier_cases(query: Query, at: float) -> list[tuple[Query, float]]:
    """The expression with ``@ at`` on every selector and outermost subquery, evaluated at other
    times: it must give the same result. Skipped when a function depends on evaluation time."""
    if _uses_unsafe_function(query.root):
        return []
    pinned = Query(f"{query.text} (every selector @ {at:g})", _pin(query.root, at))
    ms = round(at * 1000)
    times = [-1000, 0, 1000] if ms == 0 else [-10 * ms, 0, int(ms / 5), ms, 10 * ms]
    return [(pinned, t / 1000) for t in times]


def _uses_unsafe_function(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CallNode) and current.name in _AT_UNSAFE:
            return True
        stack.extend(children(current))
    return False


def _pin(node: Node, at: float) -> Node:
    if isinstance(node, VectorSelectorNode | MatrixSelectorNode):
        if node.selector.at is not None:
            return node
        return replace(node, selector=replace(node.selector, at=at))
    if isinstance(node, SubqueryNode):
        return node if node.at is not None else replace(node, at=at)
    if isinstance(node, NegationNode):
        return replace(node, expr=_pin(node.expr, at))
    if isinstance(node, BinaryNode):
        return replace(node, lhs=_pin(node.lhs, at), rhs=_pin(node.rhs, at))
    if isinstance(node, AggregateNode):
        param = None if node.param is None else _pin(node.param, at)
        return replace(node, expr=_pin(node.expr, at), param=param)
    if isinstance(node, CallNode):
        return replace(node, args=tuple(_pin(arg, at) for arg in node.args))
    return node
