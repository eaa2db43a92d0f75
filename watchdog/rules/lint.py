"""Find rules that can never fire (or always fire), and targets that nothing watches.

``check`` prints these findings and the daemon logs them at start and on every reload (and
counts them in ``watchdog_rule_lint_findings{severity}``): the same config gets the same
findings wherever it is read. Severities:

* **warning** — everything the static lint finds, because the daemon runs such a config
  anyway and the lint may lack knowledge: a ``job`` matcher naming no configured job (a rule
  file shared by several hosts), a metric name no configured probe kind declares (kinds may
  under-declare), ``absent()`` of such a name (it would always fire), ``for`` shorter than the
  group interval (it acts as the interval), a rule defined twice in a group, a target that no
  alerting rule can see (it fails without paging anyone). ``check --strict`` fails on them.
* **error** — only with ``check --live``: a metric name that no target exposes although every
  target that could expose it answered.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import promql_parser

from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.probes import PROBES
from watchdog.probes.base import GENERIC_SERIES
from watchdog.rules.alerting import ALERTS, ALERTS_FOR_STATE
from watchdog.rules.coverage import watched_targets
from watchdog.rules.model import AlertingRule, RecordingRule, Rule, RuleGroup
from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.store import Matcher

__all__ = [
    "ALWAYS_PRESENT",
    "Finding",
    "LiveTarget",
    "lint_config",
    "lint_live",
    "lint_rules",
    "lint_static",
]

ALWAYS_PRESENT = GENERIC_SERIES | {ALERTS, ALERTS_FOR_STATE}
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One lint result about a rule (``subject`` = ``rule NAME``) or a target."""

    severity: Severity
    file: Path | None
    line: int | None
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        return f"{self.severity}: {where}{self.subject}: {self.message}"


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
    return Finding(severity, use.group.file, use.rule.line, f"rule {use.rule.name}", message)


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


def lint_config(config: LoadedConfig, groups: list[RuleGroup]) -> list[Finding]:
    """Every finding that needs no network access: what ``check`` prints and ``run`` logs."""
    findings = lint_rules(groups, config.global_.evaluation_interval)
    findings += lint_static(groups, config.targets)
    if groups:  # with no rules at all, config_warnings already says nothing alerts
        findings += lint_unwatched(groups, config.targets, config.source)
    return findings


def lint_rules(groups: list[RuleGroup], default_interval: float) -> list[Finding]:
    """Findings about the rule files alone (``check rules``): no config needed."""
    findings: list[Finding] = []
    first_seen: dict[tuple[Path | None, str, str], int | None] = {}
    for group in groups:
        interval = group.interval or default_interval
        for rule in group.rules:
            subject = f"rule {rule.name}"
            if isinstance(rule, AlertingRule) and 0 < rule.for_ < interval:
                findings.append(
                    Finding(
                        "warning",
                        group.file,
                        rule.line,
                        subject,
                        f"'for' of {rule.for_:g}s is shorter than the group interval of "
                        f"{interval:g}s; it acts as {interval:g}s",
                    )
                )
            # promtool's duplicate-rules lint: same name and labels anywhere in one file
            identity = (group.file, rule.name, _label_texts(rule))
            if identity in first_seen:
                findings.append(
                    Finding(
                        "warning",
                        group.file,
                        rule.line,
                        subject,
                        f"duplicate of the rule at line {first_seen[identity]} (same name "
                        "and labels): their series or alerts collide",
                    )
                )
            else:
                first_seen[identity] = rule.line
    return findings


def _label_texts(rule: Rule) -> str:
    labels = {
        key: value if isinstance(value, str) else value.text for key, value in rule.labels.items()
    }
    return repr(sorted(labels.items()))


def lint_unwatched(
    groups: list[RuleGroup], targets: list[TargetSpec], config_file: Path
) -> list[Finding]:
    """A finding for each target that no alerting rule can see: it fails without a page."""
    watched = watched_targets(groups, targets)
    return [
        Finding(
            "warning",
            config_file,
            spec.line,
            f"target {spec.key}",
            f'no alerting rule selects it (by job, e.g. up{{job="{spec.job}"}} == 0, or by '
            f'kind through watchdog_target_info{{kind="{spec.kind}"}}): '
            "it can fail without paging anyone",
        )
        for spec in targets
        if spec.key not in watched
    ]


def lint_static(groups: list[RuleGroup], targets: list[TargetSpec]) -> list[Finding]:
    """Findings about rule selectors against the configured targets."""
    findings: list[Finding] = []
    jobs = sorted({t.job for t in targets})
    recorded = _recorded(groups)
    for use in _uses(groups):
        job = next((m for m in use.matchers if m.label == "job"), None)
        if job is not None and job.op in ("=", "=~") and not any(job.matches(j) for j in jobs):
            findings.append(
                _finding(
                    "warning",
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
