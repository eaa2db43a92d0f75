"""Emergency delivery: what waits for the emergency receivers, offered to each in one pass.

Each receiver keeps a notification log (fingerprint -> last status it accepted, and when).
For each waiting notification and receiver (after triage: routing, silences, inhibitions):

- a firing alert is due if the receiver was never told it fires, or was told more than
  ``repeat_interval`` ago; told within it, the receiver already has it;
- a resolved alert is due only where the receiver was told it fires (and it takes resolves:
  ``send_resolved``, or always where the kind ``can_resolve``): nobody gets a resolve for
  something they were never paged about; told it resolved, the receiver already has it;
- a notice (delivery is back) is due everywhere.

A notification is done once one receiver it is due at accepted it, or some receiver already
has it, or no receiver needs it. Each receiver gets one message per reason per pass, its due
alerts grouped by its route. Notifications of one alert are delivered in order: while an
earlier one waits (its receivers fail or back off), later ones of the same alert wait too;
other alerts go on. Receivers that are busy or backing off skip the pass and catch up on the
next due re-send, so a hanging receiver never holds up the others.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from watchdog.alerts import Notification
from watchdog.clock import Clock
from watchdog.config.alerting import BackoffConfig
from watchdog.journal import JournalWriter
from watchdog.logs import get_logger
from watchdog.notify.backoff import Backoff
from watchdog.notify.failurelog import FailureLog
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.outbox import LogEntry, Outbox, OutboxRow
from watchdog.notify.receivers import EmergencyChannel, Message, Request
from watchdog.notify.routing import Route
from watchdog.notify.summary import delivery_entry
from watchdog.notify.triage import RoundPlan, Triage
from watchdog.sqlitedb import DbWorker

__all__ = ["EmergencyDispatcher", "PassResult", "Pending", "row_status"]

Status = Literal["due", "told"] | None


def row_status(
    row: OutboxRow,
    log: dict[str, LogEntry],
    now: float,
    *,
    repeat_interval: float,
    send_resolved: bool,
) -> Status:
    """What one (routed, unmuted) notification means to one receiver (pure).

    ``due``: it must be sent there. ``told``: the receiver already has it. None: this
    receiver plays no part (a resolve it never heard firing, or one it does not take).
    """
    alert = row.notification
    prev = log.get(alert.fingerprint)
    if row.kind == "notice":
        return "due"
    if alert.status == "firing":
        if prev is None or prev.status != "firing" or now - prev.sent_at >= repeat_interval:
            return "due"
        return "told"
    if prev is None:
        return None
    if prev.status == "resolved":
        return "told"
    return "due" if send_resolved else None


@dataclass(frozen=True)
class Pending:
    """A waiting notification and why it comes via the emergency path."""

    row: OutboxRow
    reason: str


@dataclass(frozen=True)
class PassResult:
    """``done``: row ids nobody needs any more. ``accepted``: how many of them a receiver
    accepted in this pass. ``waiting``: rows left; look again after ``retry_in`` (None: when
    a busy receiver finishes or new rows arrive)."""

    done: list[int]
    accepted: int = 0
    waiting: int = 0
    retry_in: float | None = None


@dataclass
class _Receiver:
    channel: EmergencyChannel
    route: Route
    send_resolved: bool
    backoff: Backoff
    log: dict[str, LogEntry] = field(default_factory=dict)
    ready_at: float = 0.0
    busy: bool = False


class EmergencyDispatcher:
    """Delivers waiting notifications to the emergency receivers."""

    def __init__(
        self,
        channels: Sequence[tuple[EmergencyChannel, Route, bool]],
        *,
        db: DbWorker,
        outbox: Outbox,
        clock: Clock,
        backoff: BackoffConfig,
        repeat_interval: float,
        metrics: DeliveryMetrics,
        journal: JournalWriter,
        triage: Triage,
        external_url: str = "",
        on_idle: Callable[[], None] = lambda: None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._receivers = [
            _Receiver(ch, route, resolves, Backoff(backoff, rng))
            for ch, route, resolves in channels
        ]
        self.session: aiohttp.ClientSession | None = None  # set by the chain's start
        self.triage = triage
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._repeat = repeat_interval
        self._metrics = metrics
        self._journal = journal
        self._external_url = external_url
        self._on_idle = on_idle
        self._tasks: set[asyncio.Task[list[Notification]]] = set()
        self._failures = FailureLog("notify.emergency", "emergency delivery", "receiver")
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

    def last_told(self, fingerprint: str) -> tuple[str, LogEntry] | None:
        """The receiver last told about this alert, and what (for the status page)."""
        told = [
            (r.channel.name, entry)
            for r in self._receivers
            if (entry := r.log.get(fingerprint)) is not None
        ]
        return max(told, key=lambda pair: pair[1].sent_at, default=None)

    async def deliver(self, pending: Sequence[Pending]) -> PassResult:
        """One pass over ``pending`` (oldest first): send what is due, say what is done."""
        now, mono = self._clock.now(), asyncio.get_running_loop().time()
        plan = self.triage.plan([p.row for p in pending], now)
        done: list[int] = []
        held: set[str] = set()
        batches: dict[int, list[Pending]] = {}
        needed: set[int] = set()
        blocking: set[int] = set()  # receivers that held rows wait for
        waiting = 0
        for item in pending:
            key = item.row.notification.fingerprint
            if key in held:  # an earlier notification of this alert is not done yet
                waiting += 1
                continue
            statuses = self._statuses(item.row, plan, now)
            ready = [
                index
                for index, status in enumerate(statuses)
                if status == "due" and self._ready(self._receivers[index], mono)
            ]
            for index in ready:
                batches.setdefault(index, []).append(item)
            finished = "told" in statuses or "due" not in statuses
            if finished:
                done.append(item.row.id)  # someone has it, or nobody needs it
            elif ready:
                needed.add(item.row.id)
            else:
                waiting += 1
                blocking.update(i for i, status in enumerate(statuses) if status == "due")
            if ready or not finished:
                held.add(key)  # later ones see the logs this pass updates
        accepted = await self._send_all(batches, needed)
        done.extend(accepted)
        if len(accepted) < len(needed):
            waiting += len(needed) - len(accepted)
            blocking.update(batches)
        return PassResult(done, len(accepted), waiting, self._next_ready(blocking))

    def _statuses(self, row: OutboxRow, plan: RoundPlan, now: float) -> list[Status]:
        out: list[Status] = []
        for receiver in self._receivers:
            if not plan.carries(receiver.route, row):
                out.append(None)
                continue
            out.append(
                row_status(
                    row,
                    receiver.log,
                    now,
                    repeat_interval=self._repeat,
                    send_resolved=receiver.send_resolved,
                )
            )
        return out

    @staticmethod
    def _ready(receiver: _Receiver, mono: float) -> bool:
        return not receiver.busy and receiver.ready_at <= mono

    async def _send_all(self, batches: dict[int, list[Pending]], needed: set[int]) -> list[int]:
        """Start one task per receiver; return the ``needed`` ids some receiver accepted, once
        all are or every task finished (slower receivers go on in the background)."""
        started: dict[asyncio.Task[list[Notification]], list[Pending]] = {}
        for index, items in batches.items():
            receiver = self._receivers[index]
            messages = self._messages(receiver, items)
            if not messages:
                continue
            task = asyncio.create_task(self._send(receiver, messages))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started[task] = items
        accepted: set[int] = set()
        waiting = set(started)
        while waiting and not needed <= accepted:
            finished, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                if task.cancelled() or task.exception() is not None:
                    continue
                took = {a.fingerprint for a in task.result()}
                accepted.update(
                    p.row.id
                    for p in started[task]
                    if p.row.id in needed and p.row.notification.fingerprint in took
                )
        return sorted(accepted)

    def _messages(
        self, receiver: _Receiver, items: list[Pending]
    ) -> list[tuple[Message, list[Request]]]:
        """One message per reason (and one for notices), alerts grouped by the route."""
        by_reason: dict[tuple[str, bool], list[Notification]] = {}
        for item in items:
            key = (item.reason, item.row.kind == "notice")
            by_reason.setdefault(key, []).append(item.row.notification)
        out = []
        channel = receiver.channel
        for (reason, notice), alerts in by_reason.items():
            message = Message(
                channel.name,
                alerts[0].group,
                alerts,
                reason,
                self._external_url,
                notice=notice,
                groups=receiver.route.group(alerts),
            )
            try:
                requests = channel.requests(message)
            except Exception:  # a receiver's bug must not stop the others
                self._log.exception("cannot build the message", receiver=channel.name)
                delay = receiver.backoff.next_delay()  # retried at the backoff's pace
                receiver.ready_at = asyncio.get_running_loop().time() + delay
                continue
            out.append((message, requests))
        return out

    async def wait_idle(self) -> None:
        """Wait for sends already under way."""
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    def cancel(self) -> None:
        """Abandon sends under way (their rows stay in the outbox)."""
        for task in list(self._tasks):
            task.cancel()

    def _next_ready(self, blocking: set[int]) -> float | None:
        """When one of the receivers waiting rows need may be tried again (None: when a busy
        one calls ``on_idle``, or nothing waits)."""
        waited = [self._receivers[i] for i in blocking]
        if not waited or any(r.busy for r in waited):
            return None
        mono = asyncio.get_running_loop().time()
        return max(0.0, min(r.ready_at for r in waited) - mono)

    async def _send(
        self, receiver: _Receiver, messages: list[tuple[Message, list[Request]]]
    ) -> list[Notification]:
        """Send one receiver's messages in order; returns the alerts it accepted."""
        assert self.session is not None, "the chain sets the session before sending"
        session = self.session
        receiver.busy = True
        channel = receiver.channel
        accepted: list[Notification] = []
        remembered: list[Notification] = []
        try:
            for message, requests in messages:
                for request in requests:
                    attempt = await channel.send(session, request, channel.timeout)
                    self._metrics.notifications.labels(channel.name, attempt.outcome).inc()
                    self._metrics.notification_latency.labels(channel.name).observe(attempt.latency)
                    self._journal.record(
                        "delivery",
                        delivery_entry(channel.name, channel.kind, attempt, request.alerts),
                    )
                    if not attempt.ok:
                        delay = receiver.backoff.next_delay(attempt.retry_after)
                        receiver.ready_at = asyncio.get_running_loop().time() + delay
                        self._failures.failed(
                            channel.name,
                            attempt.error,
                            self._clock.now(),
                            permanent=attempt.permanent,
                            retry_in=delay,
                        )
                        return accepted
                    accepted.extend(request.alerts)
                    if not message.notice:
                        remembered.extend(request.alerts)
                # A receiver that builds no request for an alert (e.g. a notice it cannot
                # show) has nothing to deliver for it: it counts as accepted.
                accepted.extend(a for a in message.alerts if not _carried(a, requests))
            receiver.backoff.reset()
            self._failures.succeeded(channel.name, self._clock.now())
            self._log.info(
                "emergency delivery accepted", receiver=channel.name, alerts=len(accepted)
            )
            return accepted
        except Exception:  # a bug in one receiver costs that attempt, never the daemon
            self._log.exception("emergency delivery crashed", receiver=channel.name)
            delay = receiver.backoff.next_delay()
            receiver.ready_at = asyncio.get_running_loop().time() + delay
            return accepted
        finally:
            if remembered:
                await self._remember(receiver, remembered)
            receiver.busy = False
            self._on_idle()

    async def _remember(self, receiver: _Receiver, alerts: list[Notification]) -> None:
        now = self._clock.now()
        pairs = [(a.fingerprint, a.status) for a in alerts]
        for fp, status in pairs:
            receiver.log[fp] = LogEntry(status, now)
        await self._db.call(self._outbox.record_sent, receiver.channel.name, pairs, now)


def _carried(alert: Notification, requests: Sequence[Request]) -> bool:
    return any(any(a.fingerprint == alert.fingerprint for a in r.alerts) for r in requests)
