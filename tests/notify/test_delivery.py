"""The delivery chain end to end in-process: real Alertmanager, fallback, return, notices."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.polling import async_wait_for
from tests.notify.conftest import (
    FAST_BACKOFF,
    Stack,
    alert,
    alertmanager_config,
    delivery_stack,
    until,
)
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import HttpSink
from watchdog.clock import FakeClock
from watchdog.notify.notices import RESTORED_ALERTNAME
from watchdog.probes.kinds.alertmanager import AlertmanagerTarget
from watchdog.probes.runner import ProbeOutcome

pytestmark = pytest.mark.slow


@pytest.fixture
def am(tmp_path: Path, sink: HttpSink) -> Iterator[Running]:
    """One Alertmanager notifying ``sink`` at /am."""
    running = start_alertmanager(tmp_path / "am", alertmanager_config(sink))
    yield running
    running.stop()


def hook_alerts(sink: HttpSink, path: str = "/hook") -> list[dict[str, Any]]:
    """Every alert the emergency webhook received, in arrival order."""
    return [a for r in sink.records(path) for a in r.json()["alerts"]]


def am_alerts(sink: HttpSink, name: str, status: str) -> list[dict[str, Any]]:
    """Alerts Alertmanager notified at /am with this name and status."""
    return [
        a
        for a in hook_alerts(sink, "/am")
        if a["labels"]["alertname"] == name and a["status"] == status
    ]


def emergency_config(am: Running | None, sink: HttpSink) -> dict[str, Any]:
    """Alertmanager (if any) plus one emergency webhook at /hook."""
    return {
        "alertmanagers": [{"url": am.url, "timeout": "2s"}] if am else [],
        "emergency": [{"kind": "webhook", "name": "pager", "url": sink.url("/hook")}],
        "backoff": FAST_BACKOFF,
    }


async def test_dead_alertmanager_falls_back_and_returns_with_one_notice(
    tmp_path: Path, sink: HttpSink, am: Running
) -> None:
    """AM killed: alerts reach the emergency webhook; AM back: one notice, resolved follow."""
    async with delivery_stack(tmp_path / "state", emergency_config(am, sink)) as stack:
        am.process.kill()
        down = alert("VaultSealed", instance="vault-0:8200")
        await stack.chain.send("vault", [down])

        got = await async_wait_for(
            until(lambda: alerts_named(sink, "VaultSealed")),
            timeout=20,
            message="fallback delivery",
        )
        annotations = got[0]["annotations"]
        assert annotations["watchdog_delivery"] == "fallback"
        reason = annotations["watchdog_fallback_reason"]
        assert am.url in reason, reason
        assert "connection failed" in reason, reason
        assert stack.metric("watchdog_fallback_active") == 1

        restarted = start_alertmanager(tmp_path / "am", alertmanager_config(sink), port=am.port)
        try:
            await async_wait_for(
                until(lambda: stack.metric("watchdog_fallback_active") == 0),
                timeout=20,
                message="delivery back on Alertmanager",
            )
            await async_wait_for(
                until(lambda: alerts_named(sink, RESTORED_ALERTNAME)),
                timeout=20,
                message="the 'Alertmanager is back' notice",
            )
            await async_wait_for(
                until(lambda: am_alerts(sink, "VaultSealed", "firing")),
                timeout=20,
                message="queued alert replayed to Alertmanager",
            )

            resolved = alert(
                "VaultSealed",
                "resolved",
                start=down.starts_at,
                end=time.time(),
                instance="vault-0:8200",
            )
            await stack.chain.send("vault", [resolved])
            await async_wait_for(
                until(lambda: am_alerts(sink, "VaultSealed", "resolved")),
                timeout=20,
                message="resolved through Alertmanager",
            )
            follow = await async_wait_for(
                until(lambda: resolved_named(sink, "VaultSealed")),
                timeout=20,
                message="resolved follow-up",
            )
            assert "fallback path" in follow[0]["annotations"]["watchdog_fallback_reason"]
            await stack.chain.send("vault", [resolved])  # Prometheus re-sends resolved alerts
            await async_wait_for(lambda: _zero_depth(stack), message="outbox drained")
        finally:
            restarted.stop()
    notices = alerts_named(sink, RESTORED_ALERTNAME)
    assert len(notices) == 1, "exactly one notice says delivery returned"
    assert "accepted alerts again" in notices[0]["annotations"]["description"]
    assert len(resolved_named(sink, "VaultSealed")) == 1, "resolved follow-up sent once"


async def test_probe_reporting_every_replica_down_triggers_fallback(
    tmp_path: Path, sink: HttpSink, am: Running
) -> None:
    """Without any failed send, alertmanager probes saying 'down' switch to the fallback."""
    async with delivery_stack(tmp_path / "state", emergency_config(am, sink)) as stack:
        target = AlertmanagerTarget(job="alertmanager", kind="alertmanager", url=am.url + "/")
        failed = ProbeOutcome(
            started=time.time(), duration=0.1, up=False, success=False, error="connection refused"
        )
        stack.chain.alertmanager_probed(target, failed)
        await async_wait_for(
            until(lambda: stack.metric("watchdog_fallback_active") == 1),
            message="probe-driven fallback",
        )
        await stack.chain.send("g", [alert("ProbeSaysDown")])
        got = await async_wait_for(
            until(lambda: alerts_named(sink, "ProbeSaysDown")), message="emergency delivery"
        )
        assert "probe reports it down" in got[0]["annotations"]["watchdog_fallback_reason"]
        # The replica is in fact up and accepts the alert: that ends the fallback.
        await async_wait_for(
            until(lambda: stack.metric("watchdog_fallback_active") == 0),
            message="accepted send ends fallback",
        )


async def test_emergency_only_repeats_firing_alerts_at_repeat_interval(
    tmp_path: Path, sink: HttpSink
) -> None:
    """Without Alertmanager, re-sent firing alerts are repeated only every repeat_interval."""
    clock = FakeClock(start=time.time())
    config = {**emergency_config(None, sink), "repeat_interval": "1h"}
    async with delivery_stack(tmp_path, config, clock=clock) as stack:
        firing = alert("DiskFull", start=clock.now())
        await stack.chain.send("g", [firing])
        await async_wait_for(until(lambda: alerts_named(sink, "DiskFull")), message="first notice")
        for _ in range(3):  # the rule engine re-sends every resend_delay
            clock.advance(60)
            await stack.chain.send("g", [firing])
            await async_wait_for(lambda: _zero_depth(stack), message="re-send absorbed")
        assert len(alerts_named(sink, "DiskFull")) == 1
        clock.advance(3600)
        await stack.chain.send("g", [firing])
        await async_wait_for(
            until(lambda: len(alerts_named(sink, "DiskFull")) >= 2), message="repeat after 1h"
        )
        resolved = alert("DiskFull", "resolved", start=firing.starts_at, end=clock.now())
        for _ in range(3):
            await stack.chain.send("g", [resolved])
            await async_wait_for(lambda: _zero_depth(stack), message="resolved handled")
        assert len(resolved_named(sink, "DiskFull")) == 1, "resolved notice sent once"
        reason = alerts_named(sink, "DiskFull")[0]["annotations"]
        assert reason["watchdog_fallback_reason"] == "no Alertmanager is configured"


def alerts_named(sink: HttpSink, name: str) -> list[dict[str, Any]]:
    """Alerts named ``name`` the emergency webhook received."""
    return [a for a in hook_alerts(sink) if a["labels"]["alertname"] == name]


def resolved_named(sink: HttpSink, name: str) -> list[dict[str, Any]]:
    """Resolved alerts named ``name`` the emergency webhook received."""
    return [a for a in alerts_named(sink, name) if a["status"] == "resolved"]


async def _zero_depth(stack: Stack) -> bool:
    return await stack.depth() == 0
