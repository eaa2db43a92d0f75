"""Read a ``promtool test rules`` file into plain data (unknown keys refused, like promtool)."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchdog.config.errors import ConfigError, KeyPath
from watchdog.config.yamlsource import YamlDocument, load_yaml
from watchdog.durations import DurationError, parse_duration
from watchdog.rules.promtool_tests.series import SeriesError, Value, expand_values, parse_series
from watchdog.samples import LabelSet

__all__ = [
    "AlertTest",
    "ExpectedAlert",
    "ExpectedSample",
    "InputSeries",
    "PromqlTest",
    "TestFile",
    "TestFileError",
    "TestGroup",
    "read_test_file",
]


class TestFileError(ValueError):
    """The test file itself is unusable."""

    __test__ = False  # not a pytest class


@dataclass(frozen=True)
class InputSeries:
    """One input series and its expanded values."""

    labels: LabelSet
    values: list[Value]


@dataclass(frozen=True)
class ExpectedAlert:
    """One ``exp_alerts`` entry."""

    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True)
class AlertTest:
    """One ``alert_rule_test`` entry."""

    eval_time: float
    alertname: str
    expected: list[ExpectedAlert]


@dataclass(frozen=True)
class ExpectedSample:
    """One ``exp_samples`` entry: a series selector string and a value."""

    labels: str
    value: float


@dataclass(frozen=True)
class PromqlTest:
    """One ``promql_expr_test`` entry."""

    expr: str
    eval_time: float
    expected: list[ExpectedSample]


@dataclass(frozen=True)
class TestGroup:
    """One entry of ``tests``."""

    __test__ = False

    interval: float
    series: list[InputSeries]
    alert_tests: list[AlertTest]
    promql_tests: list[PromqlTest]
    external_labels: dict[str, str] = field(default_factory=dict)
    external_url: str = ""
    name: str = ""


@dataclass(frozen=True)
class TestFile:
    """A whole test file with rule file paths resolved."""

    __test__ = False

    path: Path
    rule_files: list[Path]
    evaluation_interval: float
    group_eval_order: list[str]
    tests: list[TestGroup]
    warnings: list[str] = field(default_factory=list)


def _keys(data: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TestFileError(f"{what} must be a mapping")
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise TestFileError(f"field {unknown[0]} not found in {what}")
    return data


def _duration(value: Any, what: str, default: float = 0.0) -> float:
    if value is None:
        return default
    if value == 0:
        return 0.0
    try:
        return parse_duration(str(value))
    except DurationError as exc:
        raise TestFileError(f"{what}: {exc}") from None


def _float(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TestFileError(f"{what}: expected a number")
    try:
        return float(value)
    except ValueError:
        raise TestFileError(f"{what}: expected a number, got {value!r}") from None


class _Source:
    """Reads string fields the way promtool (Go YAML into ``string``) does: as written.

    ``values: 0x10`` is the text ``0x10`` (0 then 10 more), not YAML's integer 16.
    """

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc

    def text(self, value: Any, path: KeyPath) -> str:
        if value is None:
            return ""
        if isinstance(value, dict | list):
            return str(value)
        found = self.doc.text_of(path)
        return str(value) if found is None else found

    def strings(self, value: Any, path: KeyPath, what: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise TestFileError(f"{what} must be a mapping")
        return {str(k): self.text(v, (*path, str(k))) for k, v in value.items()}


def read_test_file(path: Path) -> TestFile:
    """Parse ``path``; raise ``TestFileError`` on anything promtool would refuse."""
    try:
        doc = load_yaml(path)
    except ConfigError as exc:
        raise TestFileError("; ".join(str(i) for i in exc.issues)) from None
    top = _keys(
        doc.data, {"rule_files", "evaluation_interval", "group_eval_order", "tests"}, "test file"
    )
    rule_files, warnings = _resolve(path.parent, top.get("rule_files") or [])
    order = [str(g) for g in top.get("group_eval_order") or []]
    if len(set(order)) != len(order):
        repeated = next(g for g in order if order.count(g) > 1)
        raise TestFileError(f"group name repeated in evaluation order: {repeated}")
    interval = _duration(top.get("evaluation_interval"), "evaluation_interval") or 60.0
    source = _Source(doc)
    tests = [_group(raw, source, ("tests", i)) for i, raw in enumerate(top.get("tests") or [])]
    return TestFile(path, rule_files, interval, order, tests, warnings)


def _resolve(base: Path, patterns: list[Any]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    warnings: list[str] = []
    for pattern in patterns:
        full = str(pattern) if Path(str(pattern)).is_absolute() else str(base / str(pattern))
        matches = sorted(glob.glob(full))  # noqa: PTH207 - absolute patterns with globs
        if not matches:
            warnings.append(f"  WARNING: no file match pattern {full}")
        files.extend(Path(m) for m in matches)
    return files, warnings


def _group(raw: Any, src: _Source, path: KeyPath) -> TestGroup:
    allowed = {
        "interval",
        "input_series",
        "alert_rule_test",
        "promql_expr_test",
        "external_labels",
        "external_url",
        "name",
    }
    data = _keys(raw, allowed, "test group")
    series: list[InputSeries] = []
    for i, item in enumerate(data.get("input_series") or []):
        entry = _keys(item, {"series", "values"}, "input_series entry")
        at: KeyPath = (*path, "input_series", i)
        try:
            series.append(
                InputSeries(
                    parse_series(src.text(entry.get("series"), (*at, "series"))),
                    expand_values(src.text(entry.get("values"), (*at, "values"))),
                )
            )
        except SeriesError as exc:
            raise TestFileError(str(exc)) from None
    alerts = []
    for i, item in enumerate(data.get("alert_rule_test") or []):
        entry = _keys(item, {"eval_time", "alertname", "exp_alerts"}, "alert_rule_test entry")
        at = (*path, "alert_rule_test", i)
        expected = [
            ExpectedAlert(
                src.strings(
                    e.get("exp_labels"), (*at, "exp_alerts", j, "exp_labels"), "exp_labels"
                ),
                src.strings(
                    e.get("exp_annotations"),
                    (*at, "exp_alerts", j, "exp_annotations"),
                    "exp_annotations",
                ),
            )
            for j, e in enumerate(
                _keys(x, {"exp_labels", "exp_annotations"}, "exp_alerts entry")
                for x in entry.get("exp_alerts") or []
            )
        ]
        alerts.append(
            AlertTest(
                _duration(entry.get("eval_time"), "eval_time"),
                src.text(entry.get("alertname"), (*at, "alertname")),
                expected,
            )
        )
    promql = []
    for i, item in enumerate(data.get("promql_expr_test") or []):
        entry = _keys(item, {"expr", "eval_time", "exp_samples"}, "promql_expr_test entry")
        at = (*path, "promql_expr_test", i)
        samples = [
            ExpectedSample(
                src.text(s.get("labels"), (*at, "exp_samples", j, "labels")),
                _float(s.get("value", 0), "exp_samples value"),
            )
            for j, s in enumerate(
                _keys(x, {"labels", "value"}, "exp_samples entry")
                for x in entry.get("exp_samples") or []
            )
        ]
        promql.append(
            PromqlTest(
                src.text(entry.get("expr"), (*at, "expr")),
                _duration(entry.get("eval_time"), "eval_time"),
                samples,
            )
        )
    return TestGroup(
        interval=_duration(
            data.get("interval"), "interval"
        ),  # promtool 2.42: no default, all at t=0
        series=series,
        alert_tests=alerts,
        promql_tests=promql,
        external_labels=src.strings(
            data.get("external_labels"), (*path, "external_labels"), "external_labels"
        ),
        external_url=src.text(data.get("external_url"), (*path, "external_url")),
        name=src.text(data.get("name"), (*path, "name")),
    )
