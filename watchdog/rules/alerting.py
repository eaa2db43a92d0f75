"""The alert state machine of one alerting rule: pure, with the evaluation time passed in.

It follows Prometheus' ``rules/alerting.go``: a new result series becomes *pending* with
``active_at``; it fires once ``ts - active_at >= for`` in the same pass (so ``for: 0`` fires at
once). When its series disappears a pending alert is dropped; a firing one stays firing for
``keep_firing_for`` after it was last seen, then becomes *inactive* with ``resolved_at`` and is
kept for 15 minutes so the resolved notice can be re-sent through outages.

Restored alerts (after a restart) may carry ``hold_until``: until then, their absence from the
result does not end them, because the in-memory sample store is refilling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from watchdog.samples import METRIC_NAME, LabelSet

__all__ = [
    "ALERTS",
    "ALERTS_FOR_STATE",
    "RESOLVED_RETENTION",
    "Alert",
    "AlertRuleState",
    "AlertState",
    "Candidate",
    "RuleEvalError",
    "Transition",
]

ALERTS = "ALERTS"
ALERTS_FOR_STATE = "ALERTS_FOR_STATE"
RESOLVED_RETENTION = 15 * 60.0


class RuleEvalError(Exception):
    """The rule could not be evaluated this time (duplicate labels, limit exceeded, ...)."""


class AlertState(Enum):
    """Where an alert is in its life."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"


@dataclass
class Alert:
    """One alert instance of a rule, identified by its final label set."""

    labels: LabelSet
    annotations: dict[str, str]
    state: AlertState
    active_at: float
    value: float = 0.0
    fired_at: float | None = None
    resolved_at: float | None = None
    last_sent_at: float | None = None
    keep_firing_since: float | None = None
    valid_until: float | None = None
    hold_until: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A result series after templating: the labels and annotations its alert would have."""

    labels: LabelSet
    annotations: dict[str, str]
    value: float


@dataclass(frozen=True)
class Transition:
    """A state change, for the one log line per change."""

    labels: LabelSet
    previous: AlertState
    current: AlertState
    value: float


def _at_least(elapsed: float, duration: float) -> bool:
    """``elapsed >= duration`` at millisecond precision (Prometheus' timestamps are in ms)."""
    return round(elapsed * 1000) >= round(duration * 1000)


@dataclass
class AlertRuleState:
    """The active alerts of one rule and the step function that advances them."""

    for_: float
    keep_firing_for: float = 0.0
    active: dict[LabelSet, Alert] = field(default_factory=dict)

    def step(self, candidates: Sequence[Candidate], ts: float, limit: int = 0) -> list[Transition]:
        """Advance every alert to ``ts`` given this evaluation's results."""
        by_labels: dict[LabelSet, Candidate] = {}
        for cand in candidates:
            if cand.labels in by_labels:
                raise RuleEvalError(
                    "vector contains metrics with the same labelset after applying alert labels"
                )
            by_labels[cand.labels] = cand
        changes: list[Transition] = []
        for labels, cand in by_labels.items():
            alert = self.active.get(labels)
            if alert is not None and alert.state is not AlertState.INACTIVE:
                alert.value = cand.value
                alert.annotations = cand.annotations
                alert.hold_until = None
                continue
            self.active[labels] = Alert(
                labels, cand.annotations, AlertState.PENDING, active_at=ts, value=cand.value
            )
            changes.append(Transition(labels, AlertState.INACTIVE, AlertState.PENDING, cand.value))

        counted = 0
        for labels, alert in list(self.active.items()):
            if labels not in by_labels:
                if alert.hold_until is not None and ts < alert.hold_until:
                    counted += alert.state is not AlertState.INACTIVE
                    continue
                alert.hold_until = None
                if not self._absent(labels, alert, ts, changes):
                    continue
            else:
                alert.keep_firing_since = None
            counted += 1
            if alert.state is AlertState.PENDING and _at_least(ts - alert.active_at, self.for_):
                alert.state = AlertState.FIRING
                alert.fired_at = ts
                changes.append(Transition(labels, AlertState.PENDING, alert.state, alert.value))

        if limit > 0 and counted > limit:
            self.active.clear()
            raise RuleEvalError(f"exceeded limit of {limit} with {counted} alerts")
        return changes

    def _absent(self, labels: LabelSet, alert: Alert, ts: float, changes: list[Transition]) -> bool:
        """Handle an alert whose series is gone; True when it still counts as firing."""
        keep_firing = False
        if alert.state is AlertState.FIRING and self.keep_firing_for > 0:
            if alert.keep_firing_since is None:
                alert.keep_firing_since = ts
            keep_firing = not _at_least(ts - alert.keep_firing_since, self.keep_firing_for)
        if alert.state is AlertState.PENDING or (
            alert.resolved_at is not None
            and not _at_least(RESOLVED_RETENTION, ts - alert.resolved_at)
        ):
            del self.active[labels]
        if alert.state is not AlertState.INACTIVE and not keep_firing:
            changes.append(Transition(labels, alert.state, AlertState.INACTIVE, alert.value))
            alert.state = AlertState.INACTIVE
            alert.resolved_at = ts
        return keep_firing

    def series(self) -> dict[LabelSet, float]:
        """``ALERTS`` and ``ALERTS_FOR_STATE`` samples for every pending or firing alert."""
        out: dict[LabelSet, float] = {}
        for alert in self.active.values():
            if alert.state is AlertState.INACTIVE:
                continue
            base: Mapping[str, str] = dict(alert.labels)
            out[LabelSet({**base, METRIC_NAME: ALERTS, "alertstate": alert.state.value})] = 1.0
            out[LabelSet({**base, METRIC_NAME: ALERTS_FOR_STATE})] = float(int(alert.active_at))
        return out

    def alerts(self, *, include_inactive: bool = False) -> list[Alert]:
        """The alerts, sorted by labels; inactive (resolved) ones only when asked."""
        chosen = [
            a
            for a in self.active.values()
            if include_inactive or a.state is not AlertState.INACTIVE
        ]
        return sorted(chosen, key=lambda a: a.labels)
