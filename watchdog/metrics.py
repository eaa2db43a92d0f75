"""Every metric the daemon exposes about itself, defined in one place.

Each daemon instance owns a ``SelfMetrics`` with its own registry, so tests can run several
daemons in one process. Names follow Prometheus conventions: ``watchdog_`` prefix, base units,
``_total`` for counters.
"""

from __future__ import annotations

import contextlib
import platform

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, ProcessCollector
from prometheus_client.exposition import generate_latest

from watchdog import __version__

__all__ = ["SelfMetrics"]

_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SelfMetrics:
    """The daemon's own metrics, grouped by the subsystem that updates them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.build_info = Info("watchdog_build", "Version of monitor-watchdog.", registry=r)
        self.build_info.info({"version": __version__, "python": platform.python_version()})
        self.start_time = Gauge(
            "watchdog_start_time_seconds", "Unix time the daemon started.", registry=r
        )

        # config
        self.config_last_reload_successful = Gauge(
            "watchdog_config_last_reload_successful",
            "Whether the last config (re)load succeeded (1) or was refused (0).",
            registry=r,
        )
        self.config_last_reload_success_timestamp = Gauge(
            "watchdog_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful config load.",
            registry=r,
        )
        self.config_targets = Gauge(
            "watchdog_config_targets", "Targets in the running config.", registry=r
        )

        # scheduler and probes
        self.probe_duration = Gauge(
            "watchdog_probe_duration_seconds",
            "Duration of the last probe of a target.",
            ["job", "instance", "kind"],
            registry=r,
        )
        self.probes = Counter(
            "watchdog_probes_total", "Probes run.", ["job", "instance", "kind"], registry=r
        )
        self.probe_failures = Counter(
            "watchdog_probe_failures_total",
            "Probes that could not reach their target or whose check failed.",
            ["job", "instance", "kind"],
            registry=r,
        )
        self.target_up = Gauge(
            "watchdog_target_up",
            "1 when the last probe reached the target.",
            ["job", "instance", "kind"],
            registry=r,
        )
        self.scheduler_lag = Histogram(
            "watchdog_scheduler_lag_seconds",
            "Actual probe start minus planned start.",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self.scheduler_missed = Counter(
            "watchdog_scheduler_missed_ticks_total",
            "Planned probes skipped because the previous one overran.",
            registry=r,
        )
        self.store_series = Gauge(
            "watchdog_store_series", "Series held in the sample store.", registry=r
        )

        # rules
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

        # delivery
        self.notifications = Counter(
            "watchdog_notifications_total",
            "Notification attempts by channel and outcome.",
            ["channel", "outcome"],
            registry=r,
        )
        self.notification_latency = Histogram(
            "watchdog_notification_latency_seconds",
            "Latency of delivery attempts.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.alertmanager_sent = Counter(
            "watchdog_alertmanager_alerts_sent_total",
            "Alerts accepted by an Alertmanager.",
            ["alertmanager"],
            registry=r,
        )
        self.alertmanager_errors = Counter(
            "watchdog_alertmanager_errors_total",
            "Failed sends to an Alertmanager.",
            ["alertmanager"],
            registry=r,
        )
        self.alertmanager_latency = Histogram(
            "watchdog_alertmanager_latency_seconds",
            "Latency of sends to an Alertmanager.",
            ["alertmanager"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.alertmanager_queue = Gauge(
            "watchdog_alertmanager_queue_length",
            "Alerts waiting to be sent to an Alertmanager.",
            ["alertmanager"],
            registry=r,
        )
        self.fallback_active = Gauge(
            "watchdog_fallback_active",
            "1 while alerts go to emergency receivers because no Alertmanager accepts them.",
            registry=r,
        )
        self.outbox_depth = Gauge(
            "watchdog_outbox_depth", "Notifications waiting in the durable outbox.", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "watchdog_outbox_oldest_age_seconds",
            "Age of the oldest notification waiting in the outbox.",
            registry=r,
        )
        self.outbox_expired = Counter(
            "watchdog_outbox_expired_total",
            "Notifications dropped from the outbox because they exceeded its bounds.",
            ["reason"],
            registry=r,
        )
        self.heartbeat_last_success = Gauge(
            "watchdog_heartbeat_last_success_timestamp_seconds",
            "Unix time of the last accepted outgoing heartbeat.",
            registry=r,
        )
        self.heartbeat_last_received = Gauge(
            "watchdog_heartbeat_last_received_timestamp_seconds",
            "Unix time the last incoming heartbeat arrived.",
            registry=r,
        )
        self.journal_entries = Gauge(
            "watchdog_journal_entries", "Entries in the event journal.", registry=r
        )

        # delivery, added with the notify package
        self.alertmanager_dropped = Counter(
            "watchdog_alertmanager_alerts_dropped_total",
            "Alerts dropped from an Alertmanager's send queue (full queue or rejected by it).",
            ["alertmanager", "reason"],
            registry=r,
        )
        self.alertmanager_available = Gauge(
            "watchdog_alertmanager_available",
            "1 while an Alertmanager replica counts as accepting alerts, 0 once it has failed.",
            ["alertmanager"],
            registry=r,
        )
        self.fallback_transitions = Counter(
            "watchdog_fallback_transitions_total",
            "Times delivery switched to (to=emergency) or back from (to=alertmanager) fallback.",
            ["to"],
            registry=r,
        )
        self.heartbeat_pings = Counter(
            "watchdog_heartbeat_pings_total",
            "Outgoing heartbeat pings by outcome (success, error, skipped while unhealthy).",
            ["outcome"],
            registry=r,
        )
        self.heartbeats_received = Counter(
            "watchdog_heartbeats_received_total",
            "Incoming heartbeat posts by outcome (accepted, ignored, rejected).",
            ["outcome"],
            registry=r,
        )
        self.journal_write_errors = Counter(
            "watchdog_journal_write_errors_total",
            "Journal entries that could not be written.",
            registry=r,
        )

        # journal verification (journal.guard)
        self.journal_intact = Gauge(
            "watchdog_journal_intact",
            "1 while the journal verified intact; 0 once tampering was found or it could not be"
            " verified (a key missing).",
            registry=r,
        )
        self.journal_verifications = Counter(
            "watchdog_journal_verifications_total",
            "Journal verifications (at start: the whole chain; then what was appended since)"
            " by outcome (intact, tampered, unverifiable).",
            ["outcome"],
            registry=r,
        )
        self.journal_last_verification = Gauge(
            "watchdog_journal_last_verification_timestamp_seconds",
            "Unix time of the last journal verification.",
            registry=r,
        )
        self.journal_verified_entries = Gauge(
            "watchdog_journal_verified_entries",
            "Entry count of the last anchor verified and made durable (what heartbeats ship).",
            registry=r,
        )

        # HTTP server hardening (serverguard)
        self.http_connections = Gauge(
            "watchdog_http_connections", "Open connections to the HTTP server.", registry=r
        )
        self.http_connections_limit = Gauge(
            "watchdog_http_connections_limit",
            "Connections the HTTP server holds at most (max_connections within the fd budget).",
            registry=r,
        )
        self.http_connections_refused = Counter(
            "watchdog_http_connections_refused_total",
            "New connections closed at once: the limit was reached and every connection was busy.",
            registry=r,
        )
        self.http_connections_closed = Counter(
            "watchdog_http_connections_closed_total",
            "Connections the server closed itself"
            " (header_timeout, body_timeout, idle_timeout, evicted).",
            ["reason"],
            registry=r,
        )
        self.http_requests_refused = Counter(
            "watchdog_http_requests_refused_total",
            "Requests refused before their handler ran (body_too_large).",
            ["reason"],
            registry=r,
        )
        self.http_accept_errors = Counter(
            "watchdog_http_accept_errors_total",
            "Failed accept() calls on the listener (file descriptors or kernel buffers ran out).",
            registry=r,
        )
        self.http_accept_failing = Gauge(
            "watchdog_http_accept_failing",
            "1 from a failed accept() until the next accepted connection.",
            registry=r,
        )
        self.http_handler_errors = Counter(
            "watchdog_http_handler_errors_total",
            "Requests whose handler failed unexpectedly (answered 500, logged).",
            ["handler"],
            registry=r,
        )
        # process_open_fds, process_max_fds, memory and CPU, as every Prometheus exporter has
        ProcessCollector(registry=r)

    def forget_target(self, job: str, instance: str, kind: str) -> None:
        """Drop per-target series of a target that left the config."""
        for metric in (self.probe_duration, self.probes, self.probe_failures, self.target_up):
            with contextlib.suppress(KeyError):
                metric.remove(job, instance, kind)

    def exposition(self) -> bytes:
        """The registry in text exposition format."""
        return generate_latest(self.registry)
