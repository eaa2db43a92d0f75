"""Find rules that can never fire (or always fire) given the configured targets.

Severities:

* **error** — certainly broken: a ``job`` matcher that names no configured job; with ``--live``,
  a metric name that no target exposes although every target that could expose it answered.
* **warning** — very likely broken, but the lint may lack knowledge: a metric name no configured
  probe kind declares (kinds may under-declare), ``absent()`` of such a name (it would always
  fire), ``for`` shorter than the group interval (it acts as the interval), a live miss while a
  candidate target was down.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import promql_parser

from watchdog.config.targets import TargetSpec
from watchdog.probes import PROBES
from watchdog.probes.runner import GENERIC_SERIES
from watchdog.rules.alerting import ALERTS, ALERTS_FOR_STATE
from watchdog.rules.model import AlertingRule, RecordingRule, Rule, RuleGroup
from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.store import Matcher

__all__ = ["ALWAYS_PRESENT", "Finding", "LiveTarget", "lint_live", "lint_static"]

ALWAYS_PRESENT = GENERIC_SERIES | {ALERTS, ALERTS_FOR_STATE}
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One lint result."""

    severity: Severity
    file: Path | None
    line: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        return f"{self.severity}: {where}rule {self.rule}: {self.message}"


@dataclass(frozen=True)
class LiveTarget:
    """What one target exposed when probed once."""

    spec: TargetSpec
    up: bool
    names: frozenset[str]


@dataclass(frozen=True)
class _Use:
    group: RuleGroup
    rule: Rule
    name: str | None
    matchers: tuple[Matcher, ...]


def _uses(groups: Iterable[RuleGroup]) -> list[_Use]:
    out: list[_Use] = []
    for group in groups:
        for rule in group.rules:
            for sel in rule.query.selectors():
                name = sel.name
                if name is None:
                    name = next(
                        (m.value for m in sel.matchers if m.label == METRIC_NAME and m.op == "="),
                        None,
                    )
                out.append(_Use(group, rule, name, tuple(sel.matchers)))
    return out


def _recorded(groups: Iterable[RuleGroup]) -> set[str]:
    return {r.name for g in groups for r in g.rules if isinstance(r, RecordingRule)}


def _candidates(use: _Use, targets: Iterable[TargetSpec]) -> list[TargetSpec]:
    """Targets whose target labels do not contradict the selector's matchers."""
    out = []
    for spec in targets:
        labels = spec.target_labels()
        if all(m.matches(labels.get(m.label, "")) for m in use.matchers if m.label in labels):
            out.append(spec)
    return out


def _finding(severity: Severity, use: _Use, message: str) -> Finding:
    return Finding(severity, use.group.file, use.rule.line, use.rule.name, message)


def _absent_names(rule: Rule) -> set[str]:
    """Metric names used inside ``absent()`` / ``absent_over_time()``."""
    found: set[str] = set()

    def walk(node: object, inside: bool) -> None:
        if isinstance(node, promql_parser.Call):
            inside = inside or node.func.name in ("absent", "absent_over_time")
            for arg in node.args:
                walk(arg, inside)
        elif isinstance(node, promql_parser.VectorSelector):
            if inside and node.name:
                found.add(node.name)
        elif isinstance(node, promql_parser.MatrixSelector):
            walk(node.vector_selector, inside)
        else:
            for attr in ("expr", "lhs", "rhs"):
                child = getattr(node, attr, None)
                if child is not None:
                    walk(child, inside)

    try:
        walk(promql_parser.parse(rule.query.text), False)
    except Exception:  # the evaluator already accepted the text; this is only a hint
        return set()
    return found


def lint_static(
    groups: list[RuleGroup], targets: list[TargetSpec], default_interval: float
) -> list[Finding]:
    """Findings that need no network access."""
    findings: list[Finding] = []
    jobs = sorted({t.job for t in targets})
    recorded = _recorded(groups)
    for group in groups:
        interval = group.interval or default_interval
        for rule in group.rules:
            if isinstance(rule, AlertingRule) and 0 < rule.for_ < interval:
                findings.append(
                    Finding(
                        "warning",
                        group.file,
                        rule.line,
                        rule.name,
                        f"'for' of {rule.for_:g}s is shorter than the group interval of "
                        f"{interval:g}s; it acts as {interval:g}s",
                    )
                )
    for use in _uses(groups):
        job = next((m for m in use.matchers if m.label == "job"), None)
        if job is not None and job.op in ("=", "=~") and not any(job.matches(j) for j in jobs):
            findings.append(
                _finding(
                    "error",
                    use,
                    f'job{job.op}"{job.value}" matches no configured job'
                    f" (jobs: {', '.join(jobs) or 'none'})",
                )
            )
            continue
        if use.name is None or use.name in ALWAYS_PRESENT or use.name in recorded:
            continue
        candidates = _candidates(use, targets)
        kinds = {spec.kind for spec in candidates}
        if not candidates or any(not PROBES[k].produces for k in kinds if k in PROBES):
            continue  # an open-ended kind (scrape) may expose it
        if not any(use.name in PROBES[k].produces for k in kinds if k in PROBES):
            what = "absent() always fires: " if use.name in _absent_names(use.rule) else ""
            findings.append(
                _finding(
                    "warning",
                    use,
                    f"{what}{use.name} is produced by no configured "
                    f"target (kinds: {', '.join(sorted(kinds))})",
                )
            )
    return _unique(findings)


def lint_live(groups: list[RuleGroup], seen: list[LiveTarget]) -> list[Finding]:
    """Findings from one probe of every target: names that no target exposes."""
    findings: list[Finding] = []
    recorded = _recorded(groups)
    exposed = sorted({name for target in seen for name in target.names})
    for use in _uses(groups):
        if use.name is None or use.name in ALWAYS_PRESENT or use.name in recorded:
            continue
        candidates = {t.spec.key for t in _live_candidates(use, seen)}
        hits = [t for t in seen if t.spec.key in candidates and use.name in t.names]
        if hits:
            continue
        down = [t.spec.key for t in seen if t.spec.key in candidates and not t.up]
        close = difflib.get_close_matches(use.name, exposed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        message = f"{use.name} is exposed by no target{hint}"
        if down:
            message += f" (not reachable now: {', '.join(down)})"
        findings.append(_finding("warning" if down else "error", use, message))
    return _unique(findings)


def _live_candidates(use: _Use, seen: list[LiveTarget]) -> list[LiveTarget]:
    keys = {spec.key for spec in _candidates(use, [t.spec for t in seen])}
    return [t for t in seen if t.spec.key in keys]


def _unique(findings: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    for item in findings:
        if item not in out:
            out.append(item)
    return out


def exposed_names(series: Mapping[LabelSet, float]) -> frozenset[str]:
    """Metric names in a probe outcome's series."""
    return frozenset(labels.name for labels in series)
