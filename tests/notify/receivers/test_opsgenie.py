"""Opsgenie: bodies within the documented limits; against the API-true fake, repeats
deduplicate by alias and a resolve closes exactly its alert."""

from __future__ import annotations

import json

import aiohttp

from devstack.fakes.opsgenie import FakeOpsgenie
from tests.notify.conftest import alert
from watchdog.alerts import Notification
from watchdog.notify.receivers import Message
from watchdog.notify.receivers.opsgenie import (
    LIMITS,
    OpsgenieChannel,
    OpsgenieReceiver,
    build_body,
    priority_of,
)

REASON = "no Alertmanager accepts alerts: http://am:9093: connection refused"


def config(url: str = "https://api.opsgenie.com/", **extra: object) -> OpsgenieReceiver:
    """A receiver with the fake's key."""
    return OpsgenieReceiver.model_validate(
        {"kind": "opsgenie", "api_key": "genie-test-key", "api_url": url, **extra}
    )


def test_create_body_keeps_the_documented_limits() -> None:
    """message <= 130, description <= 15000, <= 20 tags of <= 50, alias = fingerprint."""
    long = alert("CertExpiring", summary="x" * 500, instance="pki:443", severity="warning")
    body = build_body(long, config(tags=[f"t{i}" * 30 for i in range(30)]), REASON)
    assert len(body["message"]) <= LIMITS["message"]
    assert len(body["description"]) <= LIMITS["description"]
    assert len(body["tags"]) <= 20 and all(len(t) <= 50 for t in body["tags"])
    assert body["alias"] == long.fingerprint
    assert body["priority"] == "P3"
    assert body["entity"] == "pki:443"
    assert all(isinstance(v, str) for v in body["details"].values())
    assert REASON in body["description"]


def test_priority_from_severity_or_fixed() -> None:
    """critical/page → P1, info → P5, unknown → P3; a fixed priority wins."""
    assert priority_of(alert("A", severity="page")) == "P1"
    assert priority_of(alert("A", severity="info")) == "P5"
    assert priority_of(alert("A", severity="weird")) == "P3"
    assert priority_of(alert("A", severity="info"), "P2") == "P2"


async def test_repeats_deduplicate_and_resolve_closes_the_alert() -> None:
    """Firing twice opens one alert (count 2); the resolve closes it by alias."""
    firing = alert("VaultSealed", instance="vault-0:8200", summary="Vault is sealed")
    resolved = Notification(
        firing.labels, firing.annotations, firing.starts_at, firing.starts_at + 60, "resolved"
    )
    async with FakeOpsgenie() as fake, aiohttp.ClientSession() as session:
        channel = OpsgenieChannel("genie", config(fake.url))
        for note in (firing, firing, resolved):
            (request,) = channel.requests(Message("genie", "vault", [note], REASON))
            attempt = await channel.send(session, request, 5.0)
            assert attempt.ok and attempt.status == 202, attempt.error
        (only,) = fake.alerts
    assert only.count == 2
    assert only.status == "closed"
    assert only.alias == firing.fingerprint
    assert only.priority == "P1"
    statuses = [s["action"] for s in fake.statuses.values() if s["success"]]
    assert statuses == ["Create", "Create", "Close"]


async def test_wrong_key_is_refused_and_the_key_is_not_in_the_error() -> None:
    """A key Opsgenie does not know: 401, an error that does not show the key."""
    async with FakeOpsgenie(api_key="other") as fake, aiohttp.ClientSession() as session:
        channel = OpsgenieChannel("genie", config(fake.url))
        (request,) = channel.requests(Message("genie", "g", [alert("A")], REASON))
        attempt = await channel.send(session, request, 5.0)
    assert not attempt.ok and attempt.permanent and attempt.status == 401
    assert "genie-test-key" not in (attempt.error or "")
    assert request.http is not None
    assert request.http.headers["Authorization"] == "GenieKey genie-test-key"


def test_notice_is_not_sent_and_resolve_targets_the_alias() -> None:
    """Opsgenie has no informational event: notices build no request."""
    channel = OpsgenieChannel("genie", config("http://og.test"))
    notice = alert("WatchdogFallbackDelivery", "resolved")
    assert channel.requests(Message("genie", "g", [notice], "back", notice=True)) == []
    gone = alert("Down", "resolved")
    (request,) = channel.requests(Message("genie", "g", [gone], REASON))
    assert request.http is not None
    assert request.http.url == (
        f"http://og.test/v2/alerts/{gone.fingerprint}/close?identifierType=alias"
    )
    assert json.loads(request.http.body)["source"] == "monitor-watchdog"
