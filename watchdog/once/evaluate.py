"""One evaluation of every rule group over one probe round, and what each alert would do.

How ``for`` is treated: a single round cannot wait ``for`` out, so it is not waited for.

* An alert new in this round is **pending**, unless its rule has ``for: 0``, which fires at
  once (as in Prometheus). The output says how long it still needs: "pending (needs 2m)".
* The daemon's persisted alert state is restored first (read-only, as a restarted daemon
  restores it: same rule definition only, down time not counted toward ``for`` — but a daemon
  that evaluated the group within the last three intervals is running, so it has none). An
  alert the daemon has pending for 1m30s of a 2m ``for`` is "pending (30s to go)"; one whose
  ``for`` has elapsed by now, or that the daemon already fires, **would fire** — if this round's
  result still contains it. One the daemon fires whose series is gone **would resolve** (or
  keeps firing within ``keep_firing_for``).
* A rule that reads history (a range like ``rate(x[5m])``, an ``offset``) sees one sample per
  series, which is often not enough to return anything. Its alerts from the daemon's state are
  kept as they are, marked "not re-checked", instead of being resolved for lack of data.

Built-in groups (the incoming-heartbeat rule) are left out: one round cannot observe a
heartbeat. Nothing is sent and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.alerts import iso_time
from watchdog.durations import format_duration
from watchdog.once.saved import SavedState
from watchdog.rules.alerting import AlertState
from watchdog.rules.group import EvalContext, GroupState
from watchdog.rules.model import AlertingRule, RuleGroup
from watchdog.rules.restore import restore_group
from watchdog.rules.retention import configure_store_retention
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

__all__ = ["AlertVerdict", "Evaluation", "RuleProblem", "evaluate_rules"]

FIRING, PENDING, RESOLVED = "firing", "pending", "resolved"
ALIVE_INTERVALS = 3
"""A group the daemon evaluated within this many intervals counts as still being evaluated."""


@dataclass(frozen=True)
class AlertVerdict:
    """What one alert would do if the daemon evaluated now."""

    group: str
    rule: str
    state: str  # firing | pending | resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float
    for_: float
    active_since: float | None
    remaining: float
    from_saved_state: bool
    rechecked: bool
    reason: str

    @property
    def alertname(self) -> str:
        """The ``alertname`` label."""
        return self.labels.get("alertname", self.rule)


@dataclass(frozen=True)
class RuleProblem:
    """A rule that could not be evaluated."""

    group: str
    rule: str
    error: str


@dataclass(frozen=True)
class Evaluation:
    """Every group evaluated once at ``ts``."""

    ts: float
    alerts: list[AlertVerdict]
    problems: list[RuleProblem]
    history_rules: list[str]
    groups: int
    rules: int
    saved_note: str


def evaluate_rules(
    groups: Sequence[RuleGroup],
    store: SampleStore,
    ts: float,
    *,
    default_interval: float,
    context: EvalContext | None = None,
    saved: SavedState | None = None,
) -> Evaluation:
    """Evaluate ``groups`` in order at ``ts`` over ``store``; ``saved`` is restored first."""
    saved = saved or SavedState()
    ctx = context or EvalContext(store)
    resolved = [g.with_interval(default_interval) for g in groups]
    configure_store_retention(store, resolved)
    verdicts: list[AlertVerdict] = []
    problems: list[RuleProblem] = []
    history: list[str] = []
    for group in resolved:
        state = GroupState(group)
        before = _restore(state, saved, ts)
        state.evaluate(ts, ctx)
        for status in state.rules:
            if status.health == "err":
                problems.append(RuleProblem(group.key, status.rule.name, status.last_error))
            if status.rule.query.lookback_window() > 0:
                history.append(status.rule.name)
        verdicts.extend(_verdicts(state, before, ts))
    order = {FIRING: 0, PENDING: 1, RESOLVED: 2}
    verdicts.sort(key=lambda v: (order[v.state], v.alertname, sorted(v.labels.items())))
    return Evaluation(
        ts,
        verdicts,
        problems,
        history,
        len(resolved),
        sum(len(g.rules) for g in resolved),
        saved.note,
    )


def _restore(state: GroupState, saved: SavedState, ts: float) -> dict[tuple[int, LabelSet], str]:
    """Restore the group's saved alerts; their states before this evaluation, by rule index."""
    key = state.group.key
    last_eval = saved.last_eval.get(key)
    if last_eval is not None and ts - last_eval <= ALIVE_INTERVALS * state.interval:
        last_eval = None  # the daemon is running: there is no down time to leave out of `for`
    restore_group(state, saved.alerts.get(key, []), last_eval, ts, hold=0.0)
    before: dict[tuple[int, LabelSet], str] = {}
    for index, status in enumerate(state.rules):
        if status.alerts is None:
            continue
        reads_history = status.rule.query.lookback_window() > 0
        for alert in status.alerts.active.values():
            before[(index, alert.labels)] = alert.state.value
            if reads_history and alert.state is not AlertState.INACTIVE:
                alert.hold_until = math.inf  # one sample cannot re-check it: keep, say so
    return before


def _verdicts(
    state: GroupState, before: dict[tuple[int, LabelSet], str], ts: float
) -> list[AlertVerdict]:
    out: list[AlertVerdict] = []
    for index, status in enumerate(state.rules):
        rule = status.rule
        if status.alerts is None or not isinstance(rule, AlertingRule):
            continue
        for alert in status.alerts.alerts(include_inactive=True):
            previous = before.get((index, alert.labels))
            if alert.state is AlertState.INACTIVE:
                if alert.resolved_at != ts or previous is None:
                    continue  # resolved before this round: nothing new to say
                verdict, remaining = RESOLVED, 0.0
            elif alert.state is AlertState.FIRING:
                verdict, remaining = FIRING, 0.0
            else:
                verdict = PENDING
                remaining = max(0.0, rule.for_ - (ts - alert.active_at))
            rechecked = alert.hold_until is None
            out.append(
                AlertVerdict(
                    group=state.group.key,
                    rule=rule.name,
                    state=verdict,
                    labels=dict(alert.labels),
                    annotations=dict(alert.annotations),
                    value=alert.value,
                    for_=rule.for_,
                    active_since=alert.active_at if verdict != RESOLVED else None,
                    remaining=remaining,
                    from_saved_state=previous is not None,
                    rechecked=rechecked,
                    reason=_reason(rule, alert.active_at, alert.fired_at, verdict, previous, ts)
                    + ("" if rechecked else _not_rechecked(rule)),
                )
            )
    return out


def _reason(
    rule: AlertingRule,
    active_at: float,
    fired_at: float | None,
    verdict: str,
    previous: str | None,
    ts: float,
) -> str:
    needs = format_duration(rule.for_)
    if verdict == RESOLVED:
        return "the daemon has it firing; this round's result no longer contains it"
    if verdict == FIRING:
        if previous == FIRING and fired_at is not None:
            return f"firing since {iso_time(fired_at)} (daemon state)"
        if previous == PENDING:
            return f"pending since {iso_time(active_at)} (daemon state); for {needs} has elapsed"
        return "for: 0 fires at once"
    left = format_duration(math.ceil(max(0.0, rule.for_ - (ts - active_at))))
    if previous == PENDING:
        return f"pending since {iso_time(active_at)} (daemon state); {left} of for {needs} to go"
    return f"new in this round; needs for {needs} (a single round cannot wait it out)"


def _not_rechecked(rule: AlertingRule) -> str:
    window = format_duration(rule.query.lookback_window())
    return f"; not re-checked: the rule reads {window} of history, one round has one sample"
