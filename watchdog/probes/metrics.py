"""Metrics of the scheduler and the probes it runs."""

from __future__ import annotations

import contextlib

from watchdog.metrics import MetricsRegistry

__all__ = ["ProbeMetrics"]

_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_PER_TARGET = ("job", "instance", "kind")


class ProbeMetrics:
    """Per-target probe results, scheduling lag and missed ticks, the configured targets."""

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.config_targets = r.gauge("watchdog_config_targets", "Targets in the running config.")
        self.probe_duration = r.gauge(
            "watchdog_probe_duration_seconds",
            "Duration of the last probe of a target.",
            *_PER_TARGET,
        )
        self.probes = r.counter("watchdog_probes_total", "Probes run.", *_PER_TARGET)
        self.probe_failures = r.counter(
            "watchdog_probe_failures_total",
            "Probes that could not reach their target or whose check failed.",
            *_PER_TARGET,
        )
        self.target_up = r.gauge(
            "watchdog_target_up", "1 when the last probe reached the target.", *_PER_TARGET
        )
        self.undeclared_names = r.counter(
            "watchdog_probe_undeclared_names_total",
            "Metric names a probe kind returned without declaring them (each name counted once):"
            " the rule lint does not know them.",
            "kind",
        )
        self.scheduler_lag = r.histogram(
            "watchdog_scheduler_lag_seconds",
            "Actual probe start minus planned start.",
            _LAG_BUCKETS,
        )
        self.scheduler_missed = r.counter(
            "watchdog_scheduler_missed_ticks_total",
            "Planned probes skipped because the previous one overran.",
        )

    def forget_target(self, job: str, instance: str, kind: str) -> None:
        """Drop per-target series of a target that left the config."""
        for metric in (self.probe_duration, self.probes, self.probe_failures, self.target_up):
            with contextlib.suppress(KeyError):
                metric.remove(job, instance, kind)
