"""Emergency delivery: one message per evaluation round to each receiver that needs it.

Each receiver keeps a notification log (fingerprint -> last status it accepted, and when):

- a firing alert is due if the receiver was never told it fires, or was told more than
  ``repeat_interval`` ago;
- a resolved alert is due once (if ``send_resolved``), unless the receiver was already told;
- a follow-up (a resolved alert after delivery returned to Alertmanager) is due only where
  the receiver was told it fires;
- a notice (delivery is back) is always due.

A round counts as delivered as soon as one receiver accepts it, or when some receiver needs
nothing from it because it already has all of it. Slow receivers never hold up the next
round: a receiver still busy, or backing off after a failure, skips rounds and catches up on
the next due resend. When no receiver can take a round, it stays in the outbox and the
caller retries it, in order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

from watchdog.alerts import Notification
from watchdog.clock import Clock
from watchdog.config.alerting import BackoffConfig
from watchdog.journal import JournalWriter
from watchdog.logs import get_logger
from watchdog.notify.backoff import Backoff
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.outbox import LogEntry, Outbox, OutboxRow
from watchdog.notify.receivers import EmergencyChannel, Message, Request
from watchdog.notify.summary import delivery_entry
from watchdog.sqlitedb import DbWorker

__all__ = ["ALREADY_TOLD", "EmergencyDispatcher", "RoundResult", "due_alerts"]

ALREADY_TOLD = "already told: "
"""How a round's ``delivered_by`` starts when receivers needed nothing from it."""


@dataclass(frozen=True)
class RoundResult:
    """``delivered_by`` names who took the round; else ``retry_in`` says when to try again."""

    delivered_by: str | None
    retry_in: float | None = None


def due_alerts(
    rows: Sequence[OutboxRow],
    log: dict[str, LogEntry],
    now: float,
    *,
    repeat_interval: float,
    send_resolved: bool,
) -> list[Notification]:
    """The part of a round one receiver still has to be told (pure)."""
    due: list[Notification] = []
    for row in rows:
        alert = row.notification
        prev = log.get(alert.fingerprint)
        if row.kind == "notice":
            due.append(alert)
        elif alert.status == "firing":
            if prev is None or prev.status != "firing" or now - prev.sent_at >= repeat_interval:
                due.append(alert)
        elif send_resolved and (
            (prev is not None and prev.status == "firing")
            or (prev is None and row.kind != "followup")
        ):
            due.append(alert)
    return due


@dataclass
class _Receiver:
    channel: EmergencyChannel
    backoff: Backoff
    log: dict[str, LogEntry] = field(default_factory=dict)
    ready_at: float = 0.0
    busy: bool = False


class EmergencyDispatcher:
    """Delivers outbox rounds to the emergency receivers."""

    def __init__(
        self,
        channels: Sequence[EmergencyChannel],
        *,
        db: DbWorker,
        outbox: Outbox,
        clock: Clock,
        backoff: BackoffConfig,
        repeat_interval: float,
        metrics: DeliveryMetrics,
        journal: JournalWriter,
        external_url: str = "",
        on_idle: Callable[[], None] = lambda: None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._receivers = [_Receiver(ch, Backoff(backoff, rng)) for ch in channels]
        self.session: aiohttp.ClientSession | None = None  # set by the chain's start
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._repeat = repeat_interval
        self._metrics = metrics
        self._journal = journal
        self._external_url = external_url
        self._on_idle = on_idle
        self._tasks: set[asyncio.Task[bool]] = set()
        self._log = get_logger("notify.emergency")

    @property
    def configured(self) -> bool:
        """True when at least one emergency receiver exists."""
        return bool(self._receivers)

    async def load(self) -> None:
        """Read the receivers' notification logs from the outbox database."""
        logs = await self._db.call(self._outbox.receiver_logs)
        for receiver in self._receivers:
            receiver.log = logs.get(receiver.channel.name, {})

    def is_open(self, fingerprint: str) -> bool:
        """Was some receiver last told that this alert fires?"""
        return any(
            (entry := r.log.get(fingerprint)) is not None and entry.status == "firing"
            for r in self._receivers
        )

    async def deliver(self, rows: Sequence[OutboxRow], reason: str) -> RoundResult:
        """Offer one round to every receiver; return once one took it (others go on)."""
        now, mono = self._clock.now(), asyncio.get_running_loop().time()
        covered: list[str] = []
        started: dict[asyncio.Task[bool], str] = {}
        for receiver in self._receivers:
            channel = receiver.channel
            due = due_alerts(
                rows,
                receiver.log,
                now,
                repeat_interval=self._repeat,
                send_resolved=channel.send_resolved,
            )
            message = Message(
                channel.name,
                rows[0].group,
                due,
                reason,
                self._external_url,
                notice=rows[0].kind == "notice",
            )
            try:
                requests = channel.requests(message) if due else []
            except Exception:  # a receiver's bug must not stop the others
                self._log.exception("cannot build the message", receiver=channel.name)
                continue
            if not requests:
                covered.append(channel.name)
            elif not receiver.busy and receiver.ready_at <= mono:
                task = asyncio.create_task(self._send(receiver, requests, message.notice))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started[task] = channel.name
        if covered:
            return RoundResult(f"{ALREADY_TOLD}{', '.join(covered)}")
        waiting = set(started)
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is None and task.result():
                    return RoundResult(started[task])
        return RoundResult(None, self._next_ready())

    async def wait_idle(self) -> None:
        """Wait for sends already under way."""
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    def cancel(self) -> None:
        """Abandon sends under way (their rows stay in the outbox)."""
        for task in list(self._tasks):
            task.cancel()

    def _next_ready(self) -> float | None:
        if any(r.busy for r in self._receivers):
            return None  # a busy receiver calls on_idle when it finishes
        mono = asyncio.get_running_loop().time()
        return max(0.0, min((r.ready_at for r in self._receivers), default=mono) - mono)

    async def _send(self, receiver: _Receiver, requests: list[Request], notice: bool) -> bool:
        assert self.session is not None, "the chain sets the session before sending"
        session = self.session
        receiver.busy = True
        channel = receiver.channel
        accepted: list[Notification] = []
        try:
            for request in requests:
                attempt = await channel.send(session, request, channel.timeout)
                self._metrics.notifications.labels(channel.name, attempt.outcome).inc()
                self._metrics.notification_latency.labels(channel.name).observe(attempt.latency)
                self._journal.record(
                    "delivery", delivery_entry(channel.name, channel.kind, attempt, request.alerts)
                )
                if not attempt.ok:
                    delay = receiver.backoff.next_delay(attempt.retry_after)
                    receiver.ready_at = asyncio.get_running_loop().time() + delay
                    log = self._log.error if attempt.permanent else self._log.warning
                    log(
                        "emergency delivery failed",
                        receiver=channel.name,
                        error=attempt.error,
                        retry_in=round(delay, 3),
                    )
                    return False
                accepted.extend(request.alerts)
            receiver.backoff.reset()
            self._log.info(
                "emergency delivery accepted", receiver=channel.name, alerts=len(accepted)
            )
            return True
        except Exception:  # a bug in one receiver costs that attempt, never the daemon
            self._log.exception("emergency delivery crashed", receiver=channel.name)
            delay = receiver.backoff.next_delay()
            receiver.ready_at = asyncio.get_running_loop().time() + delay
            return False
        finally:
            if accepted and not notice:
                await self._remember(receiver, accepted)
            receiver.busy = False
            self._on_idle()

    async def _remember(self, receiver: _Receiver, alerts: list[Notification]) -> None:
        now = self._clock.now()
        pairs = [(a.fingerprint, a.status) for a in alerts]
        for fp, status in pairs:
            receiver.log[fp] = LogEntry(status, now)
        await self._db.call(self._outbox.record_sent, receiver.channel.name, pairs, now)
