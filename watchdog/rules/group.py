"""One evaluation of one rule group at one timestamp: queries, alert states, written series.

Recording rules write their result into the sample store; alerting rules advance their state
machine and write ``ALERTS`` / ``ALERTS_FOR_STATE``. Each rule writes as its own store source,
so a series it stopped producing is marked stale at once, like Prometheus does. A rule that
fails leaves its previous series untouched and is reported unhealthy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from watchdog.promql import EvalLimits, Query, Scalar, String, VectorSample, evaluate
from watchdog.rules.alerting import AlertRuleState, Candidate, RuleEvalError, Transition
from watchdog.rules.model import AlertingRule, RecordingRule, Rule, RuleGroup
from watchdog.rules.templates import (
    DEFAULT_LIMITS,
    AlertTemplateData,
    QueryBudget,
    QuerySample,
    Template,
    TemplateLimits,
)
from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.store import SampleStore

__all__ = ["EvalContext", "GroupState", "RuleStatus", "query_vector"]


@dataclass(frozen=True)
class EvalContext:
    """What every rule evaluation needs besides the rule.

    ``limits`` bound each query a rule runs (Prometheus' ``--query.max-samples`` and
    ``--query.timeout``); ``templates`` bound its label and annotation expansions, whose
    ``query`` calls get the templates' own, smaller samples budget and what is left of their
    deadline.
    """

    store: SampleStore
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    lookback: float = 300.0
    limits: EvalLimits = field(default_factory=EvalLimits)
    templates: TemplateLimits = DEFAULT_LIMITS


@dataclass
class RuleStatus:
    """Health of one rule, shown by ``/api/v1/rules``."""

    rule: Rule
    alerts: AlertRuleState | None = None
    health: str = "unknown"
    last_error: str = ""
    last_evaluation: float | None = None
    evaluation_time: float = 0.0
    template_errors: dict[str, str] = field(default_factory=dict)
    """``labels.x`` / ``annotations.y`` → the error of the last evaluation's failed expansion."""
    template_failures: int = 0
    """Expansions that failed in the last evaluation (the alerts fired with the error text)."""


def query_vector(
    query: Query, ctx: EvalContext, ts: float, *, limits: EvalLimits | None = None
) -> list[VectorSample]:
    """Evaluate ``query``; a scalar becomes one sample without labels (like Prometheus).

    ``limits`` default to ``ctx.limits``.
    """
    result = evaluate(query, ctx.store, ts, lookback=ctx.lookback, limits=limits or ctx.limits)
    if isinstance(result, Scalar):
        return [VectorSample(LabelSet(), result.value)]
    if isinstance(result, String):
        raise RuleEvalError("rule result is not a vector or scalar")
    return list(result)


class GroupState:
    """A rule group plus the runtime state of its rules."""

    def __init__(self, group: RuleGroup) -> None:
        self.group = group
        self.rules = [
            RuleStatus(r, AlertRuleState(r.for_, r.keep_firing_for))
            if isinstance(r, AlertingRule)
            else RuleStatus(r)
            for r in group.rules
        ]
        seen: dict[str, int] = {}
        self.sources: list[str] = []
        for rule in group.rules:
            ident = f"rule:{group.key}:{rule.kind}:{rule.name}:{rule.definition()}"
            seen[ident] = seen.get(ident, 0) + 1
            self.sources.append(f"{ident}#{seen[ident]}")
        self.last_evaluation: float | None = None
        self.last_eval_ts: float | None = None
        self.evaluation_time = 0.0

    @property
    def interval(self) -> float:
        """The resolved evaluation interval."""
        assert self.group.interval is not None, "interval must be resolved before evaluation"
        return self.group.interval

    def evaluate(self, ts: float, ctx: EvalContext) -> tuple[list[Transition], int]:
        """Evaluate every rule at ``ts``; return alert transitions and the failure count."""
        started = time.perf_counter()
        transitions: list[Transition] = []
        failures = 0
        for index in range(len(self.rules)):
            changes, ok = self.evaluate_rule(index, ts, ctx)
            transitions.extend(changes)
            failures += not ok
        self.finish(ts, time.perf_counter() - started)
        return transitions, failures

    def evaluate_rule(
        self, index: int, ts: float, ctx: EvalContext
    ) -> tuple[list[Transition], bool]:
        """Evaluate one rule; False when it failed (its error is kept in its status)."""
        status = self.rules[index]
        started = time.perf_counter()
        query_ts = ts - self.group.query_offset
        changes: list[Transition] = []
        status.template_errors, status.template_failures = {}, 0
        try:
            if isinstance(status.rule, RecordingRule):
                series = self._record(status.rule, ctx, query_ts)
            else:
                assert status.alerts is not None
                changes = self._alert(status, ctx, ts, query_ts)
                series = status.alerts.series()
            ctx.store.ingest(self.sources[index], ts, series)
            status.health, status.last_error = "ok", ""
        except Exception as exc:  # one broken rule must not stop the group
            status.health, status.last_error = "err", _describe(exc)
        status.last_evaluation = ts
        status.evaluation_time = time.perf_counter() - started
        return changes, status.health == "ok"

    def finish(self, ts: float, duration: float) -> None:
        """Record that a whole evaluation at ``ts`` took ``duration`` seconds."""
        self.last_evaluation = time.time()
        self.last_eval_ts = ts
        self.evaluation_time = duration

    def _record(self, rule: RecordingRule, ctx: EvalContext, ts: float) -> dict[LabelSet, float]:
        out: dict[LabelSet, float] = {}
        for sample in query_vector(rule.query, ctx, ts):
            labels = LabelSet({**dict(sample.labels), **rule.labels, METRIC_NAME: rule.name})
            if labels in out:
                raise RuleEvalError(
                    "vector contains metrics with the same labelset after applying rule labels"
                )
            out[labels] = sample.value
        limit = self.group.limit
        if limit > 0 and len(out) > limit:
            raise RuleEvalError(f"exceeded limit of {limit} with {len(out)} series")
        return out

    def _alert(
        self, status: RuleStatus, ctx: EvalContext, ts: float, query_ts: float
    ) -> list[Transition]:
        rule, state = status.rule, status.alerts
        assert isinstance(rule, AlertingRule)
        assert state is not None
        limits = ctx.templates
        samples = query_vector(rule.query, ctx, query_ts)
        # All expansions of this evaluation share one deadline, so a rule with many alerts
        # and a slow template still hands the event loop back in bounded time.
        deadline = limits.clock() + limits.max_rule_seconds

        def run_query(expr: str, budget: QueryBudget) -> list[QuerySample]:
            bounds = EvalLimits(budget.max_samples, budget.seconds, limits.clock)
            found = query_vector(Query.parse(expr), ctx, query_ts, limits=bounds)
            return [QuerySample(dict(s.labels), s.value) for s in found]

        def expand(key: str, template: Template, data: AlertTemplateData) -> str:
            result = template.render(data, run_query, limits=limits, deadline=deadline)
            if result.error is not None:
                status.template_failures += 1
                status.template_errors.setdefault(key, result.error)
            return result.text

        candidates: list[Candidate] = []
        for sample in samples:
            data = AlertTemplateData(
                labels=dict(sample.labels),
                external_labels=ctx.external_labels,
                external_url=ctx.external_url,
                value=sample.value,
            )
            labels = {k: v for k, v in sample.labels.items() if k != METRIC_NAME}
            for name, template in rule.labels.items():
                labels[name] = expand(f"labels.{name}", template, data)
            labels["alertname"] = rule.name
            annotations = {
                k: expand(f"annotations.{k}", t, data) for k, t in rule.annotations.items()
            }
            candidates.append(Candidate(LabelSet(labels), annotations, sample.value))
        return state.step(candidates, ts, self.group.limit)


def _describe(exc: Exception) -> str:
    text = str(exc)
    return text if text else type(exc).__name__
