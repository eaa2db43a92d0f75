"""Receivers that misbehave: retried with backoff, nothing lost, no crash, no secret shown."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.polling import async_wait_for
from devstack.procs import free_port
from tests.notify.certs import make_server_cert
from tests.notify.conftest import FAST_BACKOFF, Stack, alert, delivery_stack, until
from tests.support.httpsink import Answer, HttpSink, Recorded
from watchdog.clock import FakeClock
from watchdog.logs import configure_logging
from watchdog.notify.outbox import Outbox

SECRET_PATH = "/hook/T0K3N-s3cr3t-path-value"


def _scripted(answers: list[Answer]) -> Any:
    """Answer with ``answers`` one by one, then 200 for everything."""
    queue = list(answers)

    def behaviour(_record: Recorded) -> Answer:
        return queue.pop(0) if queue else Answer(200)

    return behaviour


def _webhook(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "emergency": [
            {"kind": "webhook", "name": "pager", "url": url, "timeout": "500ms", **extra}
        ],
        "backoff": FAST_BACKOFF,
    }


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the daemon logs during the test, as JSON lines."""
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    yield stream
    configure_logging("info", "json")


async def _delivered(stack: Stack, sink: HttpSink, name: str) -> bool:
    bodies = [r.json() for r in sink.records(SECRET_PATH)]
    got = any(a["labels"]["alertname"] == name for b in bodies for a in b["alerts"])
    return got and await stack.depth() == 0


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([Answer(500, body=b"oops"), Answer(503, body=b"busy")], "HTTP 503: busy"),
        ([Answer(429, {"Retry-After": "1"}, b"slow down")], "HTTP 429: slow down"),
        ([Answer.hang()], "no answer within 0.5s"),
        ([Answer.close(), Answer.close()], "server closed the connection without a response"),
    ],
    ids=["5xx", "429-retry-after", "hang", "connection-closed"],
)
async def test_failing_receiver_gets_the_alert_once_it_answers(
    tmp_path: Path, sink: HttpSink, captured_logs: io.StringIO, answers: list[Answer], error: str
) -> None:
    """Each failure is retried with backoff until accepted; later alerts still flow."""
    sink.behaviour = _scripted(answers)
    async with delivery_stack(tmp_path, _webhook(sink.url(SECRET_PATH))) as stack:
        await stack.chain.send("g", [alert("Flaky")])
        await async_wait_for(
            lambda: _delivered(stack, sink, "Flaky"),
            timeout=20,
            message="delivery after the failures",
        )
        await stack.chain.send("g", [alert("Later")])
        await async_wait_for(lambda: _delivered(stack, sink, "Later"), message="next delivery")
        outcomes = [e["outcome"] for e in await stack.journal("delivery")]
        errors = [e["error"] for e in await stack.journal("delivery") if e["error"]]
        exposition = stack.metrics.exposition().decode()
    assert outcomes == ["error"] * len(answers) + ["success", "success"]
    assert errors[-1] == error
    assert stack.metric("watchdog_notifications_total", channel="pager", outcome="error") == len(
        answers
    )
    for text in (captured_logs.getvalue(), exposition, repr(errors)):
        assert "T0K3N" not in text, "the receiver URL is a secret"


async def test_retry_after_is_honoured(tmp_path: Path, sink: HttpSink) -> None:
    """After 429 with Retry-After: 1 the next attempt waits at least that second."""
    sink.behaviour = _scripted([Answer(429, {"Retry-After": "1"})])
    async with delivery_stack(tmp_path, _webhook(sink.url(SECRET_PATH))) as stack:
        await stack.chain.send("g", [alert("Throttled")])
        await async_wait_for(
            lambda: _delivered(stack, sink, "Throttled"),
            timeout=20,
            message="delivery after Retry-After",
        )
    first, second = sink.records(SECRET_PATH)[:2]
    assert second.at - first.at >= 0.9


async def test_untrusted_certificate_is_refused_until_the_server_presents_a_trusted_one(
    tmp_path: Path,
) -> None:
    """Invalid TLS: every attempt fails verification, the alert waits, then it is delivered."""
    trusted = make_server_cert(tmp_path / "pki", "trusted")
    rogue = make_server_cert(tmp_path / "pki", "rogue")
    server = HttpSink(ssl_context=rogue.server_context()).start()
    port = server.port
    config = _webhook(server.url(SECRET_PATH), tls={"ca_file": str(trusted.ca_file)})
    try:
        async with delivery_stack(tmp_path / "state", config) as stack:
            await stack.chain.send("g", [alert("BehindTLS")])

            async def refused_twice() -> bool:
                entries = await stack.journal("delivery")
                return len(entries) >= 2

            await async_wait_for(refused_twice, timeout=20, message="two refused attempts")
            entries = await stack.journal("delivery")
            assert entries[0]["error"].startswith("TLS certificate verification failed")
            assert await stack.depth() == 1, "the alert waits in the outbox"
            assert server.records() == [], "no request body crosses an untrusted connection"
            server.stop()
            server = HttpSink(port, ssl_context=trusted.server_context()).start()
            await async_wait_for(
                lambda: _delivered_tls(stack, server),
                timeout=20,
                message="delivery once the certificate is trusted",
            )
    finally:
        server.stop()
    assert port == server.port


async def _delivered_tls(stack: Stack, server: HttpSink) -> bool:
    return bool(server.records(SECRET_PATH)) and await stack.depth() == 0


async def test_unreachable_receiver_keeps_alerts_in_order_until_it_returns(
    tmp_path: Path,
) -> None:
    """Connection refused: rounds wait in the outbox and are replayed in order later."""
    server = HttpSink().start()
    port = server.port
    server.stop()
    config = _webhook(f"http://127.0.0.1:{port}{SECRET_PATH}")
    async with delivery_stack(tmp_path, config) as stack:
        for i in range(5):
            await stack.chain.send("g", [alert(f"Queued{i}")])
        await async_wait_for(
            until(lambda: stack.metric("watchdog_outbox_depth") == 5), message="five rounds waiting"
        )
        server = HttpSink(port).start()
        try:
            await async_wait_for(lambda: _zero(stack), timeout=20, message="replay")
        finally:
            server.stop()
    names = [a["labels"]["alertname"] for r in server.records() for a in r.json()["alerts"]]
    assert names == [f"Queued{i}" for i in range(5)]


async def _zero(stack: Stack) -> bool:
    return await stack.depth() == 0


async def test_expired_notifications_are_counted_logged_and_journaled(
    tmp_path: Path, captured_logs: io.StringIO
) -> None:
    """Past max_age or beyond max_items, waiting notifications expire loudly, never silently."""
    clock = FakeClock(time.time())
    config = {
        **_webhook(f"http://127.0.0.1:{free_port()}/hook"),
        "outbox": {"max_items": 2, "max_age": "1m"},
    }
    async with delivery_stack(tmp_path, config, clock=clock) as stack:
        for name in ("First", "Second", "Third"):
            await stack.chain.send("g", [alert(name, start=clock.now())])
        assert stack.metric("watchdog_outbox_expired_total", reason="max_items") == 1
        clock.advance(61)
        await stack.chain.housekeeping()
        assert stack.metric("watchdog_outbox_expired_total", reason="max_age") == 2
        assert await stack.depth() == 0
        expired = await stack.journal("expired")
    assert [e["reason"] for e in expired] == ["max_items", "max_age"]
    assert expired[0]["alerts"][0].startswith("First/")
    assert "notifications expired from the outbox undelivered" in captured_logs.getvalue()


async def test_stop_leaves_undelivered_notifications_in_the_outbox(
    tmp_path: Path, sink: HttpSink
) -> None:
    """Stopping while the receiver hangs returns after the grace time; the alert stays queued."""
    sink.behaviour = lambda _r: Answer.hang()
    config = _webhook(sink.url(SECRET_PATH))
    config["emergency"][0]["timeout"] = "60s"
    async with delivery_stack(tmp_path, config) as stack:
        await stack.chain.send("g", [alert("Unfinished")])
        await async_wait_for(until(lambda: sink.records(SECRET_PATH)), message="send under way")
    box = Outbox(tmp_path / "outbox.db", max_items=10, max_age=3600)
    assert [r.notification.alertname for r in box.pending()] == ["Unfinished"]


async def test_a_crashing_receiver_does_not_stop_the_others(
    tmp_path: Path, sink: HttpSink, captured_logs: io.StringIO
) -> None:
    """A receiver whose message building raises (a bug) is logged; the other one delivers."""
    config = {
        "emergency": [
            {"kind": "webhook", "name": "broken", "url": sink.url("/broken")},
            {"kind": "webhook", "name": "pager", "url": sink.url(SECRET_PATH)},
        ],
        "backoff": FAST_BACKOFF,
    }
    async with delivery_stack(tmp_path, config) as stack:
        broken = stack.chain.emergency._receivers[0].channel

        def crash(_message: object) -> list[object]:
            raise RuntimeError("receiver bug")

        broken.requests = crash  # type: ignore[method-assign,assignment]
        await stack.chain.send("g", [alert("StillDelivered")])
        await async_wait_for(
            lambda: _delivered(stack, sink, "StillDelivered"),
            message="the healthy receiver delivers",
        )
        await stack.chain.send("g", [alert("AndAgain")])
        await async_wait_for(lambda: _delivered(stack, sink, "AndAgain"), message="loop alive")
    assert "cannot build the message" in captured_logs.getvalue()
    assert sink.records("/broken") == []
