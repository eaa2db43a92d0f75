"""Validated rules and rule groups, as the evaluator uses them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.promql import Query
from watchdog.rules.templates import Template

__all__ = ["AlertingRule", "RecordingRule", "Rule", "RuleGroup", "group_key"]


def group_key(file: Path | str | None, name: str) -> str:
    """Prometheus' group key ``file;name`` (just the name for built-in groups)."""
    return f"{file};{name}" if file else name


@dataclass(frozen=True)
class AlertingRule:
    """An ``alert:`` rule with compiled expression and templates."""

    name: str
    query: Query
    for_: float = 0.0
    keep_firing_for: float = 0.0
    labels: dict[str, Template] = field(default_factory=dict)
    annotations: dict[str, Template] = field(default_factory=dict)
    line: int | None = None

    @property
    def kind(self) -> str:
        """``alerting``."""
        return "alerting"

    @property
    def expr(self) -> str:
        """The expression as written, whitespace collapsed (for APIs and links)."""
        return " ".join(self.query.text.split())

    def definition(self) -> str:
        """Identity of the rule's behaviour: a change here resets its alert state.

        Annotations are left out on purpose: they are re-rendered on every evaluation and
        editing their wording must not restart a pending ``for``.
        """
        body = {
            "alert": self.name,
            "expr": self.expr,
            "for": self.for_,
            "keep_firing_for": self.keep_firing_for,
            "labels": {k: t.text for k, t in sorted(self.labels.items())},
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RecordingRule:
    """A ``record:`` rule."""

    name: str
    query: Query
    labels: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def kind(self) -> str:
        """``recording``."""
        return "recording"

    @property
    def expr(self) -> str:
        """The expression as written, whitespace collapsed."""
        return " ".join(self.query.text.split())

    def definition(self) -> str:
        """Identity of the rule's behaviour."""
        body = {"record": self.name, "expr": self.expr, "labels": dict(sorted(self.labels.items()))}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


Rule = AlertingRule | RecordingRule


@dataclass(frozen=True)
class RuleGroup:
    """A named list of rules evaluated in order at one interval.

    ``file`` is None for built-in groups added in code (e.g. by delivery). ``interval`` None
    means the global ``evaluation_interval``.
    """

    name: str
    rules: tuple[Rule, ...]
    file: Path | None = None
    interval: float | None = None
    limit: int = 0
    query_offset: float = 0.0
    line: int | None = None

    @property
    def key(self) -> str:
        """Unique key of the group (``file;name``)."""
        return group_key(self.file, self.name)

    def with_interval(self, default: float) -> RuleGroup:
        """A copy with the interval resolved."""
        if self.interval is not None:
            return self
        return RuleGroup(
            self.name, self.rules, self.file, default, self.limit, self.query_offset, self.line
        )
