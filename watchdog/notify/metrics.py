"""Metrics of alert delivery: Alertmanager replicas, fallback, emergency receivers, outbox,
heartbeats (and the journal's, which delivery writes)."""

from __future__ import annotations

from watchdog.journal.metrics import JournalMetrics
from watchdog.metrics import LATENCY_BUCKETS, MetricsRegistry

__all__ = ["DeliveryMetrics", "HeartbeatMetrics", "SilenceMetrics"]

_AM = "alertmanager"


class HeartbeatMetrics:
    """Outgoing pings and incoming heartbeats."""

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.heartbeat_last_success = r.gauge(
            "watchdog_heartbeat_last_success_timestamp_seconds",
            "Unix time of the last accepted outgoing heartbeat.",
        )
        self.heartbeat_last_received = r.gauge(
            "watchdog_heartbeat_last_received_timestamp_seconds",
            "Unix time the last incoming heartbeat arrived.",
        )
        self.heartbeat_pings = r.counter(
            "watchdog_heartbeat_pings_total",
            "Outgoing heartbeat pings by outcome (success, error, skipped while unhealthy).",
            "outcome",
        )
        self.heartbeats_received = r.counter(
            "watchdog_heartbeats_received_total",
            "Incoming heartbeat posts by outcome (accepted, ignored, rejected).",
            "outcome",
        )


class SilenceMetrics:
    """Silences and inhibitions on the fallback path, and the mirror of Alertmanager's
    silences."""

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.silences = r.gauge(
            "watchdog_silences",
            "Silences known to the fallback path by source (local, mirrored) and state.",
            "source",
            "state",
        )
        self.mirror_fetches = r.counter(
            "watchdog_silences_mirror_fetches_total",
            "Fetches of an Alertmanager's silences by outcome.",
            _AM,
            "outcome",
        )
        self.mirror_last_success = r.gauge(
            "watchdog_silences_mirror_last_success_timestamp_seconds",
            "Unix time an Alertmanager's silences were last mirrored.",
            _AM,
        )
        self.muted = r.counter(
            "watchdog_fallback_alerts_muted_total",
            "Alerts not sent on the fallback path because a silence or an inhibition muted them.",
            "reason",
        )
        for reason in ("silenced", "inhibited"):
            self.muted.labels(reason)


class DeliveryMetrics:
    """Created once per daemon, so a delivery service rebuilt by a reload keeps its counters.

    ``heartbeat``, ``journal`` and ``silences`` are the parts the delivery service hands to
    its heartbeats, its journal writer and the fallback path's silences.
    """

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.heartbeat = HeartbeatMetrics(r)
        self.journal = JournalMetrics(r)
        self.silences = SilenceMetrics(r)
        self.notifications = r.counter(
            "watchdog_notifications_total",
            "Notification attempts by channel and outcome.",
            "channel",
            "outcome",
        )
        self.notification_latency = r.histogram(
            "watchdog_notification_latency_seconds",
            "Latency of delivery attempts.",
            LATENCY_BUCKETS,
            "channel",
        )
        self.alertmanager_sent = r.counter(
            "watchdog_alertmanager_alerts_sent_total", "Alerts accepted by an Alertmanager.", _AM
        )
        self.alertmanager_errors = r.counter(
            "watchdog_alertmanager_errors_total", "Failed sends to an Alertmanager.", _AM
        )
        self.alertmanager_latency = r.histogram(
            "watchdog_alertmanager_latency_seconds",
            "Latency of sends to an Alertmanager.",
            LATENCY_BUCKETS,
            _AM,
        )
        self.alertmanager_queue = r.gauge(
            "watchdog_alertmanager_queue_length",
            "Alerts waiting to be sent to an Alertmanager.",
            _AM,
        )
        self.alertmanager_dropped = r.counter(
            "watchdog_alertmanager_alerts_dropped_total",
            "Alerts dropped from an Alertmanager's send queue (full queue or rejected by it).",
            _AM,
            "reason",
        )
        self.alertmanager_available = r.gauge(
            "watchdog_alertmanager_available",
            "1 while an Alertmanager replica counts as accepting alerts, 0 once it has failed.",
            _AM,
        )
        self.fallback_active = r.gauge(
            "watchdog_fallback_active",
            "1 while alerts go to emergency receivers because no Alertmanager accepts them.",
        )
        self.fallback_transitions = r.counter(
            "watchdog_fallback_transitions_total",
            "Times delivery switched to (to=emergency) or back from (to=alertmanager) fallback.",
            "to",
        )
        self.outbox_depth = r.gauge(
            "watchdog_outbox_depth", "Notifications waiting in the durable outbox."
        )
        self.outbox_oldest_age = r.gauge(
            "watchdog_outbox_oldest_age_seconds",
            "Age of the oldest notification waiting in the outbox.",
        )
        self.outbox_expired = r.counter(
            "watchdog_outbox_expired_total",
            "Notifications dropped from the outbox because they exceeded its bounds.",
            "reason",
        )
