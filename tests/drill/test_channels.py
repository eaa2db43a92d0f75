"""Channel drills against endpoints that misbehave the ways real ones do."""

from __future__ import annotations

import time
from collections.abc import Iterator

import aiohttp
import pytest

from tests.support.httpsink import Answer, HttpSink, Recorded
from watchdog.config.alerting import AlertmanagerConfig
from watchdog.drill.alert import new_drill
from watchdog.drill.stages.alerting.alertmanager import alertmanager_channel, drill_alertmanager
from watchdog.drill.stages.alerting.receivers import drill_receiver, receiver_channel
from watchdog.notify.receivers.base import origin_only
from watchdog.notify.receivers.pagerduty import PagerDutyChannel, PagerDutyReceiver


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """A recording endpoint, stopped after the test."""
    server = HttpSink().start()
    yield server
    server.stop()


async def test_alertmanager_that_accepts_but_never_lists_is_not_verified(sink: HttpSink) -> None:
    """POST 200 but the alert never shows in GET: outcome accepted, failed, last answer named."""
    sink.behaviour = lambda r: Answer(200, body=b"[]") if r.method == "GET" else Answer()
    config = AlertmanagerConfig.model_validate({"url": sink.base_url})
    result = alertmanager_channel(config)
    async with aiohttp.ClientSession() as session:
        await drill_alertmanager(
            result, config, new_drill(time.time()), session=session, budget=0.3
        )
    assert (result.outcome, result.passed, result.latency) == ("accepted", False, None)
    assert result.error is not None
    assert result.error.startswith("verify: not listed by the API ")
    assert result.error.endswith("last answer: HTTP 200, 0 matching alert(s)")
    assert [s.name for s in result.steps] == ["send", "verify", "resolve", "verify resolved"]
    gets = sink.records("/api/v2/alerts")
    assert {r.method for r in gets} == {"GET", "POST"}


async def test_alertmanager_refusing_the_alert_fails_with_its_answer(sink: HttpSink) -> None:
    """A 400 with a reason: failed at send, the reason in the error, nothing else tried."""
    sink.behaviour = lambda _r: Answer(400, body=b"invalid label set")
    config = AlertmanagerConfig.model_validate({"url": sink.base_url})
    result = alertmanager_channel(config)
    async with aiohttp.ClientSession() as session:
        await drill_alertmanager(result, config, new_drill(time.time()), session=session, budget=1)
    assert (result.outcome, result.error) == ("failed", "send: HTTP 400: invalid label set")
    assert len(sink.records()) == 1


def _pagerduty(sink: HttpSink) -> tuple[PagerDutyChannel, PagerDutyReceiver]:
    receiver = PagerDutyReceiver.model_validate(
        {"kind": "pagerduty", "routing_key": "key-for-tests", "url": sink.url("/v2/enqueue")}
    )
    return PagerDutyChannel("pagerduty", receiver), receiver


async def test_pagerduty_resolve_refused_fails_the_channel(sink: HttpSink) -> None:
    """Trigger accepted, resolve refused: an incident stays open, so the channel fails."""

    def answer(record: Recorded) -> Answer:
        if record.json()["event_action"] == "resolve":
            return Answer(429, body=b"rate limited")
        return Answer(202, body=b'{"status":"success"}')

    sink.behaviour = answer
    channel, receiver = _pagerduty(sink)
    result = receiver_channel(channel, receiver)
    async with aiohttp.ClientSession() as session:
        await drill_receiver(result, channel, new_drill(time.time()), session=session, budget=2)
    assert (result.outcome, result.passed) == ("accepted", False)
    assert result.error == "resolve: HTTP 429: rate limited"
    assert [s.name for s in result.steps] == ["trigger", "resolve"]


async def test_pagerduty_is_resolved_even_without_send_resolved(sink: HttpSink) -> None:
    """send_resolved: false still gets the resolve: a drill never leaves an incident open."""
    sink.behaviour = lambda _r: Answer(202)
    receiver = PagerDutyReceiver.model_validate(
        {
            "kind": "pagerduty",
            "routing_key": "key-for-tests",
            "url": sink.url("/v2/enqueue"),
            "send_resolved": False,
        }
    )
    channel = PagerDutyChannel("pd", receiver)
    result = receiver_channel(channel, receiver)
    async with aiohttp.ClientSession() as session:
        await drill_receiver(result, channel, new_drill(time.time()), session=session, budget=2)
    assert result.passed
    assert [r.json()["event_action"] for r in sink.records()] == ["trigger", "resolve"]


def test_secret_urls_show_their_host_only() -> None:
    """A webhook URL's path and query (the token) never show; scheme, host and port do."""
    shown = origin_only("https://hooks.example.com:8443/services/T0/B0/abcdef?token=xyz")
    assert shown == "https://hooks.example.com:8443/<redacted>"
