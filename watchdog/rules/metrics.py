"""Metrics of rule group evaluation and the alerts it holds."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["RuleMetrics"]


class RuleMetrics:
    """Per rule group: evaluation duration, time, iterations, misses, failures; alerts by state."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.rule_group_duration = Gauge(
            "watchdog_rule_group_last_duration_seconds",
            "Duration of the last evaluation of a rule group.",
            ["rule_group"],
            registry=r,
        )
        self.rule_group_last_evaluation = Gauge(
            "watchdog_rule_group_last_evaluation_timestamp_seconds",
            "Unix time of the last evaluation of a rule group.",
            ["rule_group"],
            registry=r,
        )
        self.rule_group_iterations = Counter(
            "watchdog_rule_group_iterations_total",
            "Scheduled evaluations of a rule group.",
            ["rule_group"],
            registry=r,
        )
        self.rule_group_missed = Counter(
            "watchdog_rule_group_iterations_missed_total",
            "Evaluations skipped because the previous one overran.",
            ["rule_group"],
            registry=r,
        )
        self.rule_evaluation_failures = Counter(
            "watchdog_rule_evaluation_failures_total",
            "Rule evaluations that failed.",
            ["rule_group"],
            registry=r,
        )
        self.alerts = Gauge("watchdog_alerts", "Alerts by state.", ["state"], registry=r)
