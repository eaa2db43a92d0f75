"""PagerDuty bodies: Events API v2 trigger/resolve per alert, change event for notices."""

from __future__ import annotations

import json

import pytest

from tests.notify.conftest import alert
from tests.notify.receivers.schemas import PAGERDUTY, check_pagerduty
from watchdog.notify.receivers.base import Message
from watchdog.notify.receivers.pagerduty import (
    PagerDutyChannel,
    PagerDutyReceiver,
    build_body,
    severity_of,
)

T = 1_700_000_000.0
KEY = "R0UTINGKEY0123456789abcdef012345"
REASON = "no Alertmanager accepts alerts: http://am:9093: connection refused"


def test_trigger_event_follows_the_events_api() -> None:
    """A firing alert becomes a trigger with dedup_key = fingerprint and the details."""
    firing = alert(
        "VaultSealed", start=T, instance="vault-0:8200", job="vault", summary="Vault is sealed"
    )
    body = build_body(firing, routing_key=KEY, reason=REASON, group="vault")
    check_pagerduty(body)
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == firing.fingerprint
    payload = body["payload"]
    assert payload["summary"].startswith("[FIRING] VaultSealed: Vault is sealed")
    assert payload["source"] == "vault-0:8200"
    assert payload["severity"] == "critical"
    assert payload["timestamp"] == "2023-11-14T22:13:20Z"
    assert payload["component"] == "vault"
    assert payload["group"] == "vault"
    assert payload["custom_details"]["fallback_reason"] == REASON
    assert body["links"] == [{"href": firing.generator_url, "text": "Alert source"}]


def test_resolved_alert_becomes_a_resolve_with_the_same_dedup_key() -> None:
    """A resolve carries only routing_key, event_action and the same dedup_key."""
    resolved = alert("VaultSealed", "resolved", start=T, end=T + 60, instance="vault-0:8200")
    body = build_body(resolved, routing_key=KEY, reason=REASON)
    check_pagerduty(body)
    assert body == {
        "routing_key": KEY,
        "event_action": "resolve",
        "dedup_key": resolved.fingerprint,
    }


def test_summary_is_clipped_to_1024_characters() -> None:
    """A huge summary is clipped to the documented maximum."""
    body = build_body(alert("X", start=T, summary="s" * 5000), routing_key=KEY, reason=REASON)
    check_pagerduty(body)
    assert len(body["payload"]["summary"]) == PAGERDUTY["summary"]


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", "critical"),
        ("page", "critical"),
        ("warning", "warning"),
        ("WARN", "warning"),
        ("info", "info"),
        ("error", "error"),
        ("weird", "error"),
        ("", "error"),
    ],
)
def test_severity_label_maps_to_the_four_allowed_values(label: str, severity: str) -> None:
    """Any severity label maps into critical/error/warning/info."""
    assert severity_of(alert("X", start=T, severity=label)) == severity


def test_one_request_per_alert_to_the_configured_url() -> None:
    """The Events API takes one event per request; the routing key comes from the config."""
    channel = PagerDutyChannel(
        "pd", PagerDutyReceiver(kind="pagerduty", routing_key=KEY, url="http://pd.test/v2/enqueue")
    )
    message = Message("pd", "g", [alert("A", start=T), alert("B", start=T)], REASON)
    requests = channel.requests(message)
    assert [r.http.url for r in requests] == ["http://pd.test/v2/enqueue"] * 2
    bodies = [json.loads(r.http.body) for r in requests]
    assert [b["routing_key"] for b in bodies] == [KEY, KEY]
    assert [r.alerts[0].alertname for r in requests] == ["A", "B"]


def test_notice_becomes_a_change_event() -> None:
    """The 'Alertmanager is back' notice goes to /v2/change/enqueue and pages nobody."""
    channel = PagerDutyChannel(
        "pd", PagerDutyReceiver(kind="pagerduty", routing_key=KEY, url="http://pd.test/v2/enqueue")
    )
    notice = alert(
        "WatchdogFallbackDelivery",
        "resolved",
        start=T,
        end=T + 60,
        summary="Alertmanager accepts alerts again; delivery returned to it",
    )
    (request,) = channel.requests(Message("pd", "g", [notice], "back", notice=True))
    assert request.http.url == "http://pd.test/v2/change/enqueue"
    body = json.loads(request.http.body)
    assert set(body) == {"routing_key", "payload"}
    assert body["payload"]["summary"].startswith("Alertmanager accepts alerts again")
