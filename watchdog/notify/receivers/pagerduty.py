"""PagerDuty Events API v2: one ``trigger`` or ``resolve`` event per alert.

``dedup_key`` is the alert's fingerprint, so a resolve closes exactly the incident its trigger
opened and re-sent triggers update it. ``payload.summary`` is at most 1024 characters and
``payload.severity`` one of critical/error/warning/info, mapped from the ``severity`` label
(unknown values become ``error``). The "Alertmanager is back" notice is a change event
(``/v2/change/enqueue``): informational, it pages nobody.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import model_validator

from watchdog import __version__
from watchdog.alerts import Notification, iso_time
from watchdog.config.types import HttpUrl, Secret, SecretFile, pick_secret, reveal
from watchdog.notify.http import HttpRequest
from watchdog.notify.receivers.base import (
    HttpChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
    probe_context,
)
from watchdog.redact import redact_url

__all__ = [
    "KIND",
    "SUMMARY_LIMIT",
    "PagerDutyChannel",
    "PagerDutyReceiver",
    "build_body",
    "build_change_body",
    "severity_of",
]

SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
_SEVERITIES = {
    "critical": "critical",
    "page": "critical",
    "emergency": "critical",
    "fatal": "critical",
    "error": "error",
    "high": "error",
    "major": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "minor": "warning",
    "info": "info",
    "low": "info",
    "none": "info",
}


class PagerDutyReceiver(ReceiverConfig):
    """PagerDuty Events API v2."""

    kind: Literal["pagerduty"]
    routing_key: Secret | None = None
    routing_key_file: SecretFile | None = None
    url: HttpUrl = "https://events.pagerduty.com/v2/enqueue"
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> PagerDutyReceiver:
        pick_secret(self.routing_key, self.routing_key_file, "routing_key", required=True)
        return self

    def target(self) -> str:
        """The Events API URL (not a secret; the routing key is)."""
        return self.url

    def shown_target(self) -> str:
        """The Events API URL, redacted like any URL shown."""
        return redact_url(self.url)

    def key(self) -> str:
        """The integration's routing key (a secret)."""
        return reveal(self.routing_key, self.routing_key_file)


def severity_of(alert: Notification) -> str:
    """The Events API severity for an alert's ``severity`` label."""
    return _SEVERITIES.get(alert.labels.get("severity", "").strip().lower(), "error")


def build_body(
    alert: Notification,
    *,
    routing_key: str,
    reason: str,
    source: str | None = None,
    group: str = "",
    external_url: str = "",
) -> dict[str, Any]:
    """The event for one alert: ``trigger`` while firing, ``resolve`` once resolved."""
    dedup_key = alert.fingerprint[:DEDUP_KEY_LIMIT]
    if alert.status == "resolved":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key}
    summary = alert.annotations.get("summary") or alert.alertname
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname")
    context = probe_context(alert)
    probe = f" — {context[0][1]}" if context and context[0][0] == "Probe error" else ""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {
            "summary": _clip(
                f"[FIRING] {alert.alertname}: {summary}{probe} ({labels})", SUMMARY_LIMIT
            ),
            "source": source or alert.labels.get("instance") or "monitor-watchdog",
            "severity": severity_of(alert),
            "timestamp": iso_time(alert.starts_at),
            "class": alert.alertname,
            "custom_details": {
                "labels": dict(alert.labels),
                "annotations": dict(alert.annotations),
                "firing_since": iso_time(alert.starts_at),
                "delivered_via": "monitor-watchdog fallback path",
                "fallback_reason": reason,
                **{title.lower().replace(" ", "_"): text for title, text in context},
            },
        },
        "client": f"monitor-watchdog {__version__}",
    }
    if group:
        body["payload"]["group"] = group
    if alert.labels.get("job"):
        body["payload"]["component"] = alert.labels["job"]
    link = alert.generator_url or external_url
    if link.startswith(("http://", "https://")):
        body["client_url"] = link
        body["links"] = [{"href": link, "text": "Alert source"}]
    return body


def build_change_body(
    notice: Notification, *, routing_key: str, reason: str, source: str | None = None
) -> dict[str, Any]:
    """A change event saying something about delivery itself (no incident, no page)."""
    summary = notice.annotations.get("summary") or notice.alertname
    return {
        "routing_key": routing_key,
        "payload": {
            "summary": _clip(summary, SUMMARY_LIMIT),
            "source": source or "monitor-watchdog",
            "timestamp": iso_time(notice.ends_at),
            "custom_details": {**dict(notice.annotations), "reason": reason},
        },
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class PagerDutyChannel(HttpChannel[PagerDutyReceiver]):
    """A configured PagerDuty Events API v2 integration."""

    kind: str = "pagerduty"

    def change_url(self) -> str | None:
        """The change-events endpoint next to the configured events endpoint."""
        url = self.config.url.rstrip("/")
        return url[: -len("/enqueue")] + "/change/enqueue" if url.endswith("/v2/enqueue") else None

    def requests(self, message: Message) -> list[Request]:
        """One event per alert (the Events API takes one event per request)."""
        key, source = self.config.key(), self.config.source
        if message.notice:
            url = self.change_url()
            if url is None:
                return []
            bodies = [
                (build_change_body(a, routing_key=key, reason=message.reason, source=source), a)
                for a in message.alerts
            ]
        else:
            url = self.config.url
            bodies = [
                (
                    build_body(
                        a,
                        routing_key=key,
                        reason=message.reason,
                        source=source,
                        group=a.group or message.group,
                        external_url=message.external_url,
                    ),
                    a,
                )
                for a in message.alerts
            ]
        headers = {"Content-Type": "application/json"}
        return [Request(HttpRequest(url, json.dumps(b).encode(), headers), [a]) for b, a in bodies]


KIND = ReceiverKind(
    name="pagerduty",
    config=PagerDutyReceiver,
    channel=PagerDutyChannel,
    summary="PagerDuty Events API v2: trigger and resolve by dedup key, change events",
    can_resolve=True,
    dedups_by_key=True,
)
