"""Which alerts are due for sending, and the notifications they become.

Prometheus' ``rules/manager.go`` semantics: pending alerts are never sent; an alert is re-sent
when it was resolved since the last send, or once ``resend_delay`` has passed. ``endsAt`` is the
resolve time for resolved alerts, else ``now + 4 x max(interval, resend_delay)`` so that
Alertmanager resolves it by itself if the daemon stops sending.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from watchdog.alerts import Notification
from watchdog.rules.alerting import Alert, AlertState

__all__ = ["GeneratorLinks", "due_alerts", "needs_sending", "to_notification"]


def needs_sending(alert: Alert, ts: float, resend_delay: float) -> bool:
    """Prometheus' ``Alert.needsSending``."""
    if alert.state is AlertState.PENDING:
        return False
    if alert.resolved_at is not None and (
        alert.last_sent_at is None or alert.resolved_at > alert.last_sent_at
    ):
        return True
    return alert.last_sent_at is None or alert.last_sent_at + resend_delay < ts


def due_alerts(
    alerts: Iterable[Alert], ts: float, resend_delay: float, interval: float
) -> list[Alert]:
    """The alerts to send now; marks them sent and sets how long they stay valid."""
    due: list[Alert] = []
    for alert in alerts:
        if needs_sending(alert, ts, resend_delay):
            alert.last_sent_at = ts
            alert.valid_until = ts + 4 * max(resend_delay, interval)
            due.append(alert)
    return due


@dataclass(frozen=True)
class GeneratorLinks:
    """Where an alert's ``generatorURL`` points: never at a page nobody serves.

    ``prometheus``: a Prometheus-style UI the user names (``alerting.generator_url``): the
    alert links to its expression there, as Prometheus builds the link. Else ``daemon``: the
    daemon's own configured ``server.external_url``: the alert links to its rule in
    ``/api/v1/rules`` (state, expression, active alerts). Neither: no link.
    """

    prometheus: str = ""
    daemon: str = ""

    def link(self, group: str, rule: str, expr: str) -> str:
        """The ``generatorURL`` of an alert of ``rule`` in ``group``."""
        if self.prometheus:
            query = urllib.parse.quote_plus(expr)
            return f"{self.prometheus.rstrip('/')}/graph?g0.expr={query}&g0.tab=1"
        if self.daemon:
            query = urllib.parse.urlencode({"rule_name[]": rule, "rule_group[]": group})
            return f"{self.daemon.rstrip('/')}/api/v1/rules?{query}"
        return ""


def to_notification(
    alert: Alert,
    *,
    group: str,
    external_labels: Mapping[str, str],
    generator_url: str = "",
) -> Notification:
    """The notification for one due alert; external labels fill labels the alert lacks."""
    labels = dict(alert.labels)
    for name, value in external_labels.items():
        labels.setdefault(name, value)
    resolved = alert.resolved_at is not None and alert.state is AlertState.INACTIVE
    ends_at = alert.resolved_at if resolved else alert.valid_until
    return Notification(
        labels=labels,
        annotations=dict(alert.annotations),
        starts_at=alert.fired_at if alert.fired_at is not None else alert.active_at,
        ends_at=ends_at if ends_at is not None else alert.active_at,
        status="resolved" if resolved else "firing",
        generator_url=generator_url,
        group=group,
    )
