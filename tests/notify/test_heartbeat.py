"""Heartbeats: out only while healthy; in from a real Alertmanager; the built-in rule."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs

import aiohttp
import pytest
import yaml

from devstack.polling import async_wait_for
from devstack.procs import free_port
from tests.notify.conftest import FAST_BACKOFF, alert, delivery_stack, until
from tests.support.components import require_binary, start_alertmanager
from tests.support.httpsink import HttpSink
from watchdog.clock import FakeClock, SystemClock
from watchdog.config.alerting import HeartbeatConfig, HeartbeatInConfig
from watchdog.health import LoopHealth
from watchdog.journal import Anchor, Journal, JournalWriter
from watchdog.journal.metrics import JournalMetrics
from watchdog.metrics import MetricsRegistry
from watchdog.notify.heartbeat import (
    HEARTBEAT_ALERT,
    HEARTBEAT_PATH,
    HEARTBEAT_SERIES,
    HeartbeatIn,
    HeartbeatOut,
    heartbeat_rule_group,
)
from watchdog.notify.metrics import HeartbeatMetrics
from watchdog.notify.ping import PingAnchor
from watchdog.server import WebServer
from watchdog.sqlitedb import DbWorker
from watchdog.store import Matcher, SampleStore

T = 1_700_000_000.0


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[JournalWriter]:
    """A journal writer on a temporary database."""
    db = DbWorker("hb-db")
    writer = JournalWriter(
        Journal(tmp_path / "journal.db"), db, JournalMetrics(MetricsRegistry()), SystemClock()
    )
    yield writer
    await writer.flush()
    db.close()


async def test_heartbeat_out_pings_only_while_the_loop_is_healthy(
    sink: HttpSink, journal: JournalWriter
) -> None:
    """A healthy daemon pings; a subsystem overdue stops the pings; recovery resumes them."""
    registry = MetricsRegistry()
    health, metrics = LoopHealth(), HeartbeatMetrics(registry)
    clock = FakeClock(T)
    async with aiohttp.ClientSession() as session:
        beat = HeartbeatOut(
            HeartbeatConfig(url=sink.url("/ping/abc-uuid")),
            session=session,
            health=health,
            metrics=metrics,
            clock=clock,
            journal=journal,
        )
        assert await beat.beat() == "success"
        assert metrics.heartbeat_last_success._value.get() == T
        health.tick("rules", within=-1.0)  # evaluations stopped: deadline already missed
        assert await beat.beat() == "skipped"
        assert await beat.beat() == "skipped"
        health.tick("rules", within=60.0)
        clock.advance(60)
        assert await beat.beat() == "success"
    assert len(sink.records("/ping/abc-uuid")) == 2
    assert metrics.heartbeat_last_success._value.get() == T + 60
    assert registry.get_sample_value("watchdog_heartbeat_pings_total", {"outcome": "skipped"}) == 2


async def test_heartbeat_out_counts_failed_pings(journal: JournalWriter) -> None:
    """An unreachable ping URL is an error, and the last-success time does not move."""
    metrics = HeartbeatMetrics(MetricsRegistry())
    async with aiohttp.ClientSession() as session:
        beat = HeartbeatOut(
            HeartbeatConfig(url=f"http://127.0.0.1:{free_port()}/ping"),
            session=session,
            health=LoopHealth(),
            metrics=metrics,
            clock=FakeClock(T),
            journal=journal,
        )
        assert await beat.beat() == "error"
    assert metrics.heartbeat_last_success._value.get() == 0


@pytest.mark.parametrize(
    ("settings", "body", "query"),
    [
        ({}, b"", {}),
        ({"method": "POST"}, b"monitor-watchdog journal {anchor} intact", {}),
        ({"anchor_param": "m"}, b"", {"m": ["monitor-watchdog journal {anchor} intact"]}),
    ],
)
async def test_heartbeat_out_ships_the_journal_anchor(
    sink: HttpSink,
    journal: JournalWriter,
    settings: dict[str, str],
    body: bytes,
    query: dict[str, list[str]],
) -> None:
    """Every ping carries HEAD:COUNT in headers; POST puts it in the body (Healthchecks.io
    keeps it), ``anchor_param`` in the query (Dead Man's Snitch ``m``), other parameters kept."""
    anchor = Anchor(42, "c" * 64)
    async with aiohttp.ClientSession() as session:
        beat = HeartbeatOut(
            HeartbeatConfig(url=sink.url("/ping/uuid?rid=7"), **settings),
            session=session,
            health=LoopHealth(),
            metrics=HeartbeatMetrics(MetricsRegistry()),
            clock=FakeClock(T),
            journal=journal,
            anchor=lambda: PingAnchor(anchor, "intact"),
        )
        assert await beat.beat() == "success"
    [ping] = sink.records("/ping/uuid")
    assert ping.method == settings.get("method", "GET")
    assert ping.headers["x-watchdog-journal-anchor"] == f"{'c' * 64}:42"
    assert ping.headers["x-watchdog-journal-outcome"] == "intact"
    assert ping.body == body.replace(b"{anchor}", str(anchor).encode())
    expected = {k: [v.replace("{anchor}", str(anchor)) for v in vs] for k, vs in query.items()}
    assert parse_qs(ping.query) == {"rid": ["7"], **expected}


@pytest.fixture
async def receiver(journal: JournalWriter) -> AsyncIterator[tuple[HeartbeatIn, WebServer]]:
    """The heartbeat endpoint on a real daemon web server."""
    registry, store = MetricsRegistry(), SampleStore()
    heartbeat = HeartbeatIn(
        HeartbeatInConfig(window="5m", bearer_token="hb-token-1"),
        store=store,
        metrics=HeartbeatMetrics(registry),
        clock=SystemClock(),
        journal=journal,
    )
    server = WebServer(f"127.0.0.1:{free_port()}", registry, lambda: None)
    server.add_routes(heartbeat.routes())
    await server.start()
    yield heartbeat, server
    await server.stop()


@pytest.mark.slow
async def test_watchdog_alert_through_real_alertmanager_is_recorded(
    tmp_path: Path, receiver: tuple[HeartbeatIn, WebServer]
) -> None:
    """Prometheus' Watchdog alert, routed by Alertmanager to the endpoint, counts as received."""
    heartbeat, server = receiver
    endpoint = f"http://127.0.0.1:{server.port}{HEARTBEAT_PATH}"
    am_config = {
        "route": {"receiver": "watchdog", "group_wait": "100ms", "group_interval": "500ms"},
        "receivers": [
            {
                "name": "watchdog",
                "webhook_configs": [
                    {
                        "url": endpoint,
                        "http_config": {
                            "authorization": {"type": "Bearer", "credentials": "hb-token-1"}
                        },
                    }
                ],
            }
        ],
    }
    am = start_alertmanager(tmp_path / "am", am_config)
    try:
        alerting = {"alertmanagers": [{"url": am.url}], "backoff": FAST_BACKOFF}
        async with delivery_stack(tmp_path / "state", alerting) as stack:
            await stack.chain.send("meta", [alert("Watchdog", severity="none")])
            await async_wait_for(
                until(lambda: heartbeat.last_received),
                timeout=20,
                message="heartbeat via Alertmanager",
            )
    finally:
        am.stop()
    store = heartbeat._store
    (point,) = store.instant([Matcher("__name__", "=", HEARTBEAT_SERIES)], heartbeat.last_received)
    assert point.value == heartbeat.last_received


async def test_heartbeat_in_refuses_bad_posts(receiver: tuple[HeartbeatIn, WebServer]) -> None:
    """Wrong token: 401. Not a webhook payload: 400. No Watchdog alert: ignored."""
    heartbeat, server = receiver
    url = f"http://127.0.0.1:{server.port}{HEARTBEAT_PATH}"
    good = {"Authorization": "Bearer hb-token-1"}
    payload = {"alerts": [{"status": "firing", "labels": {"alertname": "Other"}}]}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=payload) as response:
            assert response.status == 401
        async with session.post(url, data=b"{not json", headers=good) as response:
            assert response.status == 400
            assert "not an Alertmanager webhook payload" in (await response.json())["error"]
        async with session.post(url, json={"alerts": "x"}, headers=good) as response:
            assert response.status == 400
        async with session.post(url, json=payload, headers=good) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ignored"
    assert heartbeat.last_received is None


def test_series_holds_start_time_until_the_first_heartbeat(journal: JournalWriter) -> None:
    """Before any heartbeat the series is the start time, so the window counts from start."""
    clock, store = FakeClock(T), SampleStore()
    heartbeat = HeartbeatIn(
        HeartbeatInConfig(),
        store=store,
        metrics=HeartbeatMetrics(MetricsRegistry()),
        clock=clock,
        journal=journal,
    )
    clock.advance(30)
    heartbeat.refresh()
    matcher = [Matcher("__name__", "=", HEARTBEAT_SERIES)]
    assert store.instant(matcher, T + 30)[0].value == T
    clock.advance(30)
    heartbeat.record()
    assert store.instant(matcher, T + 60)[0].value == T + 60


@pytest.mark.slow
def test_builtin_rule_fires_exactly_after_the_window(tmp_path: Path) -> None:
    """promtool (Prometheus' own engine) agrees: quiet for 5m01s fires, 4m59s does not."""
    promtool = require_binary("promtool")
    group = heartbeat_rule_group(HeartbeatInConfig(window="5m"), interval=15.0)
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [group]}))
    tests = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1s",
        "tests": [
            {
                "interval": "1s",
                # A heartbeat arrived at t=0 and none since: the series keeps the value 0.
                "input_series": [{"series": HEARTBEAT_SERIES, "values": "0+0x400"}],
                "alert_rule_test": [
                    {"eval_time": "299s", "alertname": HEARTBEAT_ALERT, "exp_alerts": []},
                    {
                        "eval_time": "301s",
                        "alertname": HEARTBEAT_ALERT,
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "critical"},
                                "exp_annotations": group["rules"][0]["annotations"],
                            }
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_heartbeat_missing_alert_also_goes_straight_to_emergency(
    tmp_path: Path, sink: HttpSink
) -> None:
    """The built-in alert reaches the emergency receivers even while Alertmanager accepts."""
    alerting = {
        "alertmanagers": [{"url": sink.url("/am")}],
        "emergency": [{"kind": "webhook", "url": sink.url("/hook")}],
        "backoff": FAST_BACKOFF,
    }
    async with delivery_stack(tmp_path, alerting, direct={HEARTBEAT_ALERT: "path broken"}) as st:
        await st.chain.send("monitor-watchdog-heartbeat", [alert(HEARTBEAT_ALERT)])
        hooks = await async_wait_for(until(lambda: sink.records("/hook")), message="emergency")
        await async_wait_for(until(lambda: sink.records("/am/api/v2/alerts")), message="AM")
        assert st.metric("watchdog_fallback_active") == 0
    body = hooks[0].json()
    assert body["alerts"][0]["annotations"]["watchdog_fallback_reason"] == "path broken"
