"""Run ``promtool test rules`` files against our rule engine, with promtool's semantics.

Per test group: a fresh store holds the input series (sample ``i`` at ``i x interval`` from the
Unix epoch); every group is evaluated at ``0, ei, 2·ei, …`` up to the largest ``eval_time``
(``ei`` = ``evaluation_interval``), in ``group_eval_order``. An alert test at ``eval_time`` t is
checked right after the evaluation at the ``ts`` with ``ts ≤ t < ts + ei`` and compares the
*firing* alerts of rules with that name, sorted, labels and annotations exactly. PromQL tests
run after all evaluations, at their ``eval_time``; values compare exactly (NaN never equals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.config.errors import ConfigError
from watchdog.durations import format_duration
from watchdog.promql import PromQLError, Query
from watchdog.rules.alerting import AlertState
from watchdog.rules.files import load_rule_files
from watchdog.rules.group import EvalContext, GroupState, query_vector
from watchdog.rules.model import AlertingRule, RuleGroup
from watchdog.rules.promtool_tests.series import MISSING, STALE, SeriesError, parse_series
from watchdog.rules.promtool_tests.testfile import (
    AlertTest,
    TestFile,
    TestFileError,
    TestGroup,
    read_test_file,
)
from watchdog.rules.templates.gofmt import shortest_e
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

__all__ = ["FileResult", "run_test_file"]

Pair = tuple[LabelSet, LabelSet]


@dataclass
class FileResult:
    """Outcome of one test file: promtool's error texts (empty means success)."""

    path: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every test passed."""
        return not self.errors


def run_test_file(path: Path) -> FileResult:
    """Run every test group of ``path``."""
    result = FileResult(path)
    try:
        spec = read_test_file(path)
    except TestFileError as exc:
        result.errors.append(str(exc))
        return result
    result.warnings.extend(spec.warnings)
    try:
        groups = load_rule_files(spec.rule_files)
    except ConfigError as exc:
        result.errors.extend(str(issue) for issue in exc.issues)
        return result
    for test in spec.tests:
        result.errors.extend(_run_group(spec, test, groups))
    return result


def _ordered(groups: list[RuleGroup], order: list[str]) -> list[RuleGroup]:
    rank = {name: index for index, name in enumerate(order)}
    return sorted(groups, key=lambda g: rank.get(g.name, 0))


def _load(store: SampleStore, test: TestGroup) -> None:
    for series in test.series:
        for index, value in enumerate(series.values):
            if value is MISSING:
                continue
            ts = index * test.interval
            store.append(series.labels, ts, None if value is STALE else value)  # type: ignore[arg-type]
            if test.interval == 0:
                break  # promtool loads every sample at t=0 and keeps the first one


def _run_group(spec: TestFile, test: TestGroup, groups: list[RuleGroup]) -> list[str]:
    interval = spec.evaluation_interval
    last = max(
        [t.eval_time for t in test.alert_tests] + [t.eval_time for t in test.promql_tests] + [0.0]
    )
    store = SampleStore()
    store.configure_retention(
        None,
        last + max(len(s.values) for s in test.series) * test.interval if test.series else last,
    )
    _load(store, test)
    ctx = EvalContext(store, test.external_labels, test.external_url)
    states = [
        GroupState(g.with_interval(interval)) for g in _ordered(groups, spec.group_eval_order)
    ]
    for missing in (t for t in test.alert_tests if not t.alertname):
        where = f" (in TestGroup {test.name})" if test.name else ""
        return [
            f"an item under alert_rule_test misses required attribute alertname "
            f"at eval_time {format_duration(missing.eval_time)}{where}"
        ]
    pending = sorted(test.alert_tests, key=lambda t: t.eval_time)
    errors: list[str] = []
    steps = math.floor(last / interval + 1e-9) + 1
    for step in range(steps):
        ts = step * interval
        eval_errors: list[str] = []
        for state in states:
            state.evaluate(ts, ctx)
            eval_errors.extend(
                f"    rule: {s.rule.name}, time: {format_duration(ts)}, err: {s.last_error}"
                for s in state.rules
                if s.health == "err"
            )
        if eval_errors:
            return errors + eval_errors
        while pending and ts <= pending[0].eval_time < ts + interval:
            errors.extend(_check_alerts(test, pending.pop(0), states))
    errors.extend(_check_promql(test, ctx))
    return errors


def _check_alerts(test: TestGroup, case: AlertTest, states: list[GroupState]) -> list[str]:
    got: list[Pair] = []
    for state in states:
        for status in state.rules:
            if isinstance(status.rule, AlertingRule) and status.rule.name == case.alertname:
                assert status.alerts is not None
                got.extend(
                    (a.labels, LabelSet(a.annotations))
                    for a in status.alerts.alerts()
                    if a.state is AlertState.FIRING
                )
    expected = [
        (LabelSet({**e.labels, "alertname": case.alertname}), LabelSet(e.annotations))
        for e in case.expected
    ]
    got.sort()
    expected.sort()
    if got == expected:
        return []
    name = f"    name: {test.name},\n" if test.name else ""
    return [
        f"{name}    alertname: {case.alertname}, time: {format_duration(case.eval_time)}, \n"
        f"        exp:{_indent(_pairs(expected), '            ')}, \n"
        f"        got:{_indent(_pairs(got), '            ')}"
    ]


def _check_promql(test: TestGroup, ctx: EvalContext) -> list[str]:
    errors: list[str] = []
    for case in test.promql_tests:
        where = f'    expr: "{case.expr}", time: {format_duration(case.eval_time)}'
        try:
            got = [
                (s.labels, s.value)
                for s in query_vector(Query.parse(case.expr), ctx, case.eval_time)
            ]
        except (PromQLError, Exception) as exc:
            errors.append(f"{where}, err: {exc}")
            continue
        try:
            # promtool reads a missing or empty `labels` as the empty label set.
            expected = [(parse_series(s.labels or "{}"), s.value) for s in case.expected]
        except SeriesError as exc:
            errors.append(f"{where}, err: {exc}")
            continue
        got.sort(key=lambda p: p[0])
        expected.sort(key=lambda p: p[0])
        if not _same(expected, got):
            errors.append(
                f"{where},\n        exp: {_samples(expected)}\n        got: {_samples(got)}"
            )
    return errors


def _same(a: list[tuple[LabelSet, float]], b: list[tuple[LabelSet, float]]) -> bool:
    return len(a) == len(b) and all(
        x[0] == y[0] and x[1] == y[1] for x, y in zip(a, b, strict=True)
    )


def _labels(labels: LabelSet) -> str:
    return "{" + ", ".join(f'{k}="{_quote(v)}"' for k, v in labels.pairs()) + "}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _pairs(pairs: list[Pair]) -> str:
    if not pairs:
        return "[]"
    items = [
        f"{i}:" + _indent(f"\nLabels:{_labels(la)}\nAnnotations:{_labels(an)}", "  ")
        for i, (la, an) in enumerate(pairs)
    ]
    return "[\n" + ",\n".join(items) + "\n]"


def _samples(samples: list[tuple[LabelSet, float]]) -> str:
    if not samples:
        return "nil"
    return ", ".join(f"{_labels(la)} {shortest_e(v, 'E')}" for la, v in samples)


def _indent(text: str, indent: str) -> str:
    lines = text.split("\n")
    return lines[0] + "".join("\n" + indent + line for line in lines[1:])
