"""Put persisted alert state back into a freshly started group.

Choices (documented in docs/rules.md):

* Firing and resolved alerts are restored into the rule of the same group and name, whatever
  changed in it while the daemon was stopped: the next evaluation of the new expression
  resolves what it no longer returns, so an alert that was sent as firing always ends with a
  resolve. Pending alerts come back only into a rule whose definition (expression, ``for``,
  ``keep_firing_for``, labels) is unchanged: their timers no longer describe a changed rule.
* Alerts whose rule is gone are handed back as ``orphans``; the manager retires them (a
  firing one is resolved and the resolve sent, see ``carryover``).
* Down time does not count toward ``for``: the pending time accrued before the stop is kept,
  so an alert pending 40 s of a 60 s ``for`` fires 20 s after the first evaluation after the
  restart. (Prometheus does the same, but adds a 10-minute grace period; an independent
  watchdog must not be ten minutes late, so there is none here.)
* Firing alerts stay firing; resolved alerts keep being re-sent until their 15 minutes are up.
* The sample store is in memory and refills after a start, so restored pending and firing alerts
  are held for ``hold`` seconds: their absence from results does not end them until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from watchdog.rules.alerting import RESOLVED_RETENTION, AlertState
from watchdog.rules.group import GroupState
from watchdog.rules.model import AlertingRule
from watchdog.rules.persist import SavedAlert

__all__ = ["RestoreReport", "restore_group"]


@dataclass(frozen=True)
class RestoreReport:
    """How many alerts came back, how many pending ones were dropped because their rule
    changed, and the alerts whose rule no longer exists."""

    restored: int = 0
    discarded: int = 0
    orphans: tuple[SavedAlert, ...] = ()


def restore_group(
    state: GroupState,
    saved: Iterable[SavedAlert],
    last_eval: float | None,
    ts: float,
    hold: float,
) -> RestoreReport:
    """Restore ``saved`` into ``state`` before its first evaluation at ``ts``."""
    restored = discarded = 0
    orphans: list[SavedAlert] = []
    rules = {
        status.rule.name: status
        for status in state.rules
        if isinstance(status.rule, AlertingRule) and status.alerts is not None
    }
    gap = max(0.0, ts - last_eval) if last_eval is not None else 0.0
    for item in saved:
        status = rules.get(item.rule)
        if status is None or status.alerts is None:
            orphans.append(item)
            continue
        assert isinstance(status.rule, AlertingRule)
        changed = item.definition != status.rule.definition()
        if changed and item.alert.state is AlertState.PENDING:
            discarded += 1
            continue
        alert = replace(item.alert)
        if alert.state is AlertState.INACTIVE:
            if alert.resolved_at is None or ts - alert.resolved_at > RESOLVED_RETENTION:
                continue
        else:
            if alert.state is AlertState.PENDING:
                alert.active_at += gap  # the time spent down does not count toward `for`
            if alert.keep_firing_since is not None:
                alert.keep_firing_since += gap
            alert.hold_until = ts + hold
        status.alerts.active[alert.labels] = alert
        restored += 1
    return RestoreReport(restored, discarded, tuple(orphans))
