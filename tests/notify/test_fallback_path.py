"""The fallback path's behaviour as a whole: the current picture at once when it starts, no
resolve for what a receiver never heard firing, and one log line per receiver state change."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from devstack.polling import async_wait_for
from tests.notify.conftest import FAST_BACKOFF, Stack, alert, delivery_stack, until
from tests.support.httpsink import Answer, HttpSink
from watchdog.alerts import Notification

pytestmark = pytest.mark.slow


def posts(sink: HttpSink, path: str) -> list[dict[str, Any]]:
    """JSON bodies received at ``path``."""
    return [r.json() for r in sink.records(path)]


def names(sink: HttpSink, path: str, status: str = "firing") -> list[str]:
    """Alert names in webhook posts at ``path`` with ``status``."""
    return [
        a["labels"]["alertname"]
        for body in posts(sink, path)
        for a in body["alerts"]
        if a["status"] == status
    ]


def config(sink: HttpSink, **extra: Any) -> dict[str, Any]:
    """A replica at /am (the sink), a webhook at /hook, Slack at /slack."""
    return {
        "alertmanagers": [{"url": sink.url("/am"), "timeout": "1s"}],
        "emergency": [
            {"kind": "webhook", "name": "hook", "url": sink.url("/hook")},
            {"kind": "slack", "name": "slack", "url": sink.url("/slack")},
        ],
        "fallback": {"after_failures": 1, "after": "1s"},
        "backoff": FAST_BACKOFF,
        **extra,
    }


async def _drained(stack: Stack) -> bool:
    return await stack.depth() == 0


async def test_fallback_start_sends_the_current_picture_at_once(
    tmp_path: Path, sink: HttpSink
) -> None:
    """Everything firing when Alertmanager fails goes out at once — one Slack message with all
    of it, one webhook post per alert name — not at the next resend."""
    firing = [
        alert("VaultSealed", instance="vault-0"),
        alert("VaultSealed", instance="vault-1"),
        alert("CertExpired", instance="pki:443"),
    ]
    async with delivery_stack(tmp_path, config(sink)) as stack:
        stack.chain.picture = lambda: list(firing)
        sink.behaviour = lambda r: Answer(503) if r.path.startswith("/am") else Answer()
        await stack.chain.send("other", [alert("Trigger")])
        await async_wait_for(
            until(lambda: {"VaultSealed", "CertExpired"} <= set(names(sink, "/hook"))),
            message="the picture",
        )
        await async_wait_for(lambda: _drained(stack), message="round handled")
    slack = posts(sink, "/slack")
    picture_messages = [b for b in slack if "VaultSealed" in b["text"]]
    assert len(picture_messages) == 1, "one grouped message per receiver"
    assert "CertExpired" in picture_messages[0]["text"]
    groups = {
        b["groupKey"]
        for b in posts(sink, "/hook")
        if b["alerts"][0]["labels"]["alertname"] != "Trigger"
    }
    assert groups == {'{}/{}:{alertname="VaultSealed"}', '{}/{}:{alertname="CertExpired"}'}


async def test_no_resolve_for_an_alert_that_fired_and_resolved_through_alertmanager(
    tmp_path: Path, sink: HttpSink
) -> None:
    """An alert fired and resolved through Alertmanager; Alertmanager dies; the rule engine's
    re-sent resolve reaches no emergency receiver (none was told it fired)."""
    gone = alert("VaultSealed", instance="vault-0")
    done = Notification(gone.labels, gone.annotations, gone.starts_at, time.time(), "resolved")
    async with delivery_stack(tmp_path, config(sink)) as stack:
        await stack.chain.send("vault", [gone])
        await stack.chain.send("vault", [done])
        await async_wait_for(lambda: _drained(stack), message="accepted by Alertmanager")
        sink.behaviour = lambda r: Answer(503) if r.path.startswith("/am") else Answer()
        await stack.chain.send("vault", [done, alert("Other")])
        await async_wait_for(until(lambda: "Other" in names(sink, "/hook")), message="fallback")
        await async_wait_for(lambda: _drained(stack), message="round handled")
    assert names(sink, "/hook", "resolved") == []
    assert "VaultSealed" not in names(sink, "/hook")


async def test_a_failing_receiver_is_logged_once_not_per_attempt(
    tmp_path: Path, sink: HttpSink
) -> None:
    """A receiver failing many times in a row: one 'failing' line, one 'recovered' line."""
    sink.behaviour = lambda r: Answer(500) if r.path == "/hook" else Answer()
    alerting = {
        "emergency": [{"kind": "webhook", "name": "hook", "url": sink.url("/hook")}],
        "backoff": {"initial": "20ms", "max": "50ms", "jitter": 0.0},
    }
    with capture_logs() as logs:
        async with delivery_stack(tmp_path, alerting) as stack:
            await stack.chain.send("g", [alert("Down")])
            await async_wait_for(until(lambda: len(sink.records("/hook")) >= 6), message="retries")
            sink.behaviour = lambda _r: Answer()
            await async_wait_for(lambda: _drained(stack), message="delivered at last")
    events = [e["event"] for e in logs if e.get("receiver") == "hook"]
    failing = [e for e in events if "failing" in e]
    assert len(failing) == 1, events
    assert sum("recovered" in e for e in events) == 1
