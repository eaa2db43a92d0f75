"""The alert state machine with explicit timestamps (Prometheus rules/alerting.go semantics)."""

from __future__ import annotations

import pytest

from watchdog.rules.alerting import (
    ALERTS,
    ALERTS_FOR_STATE,
    RESOLVED_RETENTION,
    AlertRuleState,
    AlertState,
    Candidate,
    RuleEvalError,
)
from watchdog.samples import LabelSet

A = LabelSet({"alertname": "Down", "instance": "a"})
B = LabelSet({"alertname": "Down", "instance": "b"})


def present(*labels: LabelSet, value: float = 1.0) -> list[Candidate]:
    return [Candidate(lbl, {"summary": "x"}, value) for lbl in labels]


def state_of(rule: AlertRuleState, labels: LabelSet) -> AlertState | None:
    alert = rule.active.get(labels)
    return alert.state if alert else None


def test_new_series_is_pending_then_fires_once_for_has_elapsed() -> None:
    """Pending at first sight; firing at the first evaluation with now - active_at ≥ for."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A), 0)
    assert state_of(rule, A) is AlertState.PENDING
    rule.step(present(A), 45)
    assert state_of(rule, A) is AlertState.PENDING
    changes = rule.step(present(A), 60)
    assert state_of(rule, A) is AlertState.FIRING
    assert rule.active[A].fired_at == 60
    assert rule.active[A].active_at == 0
    assert [(c.previous, c.current) for c in changes] == [(AlertState.PENDING, AlertState.FIRING)]


def test_for_zero_fires_in_the_same_evaluation() -> None:
    """``for: 0`` goes straight to firing."""
    rule = AlertRuleState(for_=0)
    changes = rule.step(present(A), 10)
    assert state_of(rule, A) is AlertState.FIRING
    assert [c.current for c in changes] == [AlertState.PENDING, AlertState.FIRING]


def test_pending_alert_is_dropped_silently_when_series_goes() -> None:
    """A pending alert whose series disappears is removed, not resolved."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A), 0)
    rule.step([], 15)
    assert A not in rule.active


def test_firing_alert_resolves_and_is_kept_fifteen_minutes() -> None:
    """A resolved alert stays (inactive, resolved_at set) for 15 minutes, then goes."""
    rule = AlertRuleState(for_=0)
    rule.step(present(A), 0)
    rule.step([], 30)
    alert = rule.active[A]
    assert alert.state is AlertState.INACTIVE
    assert alert.resolved_at == 30
    rule.step([], 30 + RESOLVED_RETENTION)
    assert A in rule.active
    rule.step([], 30 + RESOLVED_RETENTION + 1)
    assert A not in rule.active


def test_resolved_alert_that_returns_starts_pending_again() -> None:
    """A series returning after resolution is a new alert with a new active_at."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A), 0)
    rule.step(present(A), 60)
    rule.step([], 90)
    rule.step(present(A), 120)
    alert = rule.active[A]
    assert alert.state is AlertState.PENDING
    assert alert.active_at == 120
    assert alert.resolved_at is None


def test_keep_firing_for_holds_a_firing_alert() -> None:
    """With keep_firing_for, a vanished firing alert keeps firing until the period is over."""
    rule = AlertRuleState(for_=0, keep_firing_for=120)
    rule.step(present(A), 0)
    rule.step([], 60)
    assert state_of(rule, A) is AlertState.FIRING
    assert rule.active[A].keep_firing_since == 60
    rule.step([], 179)
    assert state_of(rule, A) is AlertState.FIRING
    rule.step([], 180)
    assert state_of(rule, A) is AlertState.INACTIVE
    assert rule.active[A].resolved_at == 180


def test_keep_firing_since_resets_when_series_returns() -> None:
    """A series that comes back clears keep_firing_since."""
    rule = AlertRuleState(for_=0, keep_firing_for=120)
    rule.step(present(A), 0)
    rule.step([], 60)
    rule.step(present(A), 90)
    assert rule.active[A].keep_firing_since is None


def test_alerts_series_are_written_for_pending_and_firing() -> None:
    """ALERTS{alertstate} = 1 and ALERTS_FOR_STATE = active_at for every active alert."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A), 100.7)
    rule.step(present(A, B), 160.7)
    series = rule.series()
    assert series[LabelSet({**dict(A), "__name__": ALERTS, "alertstate": "firing"})] == 1.0
    assert series[LabelSet({**dict(B), "__name__": ALERTS, "alertstate": "pending"})] == 1.0
    assert series[LabelSet({**dict(A), "__name__": ALERTS_FOR_STATE})] == 100.0


def test_duplicate_label_sets_are_an_error() -> None:
    """Two results with the same final labels fail the evaluation like Prometheus."""
    rule = AlertRuleState(for_=0)
    with pytest.raises(RuleEvalError, match="same labelset"):
        rule.step(present(A, A), 0)


def test_group_limit_clears_alerts_and_errors() -> None:
    """More alerts than the limit: an error, and the rule's alerts are dropped."""
    rule = AlertRuleState(for_=0)
    with pytest.raises(RuleEvalError, match="exceeded limit of 1 with 2 alerts"):
        rule.step(present(A, B), 0, limit=1)
    assert not rule.active


def test_value_and_annotations_follow_the_latest_result() -> None:
    """An existing alert takes the newest value and annotations, keeping active_at."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A, value=1), 0)
    rule.step([Candidate(A, {"summary": "y"}, 5.0)], 15)
    alert = rule.active[A]
    assert (alert.value, alert.annotations, alert.active_at) == (5.0, {"summary": "y"}, 0)


def test_held_restored_alert_survives_absence_until_hold_ends() -> None:
    """A restored alert with hold_until is not ended by absence before then."""
    rule = AlertRuleState(for_=60)
    rule.step(present(A), 0)
    rule.active[A].hold_until = 100
    rule.step([], 50)
    assert state_of(rule, A) is AlertState.PENDING
    rule.step([], 100)
    assert A not in rule.active
