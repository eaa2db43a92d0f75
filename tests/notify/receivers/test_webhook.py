"""Generic webhook bodies: Alertmanager payload version 4, truncation, HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.notify.conftest import alert
from tests.notify.receivers.schemas import check_am_webhook
from watchdog.notify.receivers.base import Message
from watchdog.notify.receivers.webhook import (
    SIGNATURE_HEADER,
    WebhookChannel,
    WebhookReceiver,
    build_body,
)

T = 1_700_000_000.0
REASON = "no Alertmanager accepts alerts: http://am:9093: connection refused"


def _message(*alerts: object, receiver: str = "pager") -> Message:
    return Message(receiver, "vault", list(alerts), REASON, "http://watchdog:9911")  # type: ignore[arg-type]


def test_body_is_a_version_4_webhook_payload() -> None:
    """Keys, types and values follow Alertmanager's documented webhook payload."""
    firing = alert("VaultSealed", start=T, instance="vault-0")
    resolved = alert("CertExpiring", "resolved", start=T, end=T + 60, instance="vault-0")
    body = build_body(_message(firing, resolved))
    check_am_webhook(body)
    assert body["status"] == "firing"
    assert body["receiver"] == "pager"
    assert body["externalURL"] == "http://watchdog:9911"
    assert body["truncatedAlerts"] == 0
    first, second = body["alerts"]
    assert first["endsAt"] == "0001-01-01T00:00:00Z", "firing alerts have no end yet"
    assert first["startsAt"] == "2023-11-14T22:13:20Z"
    assert second["endsAt"] == "2023-11-14T22:14:20Z"
    assert first["fingerprint"] == firing.fingerprint
    assert body["commonLabels"] == {"instance": "vault-0", "severity": "critical"}


def test_every_alert_says_it_came_via_the_fallback_path_and_why() -> None:
    """The fallback annotations are on each alert and therefore common."""
    body = build_body(_message(alert("A", start=T), alert("B", start=T)))
    for item in body["alerts"]:
        assert item["annotations"]["watchdog_delivery"] == "fallback"
        assert item["annotations"]["watchdog_fallback_reason"] == REASON
    assert body["commonAnnotations"]["watchdog_fallback_reason"] == REASON


def test_all_resolved_round_has_resolved_status() -> None:
    """A group whose alerts all resolved reports status resolved."""
    body = build_body(_message(alert("A", "resolved", start=T, end=T + 1)))
    assert body["status"] == "resolved"


def test_max_alerts_truncates_and_counts() -> None:
    """Only max_alerts alerts are listed; the rest are counted in truncatedAlerts."""
    body = build_body(_message(*[alert(f"A{i}", start=T) for i in range(5)]), max_alerts=2)
    check_am_webhook(body)
    assert [a["labels"]["alertname"] for a in body["alerts"]] == ["A0", "A1"]
    assert body["truncatedAlerts"] == 3


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    """The receiver can verify the signature over the bytes it received."""
    channel = WebhookChannel(
        "pager",
        WebhookReceiver(kind="webhook", url="http://hook.example/x", hmac_secret="s3cret-key"),
    )
    (request,) = channel.requests(_message(alert("A", start=T)))
    expected = hmac.new(b"s3cret-key", request.http.body, hashlib.sha256).hexdigest()
    assert request.http.headers[SIGNATURE_HEADER] == f"sha256={expected}"
    assert json.loads(request.http.body)["version"] == "4"


def test_no_signature_without_a_secret() -> None:
    """Without hmac_secret no signature header is sent."""
    channel = WebhookChannel("pager", WebhookReceiver(kind="webhook", url="http://hook.example/x"))
    (request,) = channel.requests(_message(alert("A", start=T)))
    assert SIGNATURE_HEADER not in request.http.headers
