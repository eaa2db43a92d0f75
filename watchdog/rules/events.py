"""What the rule manager says about alerts and rules: one log line per state change (and the
journal hook), template failures when they start and stop."""

from __future__ import annotations

from watchdog.alerts import AlertTransitionHook
from watchdog.logs import get_logger
from watchdog.rules.alerting import AlertState, Transition
from watchdog.rules.group import RuleStatus
from watchdog.rules.metrics import RuleMetrics

__all__ = ["RuleEvents"]


class RuleEvents:
    """Logs state changes once each and tells the transition hook (the journal)."""

    def __init__(self, metrics: RuleMetrics) -> None:
        self.metrics = metrics
        self.on_transition: AlertTransitionHook | None = None
        self._log = get_logger("rules")

    def transition(self, key: str, change: Transition, ts: float) -> None:
        """One alert changed state at ``ts`` in group ``key``."""
        labels = dict(change.labels)
        event = {
            AlertState.PENDING: "alert pending",
            AlertState.FIRING: "alert firing",
        }.get(change.current, "alert resolved")
        if change.previous is AlertState.PENDING and change.current is AlertState.INACTIVE:
            event = "alert pending cleared"
        log = self._log.warning if change.current is AlertState.FIRING else self._log.info
        log(
            event,
            group=key,
            alertname=labels.get("alertname", ""),
            labels=labels,
            value=change.value,
        )
        if self.on_transition is not None:
            try:
                self.on_transition(
                    group=key,
                    alertname=labels.get("alertname", ""),
                    labels=labels,
                    previous=change.previous.value,
                    current=change.current.value,
                    at=ts,
                )
            except Exception:  # the journal's trouble must never stop evaluation
                self._log.exception("alert transition hook failed", group=key)

    def retired(self, key: str, rule: str, changes: list[Transition], ts: float) -> None:
        """Alerts of a rule that is gone changed state (a firing one resolved)."""
        for change in changes:
            if change.previous is AlertState.FIRING:
                self._log.warning(
                    "alert resolved because its rule is gone; the resolve is sent",
                    group=key,
                    rule=rule,
                    labels=dict(change.labels),
                )
            self.transition(key, change, ts)

    def template_errors(self, key: str, status: RuleStatus, previous: set[str]) -> None:
        """Count failed expansions; log when a label or annotation starts or stops failing."""
        if status.template_failures:
            self.metrics.rule_template_failures.labels(key).inc(status.template_failures)
        for where, error in status.template_errors.items():
            if where not in previous:
                self._log.warning(
                    "template expansion failed; the alert fires with the error text",
                    group=key,
                    rule=status.rule.name,
                    template=where,
                    error=error,
                )
        for where in sorted(previous - set(status.template_errors)):
            self._log.info(
                "template expansion recovered", group=key, rule=status.rule.name, template=where
            )
