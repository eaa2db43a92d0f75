"""Metrics of alert delivery: Alertmanager replicas, fallback, emergency receivers, outbox,
heartbeats (and the journal's, which delivery writes)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from watchdog.journal.metrics import JournalMetrics
from watchdog.metrics import LATENCY_BUCKETS

__all__ = ["DeliveryMetrics", "HeartbeatMetrics"]

_AM = ["alertmanager"]


class HeartbeatMetrics:
    """Outgoing pings and incoming heartbeats."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
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


class DeliveryMetrics:
    """Created once per daemon, so a delivery service rebuilt by a reload keeps its counters.

    ``heartbeat`` and ``journal`` are the parts the delivery service hands to its heartbeats
    and its journal writer.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.heartbeat = HeartbeatMetrics(r)
        self.journal = JournalMetrics(r)
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
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.alertmanager_sent = Counter(
            "watchdog_alertmanager_alerts_sent_total",
            "Alerts accepted by an Alertmanager.",
            _AM,
            registry=r,
        )
        self.alertmanager_errors = Counter(
            "watchdog_alertmanager_errors_total",
            "Failed sends to an Alertmanager.",
            _AM,
            registry=r,
        )
        self.alertmanager_latency = Histogram(
            "watchdog_alertmanager_latency_seconds",
            "Latency of sends to an Alertmanager.",
            _AM,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.alertmanager_queue = Gauge(
            "watchdog_alertmanager_queue_length",
            "Alerts waiting to be sent to an Alertmanager.",
            _AM,
            registry=r,
        )
        self.alertmanager_dropped = Counter(
            "watchdog_alertmanager_alerts_dropped_total",
            "Alerts dropped from an Alertmanager's send queue (full queue or rejected by it).",
            ["alertmanager", "reason"],
            registry=r,
        )
        self.alertmanager_available = Gauge(
            "watchdog_alertmanager_available",
            "1 while an Alertmanager replica counts as accepting alerts, 0 once it has failed.",
            _AM,
            registry=r,
        )
        self.fallback_active = Gauge(
            "watchdog_fallback_active",
            "1 while alerts go to emergency receivers because no Alertmanager accepts them.",
            registry=r,
        )
        self.fallback_transitions = Counter(
            "watchdog_fallback_transitions_total",
            "Times delivery switched to (to=emergency) or back from (to=alertmanager) fallback.",
            ["to"],
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
