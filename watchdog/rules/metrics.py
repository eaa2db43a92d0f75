"""Metrics of rule group evaluation and the alerts it holds."""

from __future__ import annotations

from watchdog.metrics import MetricsRegistry

__all__ = ["RuleMetrics"]

_GROUP = "rule_group"


class RuleMetrics:
    """Per rule group: evaluation duration, time, iterations, misses, failures; alerts by state."""

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.rule_group_duration = r.gauge(
            "watchdog_rule_group_last_duration_seconds",
            "Duration of the last evaluation of a rule group.",
            _GROUP,
        )
        self.rule_group_last_evaluation = r.gauge(
            "watchdog_rule_group_last_evaluation_timestamp_seconds",
            "Unix time of the last evaluation of a rule group.",
            _GROUP,
        )
        self.rule_group_iterations = r.counter(
            "watchdog_rule_group_iterations_total", "Scheduled evaluations of a rule group.", _GROUP
        )
        self.rule_group_missed = r.counter(
            "watchdog_rule_group_iterations_missed_total",
            "Evaluations skipped because the previous one overran.",
            _GROUP,
        )
        self.rule_evaluation_failures = r.counter(
            "watchdog_rule_evaluation_failures_total", "Rule evaluations that failed.", _GROUP
        )
        self.rule_template_failures = r.counter(
            "watchdog_rule_template_failures_total",
            "Label and annotation expansions that failed (the alert fires with the error text).",
            _GROUP,
        )
        self.alerts = r.gauge("watchdog_alerts", "Alerts by state.", "state")
        self.lint_findings = r.gauge(
            "watchdog_rule_lint_findings",
            "Findings of the rule lint on the running config, by severity (as 'check' prints).",
            "severity",
        )
        for severity in ("error", "warning"):
            self.lint_findings.labels(severity).set(0)
