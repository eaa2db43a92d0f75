"""Load and validate Prometheus rule files, like ``promtool check rules``.

Every problem found is reported (not just the first) as a ``ConfigIssue`` with file, line, key
path, rule name and reason. Expressions are parsed with the PromQL evaluator, so constructs it
does not support are refused here, at load time, instead of silently evaluating to nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from watchdog.config.errors import ConfigError, ConfigIssue, KeyPath
from watchdog.config.validation import did_you_mean
from watchdog.config.yamlsource import YamlDocument, load_yaml
from watchdog.durations import DurationError, parse_duration
from watchdog.promql import PromQLError, Query
from watchdog.rules.model import AlertingRule, RecordingRule, Rule, RuleGroup
from watchdog.rules.templates import Template, TemplateSyntaxError
from watchdog.samples import METRIC_NAME_PATTERN

__all__ = ["builtin_rule_groups", "load_rule_files", "parse_rule_document"]

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_FILE_KEYS = ("groups",)
_GROUP_KEYS = ("name", "interval", "limit", "query_offset", "rules")
_RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")


def load_rule_files(paths: Iterable[Path]) -> list[RuleGroup]:
    """Load every file; raise ``ConfigError`` with all issues of all files."""
    groups: list[RuleGroup] = []
    issues: list[ConfigIssue] = []
    for path in paths:
        try:
            doc = load_yaml(Path(path))
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        found, problems = parse_rule_document(doc)
        groups.extend(found)
        issues.extend(problems)
    if issues:
        raise ConfigError(issues)
    return groups


class _Checker:
    """Walks one document, collecting issues."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.issues: list[ConfigIssue] = []

    def issue(self, path: KeyPath, message: str) -> None:
        self.issues.append(ConfigIssue(self.doc.file, self.doc.line_of(path), path, message))

    def keys(
        self, data: dict[Any, Any], allowed: tuple[str, ...], path: KeyPath, what: str
    ) -> None:
        for key in data:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.issue(
                    (*path, str(key)),
                    f"unknown key {key!r} in {what}{hint}; allowed: {', '.join(allowed)}",
                )

    def duration(self, value: Any, path: KeyPath, prefix: str) -> float:
        if value is None:
            return 0.0
        if isinstance(value, int) and not isinstance(value, bool) and value == 0:
            return 0.0
        try:
            seconds = parse_duration(value)
        except DurationError as exc:
            self.issue(path, f"{prefix}{exc}")
            return 0.0
        return seconds


def parse_rule_document(doc: YamlDocument) -> tuple[list[RuleGroup], list[ConfigIssue]]:
    """The groups of one parsed YAML document, and every problem in it."""
    check = _Checker(doc)
    data = doc.data
    if data is None:
        return [], []
    if not isinstance(data, dict):
        check.issue((), "a rule file must be a mapping with a 'groups' list")
        return [], check.issues
    check.keys(data, _FILE_KEYS, (), "rule file")
    raw_groups = data.get("groups") or []
    if not isinstance(raw_groups, list):
        check.issue(("groups",), "'groups' must be a list")
        return [], check.issues
    groups: list[RuleGroup] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_groups):
        group = _group(check, raw, ("groups", index), seen)
        if group is not None:
            groups.append(group)
    return (groups if not check.issues else []), check.issues


def _group(check: _Checker, raw: Any, path: KeyPath, seen: set[str]) -> RuleGroup | None:
    if not isinstance(raw, dict):
        check.issue(path, "each group must be a mapping")
        return None
    check.keys(raw, _GROUP_KEYS, path, "group")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        check.issue((*path, "name"), "group name must be a non-empty string")
        name = ""
    elif name in seen:
        check.issue((*path, "name"), f'group name "{name}" is repeated in the same file')
    seen.add(name)
    where = f'group "{name}": '
    interval = check.duration(raw.get("interval"), (*path, "interval"), where)
    query_offset = check.duration(raw.get("query_offset"), (*path, "query_offset"), where)
    limit = raw.get("limit", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        check.issue((*path, "limit"), f"{where}limit must be a non-negative integer")
        limit = 0
    raw_rules = raw.get("rules") or []
    if not isinstance(raw_rules, list):
        check.issue((*path, "rules"), f"{where}'rules' must be a list")
        raw_rules = []
    rules = [_rule(check, item, (*path, "rules", i), name) for i, item in enumerate(raw_rules)]
    return RuleGroup(
        name=name,
        rules=tuple(r for r in rules if r is not None),
        file=check.doc.file,
        interval=interval or None,
        limit=limit,
        query_offset=query_offset,
        line=check.doc.line_of(path),
    )


def _rule(check: _Checker, raw: Any, path: KeyPath, group: str) -> Rule | None:
    index = int(path[-1]) + 1
    if not isinstance(raw, dict):
        check.issue(path, f'group "{group}", rule {index}: each rule must be a mapping')
        return None
    alert, record = raw.get("alert"), raw.get("record")
    label = alert if isinstance(alert, str) and alert else record
    who = f'rule "{label}"' if isinstance(label, str) and label else f"rule {index}"
    before = len(check.issues)

    def fail(key: str | tuple[str, ...] | None, message: str) -> None:
        where = (key,) if isinstance(key, str) else (key or ())
        check.issue((*path, *where), f'{who} (group "{group}"): {message}')

    for key in raw:
        if key not in _RULE_KEYS:
            fail(str(key), f"unknown key {key!r}{did_you_mean(str(key), _RULE_KEYS)}")
    if alert is not None and record is not None:
        fail("record", "only one of 'record' and 'alert' must be set")
    elif alert is None and record is None:
        fail(None, "one of 'record' or 'alert' must be set")
    for key, value in (("alert", alert), ("record", record)):
        if value is not None and (not isinstance(value, str) or not value):
            fail(key, f"'{key}' must be a non-empty string")
    query = _expr(raw.get("expr"), fail)
    labels = _mapping(raw.get("labels"), "labels", fail)
    for name in labels:
        if not _LABEL_NAME.match(name) or name == "__name__":
            fail(("labels", name), f"invalid label name: {name}")
    if isinstance(record, str) and alert is None:
        for key in ("annotations", "for", "keep_firing_for"):
            if raw.get(key):
                fail(key, f"invalid field '{key}' in recording rule")
        if record and not METRIC_NAME_PATTERN.match(record):
            fail("record", f"invalid recording rule name: {record}")
        if len(check.issues) > before or query is None:
            return None
        return RecordingRule(record, query, labels, check.doc.line_of(path))
    annotations = _mapping(raw.get("annotations"), "annotations", fail)
    for name in annotations:
        if not _LABEL_NAME.match(name):
            fail(("annotations", name), f"invalid annotation name: {name}")
    prefix = f'{who} (group "{group}"): '
    for_ = check.duration(raw.get("for"), (*path, "for"), prefix)
    keep = check.duration(raw.get("keep_firing_for"), (*path, "keep_firing_for"), prefix)
    name = alert if isinstance(alert, str) else ""
    compiled = {
        section: _templates(values, section, f"__alert_{name}", fail)
        for section, values in (("labels", labels), ("annotations", annotations))
    }
    if len(check.issues) > before or query is None:
        return None
    return AlertingRule(
        name=name,
        query=query,
        for_=for_,
        keep_firing_for=keep,
        labels=compiled["labels"],
        annotations=compiled["annotations"],
        line=check.doc.line_of(path),
    )


def _expr(raw: Any, fail: Any) -> Query | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        fail("expr", "field 'expr' must be set in rule")
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        fail("expr", "'expr' must be a string")
        return None
    try:
        query = Query.parse(str(raw))
    except PromQLError as exc:
        fail("expr", f"could not parse expression: {exc}")
        return None
    if query.value_type not in ("vector", "scalar"):
        fail(
            "expr",
            f"expression must return an instant vector or a scalar, not a {query.value_type}",
        )
        return None
    return query


def _mapping(raw: Any, section: str, fail: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        fail(section, f"'{section}' must be a mapping of names to strings")
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif value is None:
            value = ""
        if not isinstance(value, str):
            fail((section, str(key)), f"{section[:-1]} {key!r} must be a string")
            continue
        out[str(key)] = value
    return out


def _templates(values: dict[str, str], section: str, name: str, fail: Any) -> dict[str, Template]:
    out: dict[str, Template] = {}
    for key, text in values.items():
        try:
            out[key] = Template.compile(text, name)
        except TemplateSyntaxError as exc:
            fail((section, key), f"{section[:-1]} {key!r}: {exc}")
    return out


def builtin_rule_groups(groups: list[dict[str, Any]]) -> list[RuleGroup]:
    """Rule groups defined in code (rule-file shape) parsed like rule files; a bug if invalid."""
    if not groups:
        return []
    doc = YamlDocument(file=Path("<built-in>"), data={"groups": groups})
    parsed, issues = parse_rule_document(doc)
    if issues:
        raise ConfigError(issues)
    return [dataclasses.replace(group, file=None) for group in parsed]
