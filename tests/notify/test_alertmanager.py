"""Alertmanager client against real Debian Alertmanager replicas."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.polling import async_wait_for
from tests.notify.certs import make_server_cert
from tests.notify.conftest import (
    FAST_BACKOFF,
    alert,
    alertmanager_config,
    delivery_stack,
    until,
)
from tests.notify.receivers.schemas import check_am_webhook
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import Answer, HttpSink, Recorded
from watchdog.notify.receivers.base import Message
from watchdog.notify.receivers.webhook import build_body

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def am_sink() -> Iterator[HttpSink]:
    """The webhook receiver both Alertmanagers notify."""
    server = HttpSink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, am_sink: HttpSink
) -> Iterator[list[Running]]:
    """Two independent Alertmanager replicas (no gossip), started once for the module."""
    base = tmp_path_factory.mktemp("am")
    running = [start_alertmanager(base / f"am{i}", alertmanager_config(am_sink)) for i in (0, 1)]
    yield running
    for am in running:
        am.stop()


def _notified(sink: HttpSink, alertname: str, status: str) -> dict[str, list[Recorded]]:
    """Webhook posts per Alertmanager (by externalURL) that carry ``alertname`` in ``status``."""
    found: dict[str, list[Recorded]] = {}
    for record in sink.records("/am"):
        body = record.json()
        if any(
            a["labels"]["alertname"] == alertname and a["status"] == status for a in body["alerts"]
        ):
            found.setdefault(body["externalURL"], []).append(record)
    return found


async def test_every_replica_receives_every_alert(
    tmp_path: Path, replicas: list[Running], am_sink: HttpSink
) -> None:
    """A firing and then a resolved alert reach the receiver through both replicas."""
    alerting = {"alertmanagers": [{"url": am.url} for am in replicas], "backoff": FAST_BACKOFF}
    async with delivery_stack(tmp_path, alerting, external_labels={"watchdog": "test"}) as stack:
        firing = alert("BothReplicas", instance="vault-0:8200")
        await stack.chain.send("g", [firing])

        async def both(status: str) -> bool:
            return len(_notified(am_sink, "BothReplicas", status)) == 2

        await async_wait_for(lambda: both("firing"), timeout=20, message="firing via both")
        resolved = alert(
            "BothReplicas",
            "resolved",
            start=firing.starts_at,
            end=time.time(),
            instance="vault-0:8200",
        )
        await stack.chain.send("g", [resolved])
        await async_wait_for(lambda: both("resolved"), timeout=20, message="resolved via both")
        await async_wait_for(lambda: _zero(stack.depth), message="outbox drained")
        for am in replicas:
            name = f"{am.url}/api/v2/alerts"
            assert stack.metric("watchdog_alertmanager_alerts_sent_total", alertmanager=name) == 2
    body = _notified(am_sink, "BothReplicas", "firing")[replicas[0].url][0].json()
    labels = body["alerts"][0]["labels"]
    assert labels["watchdog"] == "test", "external labels are added before sending"
    assert body["alerts"][0]["generatorURL"] == firing.generator_url


async def _zero(depth: object) -> bool:
    return await depth() == 0  # type: ignore[operator,no-any-return]


async def test_batches_hold_at_most_batch_size_alerts(tmp_path: Path, sink: HttpSink) -> None:
    """150 alerts in one round go out in order, in POSTs of at most 64 alerts each."""
    alerting = {"alertmanagers": [{"url": sink.base_url}], "backoff": FAST_BACKOFF}
    async with delivery_stack(tmp_path, alerting) as stack:
        many = [alert("Many", instance=f"host-{i:03d}") for i in range(150)]
        await stack.chain.send("g", many)
        await async_wait_for(lambda: _zero(stack.depth), message="all sent")
    posts = sink.records("/api/v2/alerts")
    sizes = [len(p.json()) for p in posts]
    assert sizes == [64, 64, 22]
    sent = [a["labels"]["instance"] for p in posts for a in p.json()]
    assert sent == [f"host-{i:03d}" for i in range(150)]


async def test_rejected_batch_goes_to_the_emergency_path(tmp_path: Path, sink: HttpSink) -> None:
    """A 400 from every replica drops the batch from its queue and hands it to emergency."""
    sink.behaviour = lambda r: (
        Answer(400, body=b"bad alert") if r.path == "/api/v2/alerts" else Answer(200)
    )
    alerting = {
        "alertmanagers": [{"url": sink.base_url}],
        "emergency": [{"kind": "webhook", "url": sink.url("/hook")}],
        "backoff": FAST_BACKOFF,
    }
    async with delivery_stack(tmp_path, alerting) as stack:
        await stack.chain.send("g", [alert("Refused")])
        hook = await async_wait_for(lambda: _first(sink, "/hook"), message="emergency webhook")
        await async_wait_for(lambda: _zero(stack.depth), message="outbox drained")
        assert (
            stack.metric(
                "watchdog_alertmanager_alerts_dropped_total",
                alertmanager=f"{sink.base_url}/api/v2/alerts",
                reason="rejected",
            )
            == 1
        )
        assert stack.metric("watchdog_fallback_active") == 0, "a refusal is not an outage"
    reason = hook["alerts"][0]["annotations"]["watchdog_fallback_reason"]
    assert "every Alertmanager rejected it" in reason
    assert "HTTP 400: bad alert" in reason
    assert len(sink.records("/api/v2/alerts")) == 1, "a refused batch is not retried"


async def _first(sink: HttpSink, path: str) -> object:
    found = sink.records(path)
    return found[0].json() if found else None


async def test_emergency_webhook_body_matches_what_alertmanager_posts(
    tmp_path: Path, replicas: list[Running], am_sink: HttpSink
) -> None:
    """Our version-4 payload has Alertmanager's own keys, fingerprint and time formats."""
    alerting = {"alertmanagers": [{"url": replicas[0].url}], "backoff": FAST_BACKOFF}
    firing = alert("SameShape", instance="pki:443")
    async with delivery_stack(tmp_path, alerting) as stack:
        await stack.chain.send("g", [firing])
        posts = await async_wait_for(
            until(lambda: _notified(am_sink, "SameShape", "firing")), message="AM webhook"
        )
    real = posts[replicas[0].url][0].json()
    ours = build_body(Message("sink", "g", [firing], "why", replicas[0].url))
    check_am_webhook(real)
    check_am_webhook(ours)
    (theirs,), (mine,) = real["alerts"], ours["alerts"]
    for key in ("status", "startsAt", "endsAt", "generatorURL", "fingerprint", "labels"):
        assert mine[key] == theirs[key], key


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        ({"bearer_token": "am-t0ken-value"}, "Bearer am-t0ken-value"),
        (
            {"basic_auth": {"username": "watchdog", "password": "pa55word"}},
            "Basic d2F0Y2hkb2c6cGE1NXdvcmQ=",
        ),
    ],
    ids=["bearer", "basic"],
)
async def test_replica_authentication_is_sent(
    tmp_path: Path, sink: HttpSink, auth: dict[str, object], header: str
) -> None:
    """A replica's bearer token or basic auth goes out in the Authorization header."""
    alerting = {"alertmanagers": [{"url": sink.base_url, **auth}], "backoff": FAST_BACKOFF}
    async with delivery_stack(tmp_path, alerting) as stack:
        await stack.chain.send("g", [alert("Authed")])
        (post,) = await async_wait_for(until(lambda: sink.records("/api/v2/alerts")))
    assert post.headers["authorization"] == header


async def test_replica_over_tls_with_its_own_ca(tmp_path: Path) -> None:
    """An https replica is verified against its configured CA and then receives alerts."""
    cert = make_server_cert(tmp_path / "pki", "am")
    server = HttpSink(ssl_context=cert.server_context()).start()
    alerting = {
        "alertmanagers": [{"url": server.base_url, "tls": {"ca_file": str(cert.ca_file)}}],
        "backoff": FAST_BACKOFF,
    }
    try:
        async with delivery_stack(tmp_path / "state", alerting) as stack:
            await stack.chain.send("g", [alert("OverTLS")])
            await async_wait_for(lambda: _zero(stack.depth), message="accepted over TLS")
    finally:
        server.stop()
    (post,) = server.records("/api/v2/alerts")
    assert post.json()[0]["labels"]["alertname"] == "OverTLS"
