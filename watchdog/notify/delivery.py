"""The delivery chain (the rule engine's ``AlertSink``): outbox, Alertmanager, fallback.

``send`` writes the round to the outbox first (fsynced), then queues it for every
Alertmanager replica. A row leaves the outbox when a replica accepts it, or, while fallback
is active, when the emergency receivers take it. Rows nobody can take wait, in order, until a
channel returns, or until they exceed the outbox bounds (counted, logged, journaled).

When fallback starts, the current picture (every alert firing now, from the rule engine)
goes to the emergency receivers at once; so it does again when silences change or an
inhibiting alert resolves during the outage, so muted alerts are paged when they no longer
are (each receiver's notification log keeps what it already has from being repeated).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from typing import Any

import aiohttp

from watchdog.alerts import Notification, fingerprint
from watchdog.clock import Clock
from watchdog.config.alerting import AlertingConfig
from watchdog.journal import JournalWriter
from watchdog.logs import get_logger
from watchdog.notify.alertmanager import AlertmanagerReplica, Rejections
from watchdog.notify.backoff import Backoff
from watchdog.notify.emergency import Pending
from watchdog.notify.fallback import same_endpoint
from watchdog.notify.fallbackpath import FallbackPath, Picture
from watchdog.notify.http import Attempt
from watchdog.notify.loops import run_forever
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.notices import FOLLOWUP_NOTE, restored_notice
from watchdog.notify.observed import DeliveryLedger
from watchdog.notify.outbox import Kind, Outbox, OutboxRow
from watchdog.notify.silences import SilenceStore
from watchdog.notify.summary import alert_summaries, delivery_entry
from watchdog.notify.switch import FallbackSwitch
from watchdog.probes.kinds.alertmanager import AlertmanagerTarget
from watchdog.probes.runner import ProbeOutcome
from watchdog.sqlitedb import DbWorker

__all__ = ["DeliveryChain", "Picture", "TargetContext"]

TICK = 0.5
"""Seconds between re-assessments of fallback (an unanswered send can trip it)."""
SCAN_LIMIT = 2000
"""Waiting notifications offered to the emergency receivers per pass."""

TargetContext = Callable[[Mapping[str, str]], Mapping[str, str]]
"""Annotations about the target an alert's labels name (its probe error, key facts)."""


class DeliveryChain:
    """Implements ``watchdog.alerts.AlertSink``."""

    def __init__(
        self,
        config: AlertingConfig,
        *,
        outbox: Outbox,
        db: DbWorker,
        metrics: DeliveryMetrics,
        clock: Clock,
        journal: JournalWriter,
        external_labels: dict[str, str] | None = None,
        external_url: str = "",
        direct: Mapping[str, str] | None = None,
        silences: SilenceStore | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self._direct = dict(direct or {})
        self._outbox, self._db, self._metrics, self._clock = outbox, db, metrics, clock
        self._journal = journal
        self._external_labels = dict(external_labels or {})
        self.replicas = [
            AlertmanagerReplica(
                am,
                metrics=metrics,
                clock=clock,
                backoff=Backoff(config.backoff, rng),
                capacity=config.queue_capacity,
                batch_size=config.batch_size,
                on_result=self._replica_result,
            )
            for am in config.alertmanagers
        ]
        self._wake_emergency = asyncio.Event()
        self._wake_watch = asyncio.Event()
        self.fallback = FallbackPath(
            config,
            db=db,
            outbox=outbox,
            metrics=metrics,
            clock=clock,
            journal=journal,
            silences=silences,
            external_labels=self._external_labels,
            external_url=external_url,
            on_idle=self._wake_emergency.set,
            rng=rng,
        )
        self.triage, self.mirror = self.fallback.triage, self.fallback.mirror
        self.emergency = self.fallback.dispatcher
        self.ledger = DeliveryLedger()
        """Which Alertmanager replica last accepted each alert (the status page shows it)."""
        self.receivers = self.fallback.receivers
        self.target_context: TargetContext = lambda _labels: {}
        """Set by the daemon: what the probes know about the target an alert names."""
        self.switch = FallbackSwitch(
            [(r.name, r.health) for r in self.replicas],
            config.fallback,
            metrics=metrics,
            journal=journal,
            emergency_configured=self.emergency.configured,
        )
        self._rejected = Rejections([r.name for r in self.replicas])
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._log = get_logger("notify")
        self._oldest: float | None = None
        self._depth = 0
        metrics.outbox_oldest_age.set_function(self._oldest_age)

    def identity(self, labels: Mapping[str, str]) -> str:
        """The fingerprint an alert with these (rule) labels is sent under."""
        return fingerprint({**self._external_labels, **labels})

    @property
    def external_labels(self) -> dict[str, str]:
        """The labels added to every alert this chain sends."""
        return dict(self._external_labels)

    @property
    def outbox_stats(self) -> tuple[int, float | None]:
        """Rows waiting in the outbox and when the oldest was written (as last counted)."""
        return self._depth, self._oldest

    @property
    def picture(self) -> Picture:
        """Every alert firing now (set by the daemon to the rule engine's view)."""
        return self.fallback.picture

    @picture.setter
    def picture(self, source: Picture) -> None:
        self.fallback.picture = source

    def fallback_status(self, labels: Mapping[str, str]) -> dict[str, Any]:
        """How the fallback path treats an alert with ``labels`` right now."""
        return self.fallback.status(labels)

    # -- AlertSink --------------------------------------------------------------------------

    async def send(self, group: str, notifications: Sequence[Notification]) -> None:
        """Record the round durably, then hand it to the channels."""
        if not notifications:
            return
        now = self._clock.now()
        alerts = [self._labelled(n, group) for n in notifications]
        try:
            rows, overflow = await self._db.call(self._outbox.add, group, alerts, now)
        except sqlite3.Error as exc:
            self._log.error(
                "cannot write the outbox; the rule engine re-sends these alerts",
                error=str(exc),
                alerts=alert_summaries(alerts),
            )
            raise
        self._journal.record(
            "queued",
            {"group": group, "round": rows[0].round, "alerts": alert_summaries(alerts)},
            now,
        )
        self._expired(overflow, "max_items")
        for replica in self.replicas:
            replica.enqueue(rows)
        if not self.switch.active:
            follow = [
                a
                for a in alerts
                if a.status == "resolved" and self.emergency.is_open(a.fingerprint)
            ]
            await self._add_emergency(group, follow, now, "followup", FOLLOWUP_NOTE)
        for alertname, note in self._direct.items():
            direct = [a for a in alerts if a.alertname == alertname]
            await self._add_emergency(group, direct, now, "alert", note)
        self._wake_emergency.set()
        await self._refresh_stats()

    async def _add_emergency(
        self, group: str, alerts: list[Notification], now: float, kind: Kind, note: str
    ) -> None:
        if alerts and self.emergency.configured:
            _, expired = await self._db.call(
                self._outbox.add, group, alerts, now, route="emergency", kind=kind, note=note
            )
            self._expired(expired, "max_items")

    # -- inputs -----------------------------------------------------------------------------

    def alertmanager_probed(self, target: AlertmanagerTarget, outcome: ProbeOutcome) -> None:
        """An ``alertmanager`` target was probed: its ``up`` feeds the matching replica's health."""
        for replica in self.replicas:
            if same_endpoint(target.url, replica.config.url):
                replica.health.probed(self._clock.now(), outcome.up, outcome.error)
                self._wake_watch.set()

    async def _replica_result(
        self, replica: AlertmanagerReplica, batch: list[OutboxRow], attempt: Attempt
    ) -> None:
        alerts = [r.notification for r in batch]
        self._journal.record(
            "delivery", delivery_entry(replica.name, "alertmanager", attempt, alerts)
        )
        if attempt.ok:
            self.ledger.record(
                ((a.fingerprint, a.status) for a in alerts),
                replica.name,
                "alertmanager",
                self._clock.now(),
            )
            ids = [r.id for r in batch if r.route == "primary"]
            await self._db.call(self._outbox.complete, ids)
            self._rejected.forget(ids)
        elif attempt.permanent:
            await self._note_rejection(replica, batch, attempt)
        await self._assess()
        await self._refresh_stats()

    async def _note_rejection(
        self, replica: AlertmanagerReplica, batch: list[OutboxRow], attempt: Attempt
    ) -> None:
        refused = self._rejected.note(replica.name, [r.id for r in batch])
        if refused:
            note = f"every Alertmanager rejected it (last: {replica.name}: {attempt.error})"
            await self._db.call(self._outbox.reroute, refused, note)
            self._wake_emergency.set()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Load state, requeue what the outbox still holds, start sending through ``session``."""
        self.emergency.session = session
        for replica in self.replicas:
            replica.session = session
        await self.emergency.load()
        waiting = await self._db.call(self._outbox.pending, "primary")
        for replica in self.replicas:
            replica.enqueue(r for r in waiting if r.kind == "alert")
        if waiting:
            self._log.info("resuming delivery from the outbox", notifications=len(waiting))
        await self._assess()
        await self._refresh_stats()
        self._spawn(run_forever(self._emergency_round, name="emergency"), "emergency")
        self._spawn(run_forever(self._watch, name="fallback-watch"), "fallback-watch")
        if self.mirror is not None:
            self._spawn(self.mirror.run(session), "silence-mirror")
        for replica in self.replicas:
            self._spawn(replica.run(), f"alertmanager:{replica.name}")

    async def stop(self, grace: float) -> None:
        """Let sends under way finish for up to ``grace`` seconds; the rest stays in the outbox."""
        waits = [
            r.wait_idle()
            for r in self.replicas
            if r.health.failure(self._clock.now(), self.config.fallback) is None
        ]
        try:
            async with asyncio.timeout(grace):
                await asyncio.gather(*waits, self.emergency.wait_idle())
        except TimeoutError:
            self._log.warning("stopping with deliveries unfinished; they stay in the outbox")
        for task in self._tasks:
            task.cancel()
        self.emergency.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.emergency.wait_idle()
        await self._refresh_stats()

    # -- loops ------------------------------------------------------------------------------

    async def _emergency_round(self) -> None:
        """Offer what waits to the emergency receivers (one loop step)."""
        self._wake_emergency.clear()
        active = self.switch.active
        rows = await self._db.call(self._outbox.emergency_rows, active, SCAN_LIMIT)
        picture = (
            self.fallback.picture_rows(lambda n: self._labelled(n, n.group))
            if self.fallback.picture_due and active
            else []
        )
        if not (rows or picture) or not self.emergency.configured:
            self.fallback.picture_due = self.fallback.picture_due and active
            await _wait(self._wake_emergency, None)
            return
        reason = self.switch.state.reason()
        pending = [Pending(r, reason) for r in picture]
        pending += [Pending(r, reason if r.route == "primary" else r.note) for r in rows]
        result = await self.emergency.deliver(pending)
        done = set(result.done)
        if all(r.id in done for r in picture):
            self.fallback.picture_due = False
        if active and self.triage.releases_inhibition(rows):
            self.fallback.picture_due = True
        await self._db.call(self._outbox.complete, [i for i in done if i > 0])
        if self.switch.episode is not None:
            self.switch.episode.delivered += result.accepted
        await self._refresh_stats()
        if result.waiting:
            await _wait(self._wake_emergency, result.retry_in)

    async def _watch(self) -> None:
        """Re-assess the path on news or every ``TICK``; notice silences that changed (one
        loop step)."""
        await _wait(self._wake_watch, TICK)
        self._wake_watch.clear()
        await self._assess()
        if self.triage.silences_changed(self._clock.now()) and self.switch.active:
            self.fallback.picture_due = True
            self._wake_emergency.set()

    async def housekeeping(self) -> None:
        """Expire rows past ``max_age`` and refresh the outbox gauges (call periodically)."""
        expired = await self._db.call(self._outbox.expire, self._clock.now())
        self._expired(expired, "max_age")
        await self._refresh_stats()

    # -- fallback ---------------------------------------------------------------------------

    async def _assess(self) -> None:
        async with self._lock:
            now, was_active = self._clock.now(), self.switch.active
            ended = self.switch.update(now)
            if self.switch.active and not was_active:
                self.fallback.picture_due = True  # the current picture goes out at once
                self._wake_emergency.set()
            if ended is None:
                return
            if ended.delivered:
                notice = restored_notice(
                    self.switch.available(now),
                    ended.since,
                    now,
                    ended.delivered,
                    ended.reason,
                    self._external_labels,
                )
                await self._add_emergency(
                    "monitor-watchdog", [notice], now, "notice", "Alertmanager accepts alerts again"
                )
            waiting = await self._db.call(self._outbox.pending, "primary")
            for replica in self.replicas:
                replica.enqueue(r for r in waiting if r.kind == "alert" and r.id not in replica)
            self._wake_emergency.set()

    # -- helpers ----------------------------------------------------------------------------

    def _labelled(self, alert: Notification, group: str) -> Notification:
        """External labels added; a firing alert also says what the probes know about the
        target its labels name (without overriding the rule's own annotations)."""
        labels = {**self._external_labels, **alert.labels}
        annotations = dict(alert.annotations)
        if alert.status == "firing":
            try:
                context = self.target_context(alert.labels)
            except Exception:  # the context is a courtesy: never worth a lost alert
                self._log.exception("cannot describe the alert's target")
                context = {}
            for key, value in context.items():
                annotations.setdefault(key, value)
        return replace(alert, labels=labels, annotations=annotations, group=alert.group or group)

    def _expired(self, rows: list[OutboxRow], reason: str) -> None:
        if not rows:
            return
        self._metrics.outbox_expired.labels(reason).inc(len(rows))
        alerts = [r.notification for r in rows]
        self._log.error(
            "notifications expired from the outbox undelivered",
            reason=reason,
            count=len(rows),
            alerts=alert_summaries(alerts),
        )
        self._journal.record(
            "expired", {"reason": reason, "count": len(rows), "alerts": alert_summaries(alerts)}
        )

    async def _refresh_stats(self) -> None:
        self._depth, self._oldest = await self._db.call(self._outbox.stats)
        self._metrics.outbox_depth.set(self._depth)

    def _oldest_age(self) -> float:
        return 0.0 if self._oldest is None else max(0.0, self._clock.now() - self._oldest)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))


async def _wait(event: asyncio.Event, limit: float | None) -> None:
    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that arrives
    # as the event is set, and stop() would wait for the loop forever.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit):
            await event.wait()
