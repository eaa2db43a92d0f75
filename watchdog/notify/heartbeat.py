"""Heartbeats: a dead man's switch out, and Prometheus' Watchdog alert in.

Out: the ping URL is fetched every ``interval`` only while ``LoopHealth`` says the daemon's
own loops are on time, so a wedged daemon stops pinging and the external service alerts.
Each ping carries the journal's last verified anchor (``notify.ping``).

In: Alertmanager posts its webhook payload (with the always-firing ``Watchdog`` alert) to
``POST /api/v1/heartbeat``. Each arrival is written to the sample store as
``watchdog_heartbeat_last_received_timestamp_seconds``; a built-in rule fires when it is
older than ``window``. Until the first heartbeat arrives the series holds the daemon's start
time, so the window also counts from start-up.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from watchdog.api.bodies import BadBodyError, parse_json_body, path_key
from watchdog.clock import Clock
from watchdog.config.alerting import HeartbeatConfig, HeartbeatInConfig
from watchdog.durations import format_duration
from watchdog.health import LoopHealth
from watchdog.journal import JournalWriter
from watchdog.logs import get_logger
from watchdog.notify.http import send_request
from watchdog.notify.metrics import HeartbeatMetrics
from watchdog.notify.ping import PingAnchor, ping_request
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

__all__ = [
    "HEARTBEAT_ALERT",
    "HEARTBEAT_PATH",
    "HEARTBEAT_SERIES",
    "HeartbeatIn",
    "HeartbeatOut",
    "heartbeat_rule_group",
    "webhook_alerts",
]

HEARTBEAT_PATH = "/api/v1/heartbeat"
HEARTBEAT_SERIES = "watchdog_heartbeat_last_received_timestamp_seconds"
HEARTBEAT_ALERT = "WatchdogHeartbeatMissing"
_SOURCE = "heartbeat_in"


class HeartbeatOut:
    """Pings the dead man's switch while the daemon is healthy."""

    def __init__(
        self,
        config: HeartbeatConfig,
        *,
        session: aiohttp.ClientSession,
        health: LoopHealth,
        metrics: HeartbeatMetrics,
        clock: Clock,
        journal: JournalWriter,
        anchor: Callable[[], PingAnchor | None] = lambda: None,
    ) -> None:
        self.config = config
        self._session, self._health, self._metrics = session, health, metrics
        self._clock, self._journal = clock, journal
        self._anchor = anchor
        self._state = "starting"
        self.last_success: float | None = None
        self._log = get_logger("notify.heartbeat")

    @property
    def state(self) -> str:
        """``starting``, ``ok``, ``failing`` or ``unhealthy`` (pings paused)."""
        return self._state

    async def run(self) -> None:
        """Ping every interval until cancelled (the first after one interval)."""
        while True:
            await asyncio.sleep(self.config.interval)
            await self.beat()

    async def beat(self) -> str:
        """One heartbeat decision: ``success``, ``error`` or ``skipped`` (unhealthy)."""
        problems = self._health.problems()
        if problems:
            self._metrics.heartbeat_pings.labels("skipped").inc()
            self._transition("unhealthy", problems="; ".join(problems))
            return "skipped"
        request = ping_request(self.config, self._anchor())
        attempt = await send_request(self._session, request, time_limit=self.config.timeout)
        self._metrics.heartbeat_pings.labels(attempt.outcome if attempt.ok else "error").inc()
        if attempt.ok:
            self.last_success = self._clock.now()
            self._metrics.heartbeat_last_success.set(self.last_success)
            self._transition("ok")
            return "success"
        self._transition("failing", error=attempt.error or "ping failed")
        return "error"

    def _transition(self, state: str, **detail: str) -> None:
        if state == self._state:
            return
        previous, self._state = self._state, state
        self._journal.record(
            "heartbeat", {"direction": "out", "from": previous, "to": state, **detail}
        )
        log = self._log.info if state == "ok" else self._log.warning
        log(
            "outgoing heartbeat "
            + {
                "ok": "is pinging",
                "unhealthy": "paused: daemon unhealthy",
                "failing": "ping failed",
            }[state],
            **detail,
        )


class HeartbeatIn:
    """Receives Alertmanager's webhook posts and records when the Watchdog alert arrived."""

    def __init__(
        self,
        config: HeartbeatInConfig,
        *,
        store: SampleStore,
        metrics: HeartbeatMetrics,
        clock: Clock,
        journal: JournalWriter,
    ) -> None:
        self.config = config
        self._store, self._metrics, self._clock, self._journal = store, metrics, clock, journal
        self.started = clock.now()
        self.last_received: float | None = None
        self._log = get_logger("notify.heartbeat")

    def routes(self) -> list[web.RouteDef]:
        """The receiving endpoint."""
        return [web.post(HEARTBEAT_PATH, self.handle)]

    def refresh(self, at: float | None = None) -> None:
        """Write the current value into the store (keeps the series fresh between posts)."""
        value = self.last_received if self.last_received is not None else self.started
        when = self._clock.now() if at is None else at
        self._store.ingest(_SOURCE, when, {LabelSet.of(HEARTBEAT_SERIES): value})

    async def run(self, every: float) -> None:
        """Refresh the series every ``every`` seconds until cancelled."""
        while True:
            self.refresh()
            await asyncio.sleep(every)

    async def handle(self, request: web.Request) -> web.Response:
        """Accept a webhook payload; 2xx unless it is unauthenticated or malformed."""
        token = self.config.token()
        given = request.headers.get("Authorization", "").encode()
        if token is not None and not hmac.compare_digest(given, f"Bearer {token}".encode()):
            self._metrics.heartbeats_received.labels("rejected").inc()
            return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        try:
            alerts = webhook_alerts(parse_json_body(await request.read()))
        except BadBodyError as exc:
            self._metrics.heartbeats_received.labels("rejected").inc()
            return web.json_response(
                {"error": f"not an Alertmanager webhook payload: {exc}"}, status=400
            )
        wanted = [
            a
            for a in alerts
            if a.get("status") == "firing" and a["labels"].get("alertname") == self.config.alertname
        ]
        if not wanted:
            self._metrics.heartbeats_received.labels("ignored").inc()
            return web.json_response(
                {"status": "ignored", "reason": f"no firing {self.config.alertname} alert"}
            )
        self.record()
        return web.json_response({"status": "accepted"})

    def record(self) -> None:
        """A heartbeat arrived now."""
        now = self._clock.now()
        previous, self.last_received = self.last_received, now
        self._metrics.heartbeats_received.labels("accepted").inc()
        self._metrics.heartbeat_last_received.set(now)
        self.refresh(now)
        gap = now - (previous if previous is not None else self.started)
        if previous is None or gap > self.config.window:
            self._journal.record(
                "heartbeat", {"direction": "in", "to": "receiving", "gap": round(gap, 3)}, now
            )
            self._log.info("incoming heartbeat received", gap=round(gap, 3))


def webhook_alerts(payload: Any) -> list[dict[str, Any]]:
    """The alerts of an Alertmanager webhook payload, each with a string ``status`` and
    string-valued ``labels``; ``BadBodyError`` names the first value that is not."""
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise BadBodyError("expected a JSON object with an 'alerts' list")
    alerts: list[dict[str, Any]] = []
    for index, alert in enumerate(payload["alerts"]):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            raise BadBodyError(f"{where}: expected an object")
        if not isinstance(alert.get("status"), str):
            raise BadBodyError(f"{where}.status: expected a string")
        labels = alert.get("labels")
        if not isinstance(labels, dict):
            raise BadBodyError(f"{where}.labels: expected an object of strings")
        for name, value in labels.items():
            if not isinstance(value, str):
                raise BadBodyError(f"{where}.labels{path_key(name)}: expected a string")
        alerts.append(alert)
    return alerts


def heartbeat_rule_group(config: HeartbeatInConfig, interval: float) -> dict[str, Any]:
    """The built-in rule group (Prometheus rule-file shape) that alerts on a missing heartbeat."""
    window = format_duration(config.window)
    return {
        "name": "monitor-watchdog-heartbeat",
        "interval": format_duration(interval),
        "rules": [
            {
                "alert": HEARTBEAT_ALERT,
                "expr": f"time() - {HEARTBEAT_SERIES} > {config.window:g}",
                "labels": {"severity": "critical"},
                "annotations": {
                    "summary": f"No {config.alertname} heartbeat through Alertmanager for {window}",
                    "description": (
                        f"Prometheus' always-firing {config.alertname} alert has not arrived"
                        f" through Alertmanager for more than {window}: the Prometheus →"
                        " Alertmanager → receiver path is broken somewhere."
                    ),
                },
            }
        ],
    }
