"""Generic webhook: the body is exactly an Alertmanager webhook payload, version 4.

Anything that already consumes Alertmanager's ``webhook_config`` posts understands it: one
POST per aggregation group of the receiver's route, with that group's ``groupLabels`` and
``groupKey`` as Alertmanager sends them. Like Alertmanager, firing alerts carry the zero
time as ``endsAt`` (their end is not known yet) and ``max_alerts`` truncates the list,
counting the rest in ``truncatedAlerts``. The only differences from Alertmanager's body are
the annotations each alert gains: ``watchdog_delivery`` and ``watchdog_fallback_reason``
(and, for an alert about a probed target, ``watchdog_probe_error``/``watchdog_probe_facts``,
which Alertmanager's copy carries too).

With ``hmac_secret`` set, ``X-Watchdog-Signature: sha256=<hex>`` is the HMAC-SHA256 of the
exact body bytes under that secret, so the receiver can check who sent it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from watchdog import __version__
from watchdog.alerts import Notification, iso_time
from watchdog.config.types import Secret, SecretFile, SecretUrl, pick_secret, reveal
from watchdog.notify.http import HttpRequest
from watchdog.notify.receivers.base import (
    AlertGroup,
    HttpChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
    mark_fallback,
)

__all__ = ["KIND", "SIGNATURE_HEADER", "WebhookChannel", "WebhookReceiver", "build_body", "sign"]

SIGNATURE_HEADER = "X-Watchdog-Signature"
ZERO_TIME = "0001-01-01T00:00:00Z"


class WebhookReceiver(ReceiverConfig):
    """Generic webhook: the body is an Alertmanager webhook payload (version 4)."""

    kind: Literal["webhook"]
    url: SecretUrl | None = None
    url_file: SecretFile | None = None
    hmac_secret: Secret | None = None
    hmac_secret_file: SecretFile | None = None
    max_alerts: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> WebhookReceiver:
        pick_secret(self.url, self.url_file, "url", required=True)
        pick_secret(self.hmac_secret, self.hmac_secret_file, "hmac_secret", required=False)
        return self

    def target(self) -> str:
        """The URL to post to (a secret)."""
        return reveal(self.url, self.url_file)

    def hmac_key(self) -> str | None:
        """The HMAC-SHA256 signing secret, if any."""
        chosen = self.hmac_secret or self.hmac_secret_file
        return chosen.get_secret_value() if chosen is not None else None


def build_body(
    message: Message, group: AlertGroup | None = None, *, max_alerts: int = 0
) -> dict[str, Any]:
    """The Alertmanager webhook payload (version 4) for one group of ``message`` (None: all
    its alerts as one group without group labels, Alertmanager's ``group_by: []``)."""
    group = group or AlertGroup({}, "{}:{}", message.alerts)
    alerts = [mark_fallback(a, message.reason) for a in group.alerts]
    shown = alerts[:max_alerts] if max_alerts else alerts
    firing = any(a.status == "firing" for a in group.alerts)
    return {
        "receiver": message.receiver,
        "status": "firing" if firing else "resolved",
        "alerts": [_alert(a) for a in shown],
        "groupLabels": dict(group.labels),
        "commonLabels": _common([a.labels for a in alerts]),
        "commonAnnotations": _common([a.annotations for a in alerts]),
        "externalURL": message.external_url.rstrip("/"),
        "version": "4",
        "groupKey": group.key,
        "truncatedAlerts": len(alerts) - len(shown),
    }


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _alert(alert: Notification) -> dict[str, Any]:
    return {
        "status": alert.status,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": iso_time(alert.starts_at),
        "endsAt": iso_time(alert.ends_at) if alert.status == "resolved" else ZERO_TIME,
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first, rest = maps[0], maps[1:]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in rest)}


@dataclass
class WebhookChannel(HttpChannel[WebhookReceiver]):
    """A configured generic webhook."""

    kind: str = "webhook"

    def requests(self, message: Message) -> list[Request]:
        """One POST per aggregation group, as Alertmanager sends them."""
        return [self._request(message, group) for group in message.alert_groups()]

    def _request(self, message: Message, group: AlertGroup) -> Request:
        body = json.dumps(build_body(message, group, max_alerts=self.config.max_alerts)).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"monitor-watchdog/{__version__}",
        }
        key = self.config.hmac_key()
        if key is not None:
            headers[SIGNATURE_HEADER] = sign(body, key)
        return Request(HttpRequest(self.config.target(), body, headers), group.alerts)


KIND = ReceiverKind(
    name="webhook",
    config=WebhookReceiver,
    channel=WebhookChannel,
    summary="Alertmanager webhook payload (version 4), optionally HMAC-signed",
)
