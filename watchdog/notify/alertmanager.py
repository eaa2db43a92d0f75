"""One Alertmanager replica: a bounded queue, batched ``POST /api/v2/alerts``, backoff.

Every replica gets every alert (Alertmanager replicas deduplicate among themselves). A batch
is kept at the head of the queue and retried until the replica answers 2xx; a 4xx other than
408/425/429 means the replica refuses that batch for good, so it is dropped and reported.
When the queue is full the oldest alerts are dropped and counted; they are still in the
outbox, so another replica or the fallback path delivers them.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

import aiohttp

from watchdog.clock import Clock
from watchdog.config.alerting import AlertmanagerConfig
from watchdog.logs import get_logger
from watchdog.notify.backoff import Backoff
from watchdog.notify.failurelog import FailureLog
from watchdog.notify.fallback import ReplicaHealth
from watchdog.notify.http import Attempt, HttpRequest, send_request
from watchdog.notify.loops import run_forever
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.outbox import OutboxRow
from watchdog.redact import redact_url

__all__ = ["AlertmanagerReplica", "Rejections", "ResultCallback"]

ResultCallback = Callable[["AlertmanagerReplica", list[OutboxRow], Attempt], Awaitable[None]]


class AlertmanagerReplica:
    """Sends queued alerts to one replica, in order, in batches of at most ``batch_size``."""

    def __init__(
        self,
        config: AlertmanagerConfig,
        *,
        metrics: DeliveryMetrics,
        clock: Clock,
        backoff: Backoff,
        capacity: int,
        batch_size: int,
        on_result: ResultCallback,
    ) -> None:
        self.config = config
        self.name = redact_url(config.url.rstrip("/") + "/api/v2/alerts")
        self.endpoint = config.url.rstrip("/") + "/api/v2/alerts"
        self.health = ReplicaHealth(redact_url(config.url))
        self.session: aiohttp.ClientSession | None = None  # set by the chain's start
        self._metrics = metrics
        self._clock = clock
        self._backoff = backoff
        self._capacity = capacity
        self._batch_size = batch_size
        self._on_result = on_result
        self._queue: OrderedDict[int, OutboxRow] = OrderedDict()
        self._work = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._ssl = config.ssl_context()
        self._headers = {"Content-Type": "application/json", **config.request_headers()}
        self._log = get_logger("notify.alertmanager").bind(alertmanager=self.name)
        self._failures = FailureLog(
            "notify.alertmanager", "sending to Alertmanager", "alertmanager"
        )
        for metric in (metrics.alertmanager_sent, metrics.alertmanager_errors):
            metric.labels(self.name)
        metrics.alertmanager_queue.labels(self.name).set(0)

    def __contains__(self, row_id: int) -> bool:
        return row_id in self._queue

    def __len__(self) -> int:
        return len(self._queue)

    def enqueue(self, rows: Iterable[OutboxRow]) -> None:
        """Queue alerts (notices and other replicas' business are filtered by the caller)."""
        added = False
        for row in rows:
            if row.id not in self._queue:
                self._queue[row.id] = row
                added = True
        excess = len(self._queue) - self._capacity
        if excess > 0:
            for _ in range(excess):
                self._queue.popitem(last=False)
            self._metrics.alertmanager_dropped.labels(self.name, "queue_full").inc(excess)
            self._log.warning(
                "send queue full, dropped oldest alerts", dropped=excess, capacity=self._capacity
            )
        self._metrics.alertmanager_queue.labels(self.name).set(len(self._queue))
        if added and self._queue:
            self._idle.clear()
            self._work.set()

    async def wait_idle(self) -> None:
        """Return once the queue is empty and nothing is in flight."""
        await self._idle.wait()

    async def run(self) -> None:
        """Send until cancelled."""
        await run_forever(self._step, name=f"alertmanager {self.name}")

    async def _step(self) -> None:
        await self._work.wait()
        if not self._queue:
            self._work.clear()
            self._idle.set()
            return
        batch = list(self._queue.values())[: self._batch_size]
        attempt = await self._post(batch)
        await self._settle(batch, attempt)
        if not attempt.ok and not attempt.permanent:
            await asyncio.sleep(self._backoff.next_delay(attempt.retry_after))

    async def _post(self, batch: list[OutboxRow]) -> Attempt:
        body = json.dumps([row.notification.to_alertmanager() for row in batch]).encode()
        assert self.session is not None, "the chain sets the session before sending"
        self.health.sending(self._clock.now())
        return await send_request(
            self.session,
            HttpRequest(self.endpoint, body, self._headers),
            time_limit=self.config.timeout,
            ssl_context=self._ssl,
            server_hostname=self.config.server_hostname,
        )

    async def _settle(self, batch: list[OutboxRow], attempt: Attempt) -> None:
        now = self._clock.now()
        m, name, count = self._metrics, self.name, len(batch)
        m.alertmanager_latency.labels(name).observe(attempt.latency)
        m.notification_latency.labels(name).observe(attempt.latency)
        m.notifications.labels(name, attempt.outcome).inc()
        if attempt.ok:
            m.alertmanager_sent.labels(name).inc(count)
            self._backoff.reset()
            self._failures.succeeded(name, now)
            self.health.succeeded(now)
        elif attempt.permanent:
            m.alertmanager_errors.labels(name).inc(count)
            m.alertmanager_dropped.labels(name, "rejected").inc(count)
            self.health.answered()
            self._log.error("alertmanager rejected alerts", count=count, error=attempt.error)
        else:
            m.alertmanager_errors.labels(name).inc(count)
            self.health.failed(now, attempt.error or "send failed")
            self._failures.failed(name, attempt.error, now)
        if attempt.ok or attempt.permanent:
            for row in batch:
                self._queue.pop(row.id, None)
        m.alertmanager_queue.labels(name).set(len(self._queue))
        await self._on_result(self, batch, attempt)


class Rejections:
    """Which replicas refused which rows: a row every replica refused needs another path."""

    def __init__(self, replicas: Iterable[str]) -> None:
        self._everyone = frozenset(replicas)
        self._refused: dict[int, set[str]] = {}

    def note(self, replica: str, row_ids: Iterable[int]) -> list[int]:
        """Record a refusal; returns the rows now refused by every replica."""
        complete = []
        for row_id in row_ids:
            names = self._refused.setdefault(row_id, set())
            names.add(replica)
            if names >= self._everyone:
                complete.append(row_id)
                del self._refused[row_id]
        return complete

    def forget(self, row_ids: Iterable[int]) -> None:
        """Rows some replica accepted need no other path."""
        for row_id in row_ids:
            self._refused.pop(row_id, None)
