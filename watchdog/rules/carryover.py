"""Alert state across rule changes: carried over by rule name, or retired with a resolve.

Prometheus' ``Group.CopyState`` carries a rule's active alerts into the new rule of the same
name, and the next evaluation of the new expression resolves whatever it no longer returns.
Here a new rule takes the state of the old rule with the same definition, else of the first
old rule of the same kind and name; an edited ``expr``, ``for``, ``keep_firing_for`` or
``labels`` therefore keeps firing alerts firing until the new rule says otherwise, and an
alert whose labels changed resolves at the next evaluation.

An alert whose rule is gone (the rule, its group or its file was removed or renamed, on a
reload or while the daemon was stopped) is *retired*: a firing one resolves at once, and
retired alerts are sent like any resolved alert — re-sent every resend delay for 15 minutes
— so whoever was paged about it hears that it ended. Pending ones were never sent and are
dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from watchdog.rules.alerting import (
    RESOLVED_RETENTION,
    Alert,
    AlertRuleState,
    AlertState,
    Transition,
)
from watchdog.rules.group import GroupState, RuleStatus
from watchdog.rules.sending import needs_sending

__all__ = ["RetiredAlert", "RetiredAlerts", "carry_state"]


def carry_state(old: GroupState, new: GroupState) -> list[RuleStatus]:
    """Move alert state from ``old`` into ``new``; return the old rules nobody took over."""
    taken: set[int] = set()
    matches: dict[int, int] = {}

    def match(same: Literal["definition", "name"]) -> None:
        for new_index, status in enumerate(new.rules):
            if new_index in matches:
                continue
            for old_index, previous in enumerate(old.rules):
                if old_index not in taken and _same(previous, status, same):
                    matches[new_index] = old_index
                    taken.add(old_index)
                    break

    match("definition")
    match("name")
    for new_index, old_index in matches.items():
        status, previous = new.rules[new_index], old.rules[old_index]
        if status.alerts is not None and previous.alerts is not None:
            status.alerts = AlertRuleState(
                status.alerts.for_, status.alerts.keep_firing_for, previous.alerts.active
            )
        status.health, status.last_error = previous.health, previous.last_error
        status.last_evaluation = previous.last_evaluation
    new.last_eval_ts = old.last_eval_ts
    return [status for index, status in enumerate(old.rules) if index not in taken]


def _same(old: RuleStatus, new: RuleStatus, how: Literal["definition", "name"]) -> bool:
    if old.rule.kind != new.rule.kind or old.rule.name != new.rule.name:
        return False
    return how == "name" or old.rule.definition() == new.rule.definition()


@dataclass
class RetiredAlert:
    """An alert whose rule is gone, kept until its resolve has been sent long enough."""

    rule: str
    definition: str
    expr: str
    group_name: str
    alert: Alert
    sent_before: float | None = None
    """``last_sent_at`` before the current send, restored if the sink fails."""


class RetiredAlerts:
    """Retired alerts per group key, with Prometheus' resend rules for resolved alerts."""

    def __init__(self) -> None:
        self._by_group: dict[str, list[RetiredAlert]] = {}

    def keys(self) -> set[str]:
        """Group keys that hold retired alerts."""
        return {key for key, alerts in self._by_group.items() if alerts}

    def of(self, key: str) -> list[RetiredAlert]:
        """The retired alerts of one group key."""
        return list(self._by_group.get(key, ()))

    def retire(
        self,
        key: str,
        group_name: str,
        rule: str,
        definition: str,
        expr: str,
        alerts: Iterable[Alert],
        ts: float,
    ) -> list[Transition]:
        """Retire ``alerts`` of a vanished rule at ``ts``; return the state changes."""
        changes: list[Transition] = []
        kept = self._by_group.setdefault(key, [])
        for alert in alerts:
            if alert.state is not AlertState.INACTIVE:
                changes.append(
                    Transition(alert.labels, alert.state, AlertState.INACTIVE, alert.value)
                )
            if alert.state is AlertState.PENDING:
                continue  # never sent: nobody waits for its end
            if alert.state is AlertState.FIRING:
                alert.state, alert.resolved_at = AlertState.INACTIVE, ts
                alert.hold_until = alert.keep_firing_since = None
            if _finished(alert, ts):
                continue
            kept.append(RetiredAlert(rule, definition, expr, group_name, alert))
        return changes

    def due(self, key: str, ts: float, resend_delay: float, interval: float) -> list[RetiredAlert]:
        """The retired alerts of ``key`` to send now; marks them sent (``undo`` reverts)."""
        due: list[RetiredAlert] = []
        for item in self._by_group.get(key, ()):
            if needs_sending(item.alert, ts, resend_delay):
                item.sent_before = item.alert.last_sent_at
                item.alert.last_sent_at = ts
                item.alert.valid_until = ts + 4 * max(resend_delay, interval)
                due.append(item)
        return due

    @staticmethod
    def undo(items: Iterable[RetiredAlert]) -> None:
        """Forget that ``items`` were sent (the sink failed): they are due again."""
        for item in items:
            item.alert.last_sent_at = item.sent_before

    def prune(self, key: str, ts: float) -> None:
        """Drop alerts whose resolve was sent and whose 15 minutes are over."""
        kept = [item for item in self._by_group.get(key, ()) if not _finished(item.alert, ts)]
        if kept:
            self._by_group[key] = kept
        else:
            self._by_group.pop(key, None)


def _finished(alert: Alert, ts: float) -> bool:
    sent, resolved = alert.last_sent_at, alert.resolved_at
    if sent is None or resolved is None:
        return resolved is None
    return sent >= resolved and ts - resolved > RESOLVED_RETENTION
