"""Silences on the fallback path with a real Alertmanager: mirrored while it answers, honoured
when it is gone (also after a restart), and an alert is paged when its silence expires."""

from __future__ import annotations

import json
import time
import urllib.request
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
from watchdog.alerts import Notification, iso_time
from watchdog.notify.matchers import parse_matchers
from watchdog.notify.silences import Silence, SilenceStore

pytestmark = pytest.mark.slow

SILENCED = alert("DiskAlmostFull", severity="warning", instance="bastion-1")
LOUD = alert("VaultSealed", instance="vault-0:8200")


@pytest.fixture
def am(tmp_path: Path, sink: HttpSink) -> Iterator[Running]:
    """A real Alertmanager (killed by the tests)."""
    running = start_alertmanager(tmp_path / "am", alertmanager_config(sink))
    yield running
    running.stop()


def add_silence(am: Running, name: str, seconds: float) -> str:
    """Silence alerts named ``name`` in Alertmanager for ``seconds``, through its API."""
    now = time.time()
    body = {
        "matchers": [{"name": "alertname", "value": name, "isRegex": False, "isEqual": True}],
        "startsAt": iso_time(now - 1),
        "endsAt": iso_time(now + seconds),
        "createdBy": "test",
        "comment": "planned maintenance",
    }
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL
        f"{am.url}/api/v2/silences",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return str(json.loads(response.read())["silenceID"])


def alerting(am: Running, sink: HttpSink) -> dict[str, Any]:
    """One Alertmanager, one emergency webhook, fast mirroring and retries."""
    return {
        "alertmanagers": [{"url": am.url, "timeout": "1s"}],
        "emergency": [{"kind": "webhook", "name": "pager", "url": sink.url("/hook")}],
        "silences": {"mirror_interval": "200ms"},
        "fallback": {"after_failures": 1, "after": "1s"},
        "backoff": FAST_BACKOFF,
    }


def paged(sink: HttpSink, name: str) -> list[dict[str, Any]]:
    """Alerts named ``name`` that reached the emergency webhook."""
    return [
        a
        for r in sink.records("/hook")
        for a in r.json()["alerts"]
        if a["labels"]["alertname"] == name
    ]


async def mirrored(stack: Stack, silence_id: str, state: Path) -> None:
    """Wait until the daemon mirrored ``silence_id`` into state_dir."""

    def found() -> bool:
        snapshot = SilenceStore(state).snapshot(time.time())
        return any(s.id == silence_id for s in snapshot.mirrored)

    await async_wait_for(until(found), timeout=20, message="silence mirrored")


def picture(*alerts: Notification) -> Any:
    """What the rule engine would say fires now."""
    return lambda: list(alerts)


async def test_mirrored_silence_holds_during_the_outage_then_expires_and_pages(
    tmp_path: Path, sink: HttpSink, am: Running
) -> None:
    """Alertmanager killed: the silenced alert is not paged (counted, journaled, shown as
    silenced), the other one is; when the silence ends the alert is paged at once."""
    silence_id = add_silence(am, SILENCED.alertname, seconds=6)
    state = tmp_path / "state"
    async with delivery_stack(state, alerting(am, sink)) as stack:
        stack.chain.picture = picture(SILENCED, LOUD)
        await mirrored(stack, silence_id, state)
        am.process.kill()
        await stack.chain.send("g", [SILENCED, LOUD])
        await async_wait_for(until(lambda: paged(sink, "VaultSealed")), message="loud alert")
        assert paged(sink, "DiskAlmostFull") == []
        status = stack.chain.fallback_status(SILENCED.labels)
        assert status["state"] == "suppressed" and status["silencedBy"] == [silence_id]
        assert stack.metric("watchdog_fallback_alerts_muted_total", reason="silenced") >= 1
        muted = await stack.journal("muted")
        assert muted[0]["silencedBy"] == [silence_id]
        got = await async_wait_for(
            until(lambda: paged(sink, "DiskAlmostFull")), timeout=20, message="paged on expiry"
        )
        assert got[0]["status"] == "firing"
        assert stack.chain.fallback_status(SILENCED.labels)["state"] == "active"


async def test_mirrored_silences_survive_a_restart_during_the_outage(
    tmp_path: Path, sink: HttpSink, am: Running
) -> None:
    """Mirrored, then the daemon restarts while Alertmanager is down: still honoured."""
    silence_id = add_silence(am, SILENCED.alertname, seconds=3600)
    state = tmp_path / "state"
    async with delivery_stack(state, alerting(am, sink)) as stack:
        await mirrored(stack, silence_id, state)
    am.process.kill()
    async with delivery_stack(state, alerting(am, sink)) as stack:
        stack.chain.picture = picture(SILENCED, LOUD)
        await stack.chain.send("g", [SILENCED, LOUD])
        await async_wait_for(until(lambda: paged(sink, "VaultSealed")), message="loud alert")
        await async_wait_for(lambda: _drained(stack), message="round handled")
        assert paged(sink, "DiskAlmostFull") == []
        assert stack.chain.fallback_status(SILENCED.labels)["silencedBy"] == [silence_id]


async def test_local_silence_from_the_store_applies_and_expiring_it_pages(
    tmp_path: Path, sink: HttpSink
) -> None:
    """No Alertmanager ever: a local silence (as `silence add` writes it) mutes; expiring it
    (as `silence expire` does) pages the alert within a moment."""
    state = tmp_path / "state"
    store = SilenceStore(state)
    now = time.time()
    matchers = tuple(parse_matchers('alertname="DiskAlmostFull"'))
    local = store.add(Silence("", matchers, now, now + 3600, "ops", "disk swap", now), now)
    config = {
        "emergency": [{"kind": "webhook", "name": "pager", "url": sink.url("/hook")}],
        "backoff": FAST_BACKOFF,
    }
    async with delivery_stack(state, config) as stack:
        stack.chain.picture = picture(SILENCED, LOUD)
        await stack.chain.send("g", [SILENCED, LOUD])
        await async_wait_for(until(lambda: paged(sink, "VaultSealed")), message="loud alert")
        assert paged(sink, "DiskAlmostFull") == []
        store.expire(local.id, time.time())
        await async_wait_for(
            until(lambda: paged(sink, "DiskAlmostFull")), timeout=20, message="paged on expire"
        )


async def _drained(stack: Stack) -> bool:
    return await stack.depth() == 0
