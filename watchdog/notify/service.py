"""Everything after the rule engine, built from the ``alerting`` config and run as one unit.

The daemon creates one ``DeliveryService`` early (opening the outbox and journal, so a bad
``state_dir`` is refused before anything starts), gives ``sink`` to the rule manager (with
``transition_hook`` for the journal and ``builtin_rule_groups``), registers ``routes`` on its
server, feeds it the ``alertmanager`` probes (``alertmanager_probed``), then calls
``start(session)`` and ``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from watchdog.alerts import AlertSink
from watchdog.api.common import api_success, rfc3339
from watchdog.clock import Clock
from watchdog.config.model import LoadedConfig
from watchdog.health import LoopHealth
from watchdog.journal import JOURNAL_FILE, AlertTransitionHook, Journal, JournalWriter
from watchdog.journal.guard import JOURNAL_ALERT, JournalGuard, journal_rule_group
from watchdog.logs import get_logger
from watchdog.notify.delivery import DeliveryChain
from watchdog.notify.heartbeat import (
    HEARTBEAT_ALERT,
    HeartbeatIn,
    HeartbeatOut,
    heartbeat_rule_group,
)
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.outbox import Outbox
from watchdog.notify.ping import PingAnchor
from watchdog.notify.silences import SilenceStore
from watchdog.probes.kinds.alertmanager import AlertmanagerTarget
from watchdog.probes.runner import ProbeOutcome
from watchdog.sqlitedb import DbWorker
from watchdog.store import SampleStore

__all__ = ["JOURNAL_HEAD_PATH", "OUTBOX_FILE", "DeliveryService"]

OUTBOX_FILE = "outbox.db"
JOURNAL_HEAD_PATH = "/api/v1/journal/head"
HOUSEKEEPING_INTERVAL = 5.0
ANCHOR_INTERVAL = 3600.0
_DIRECT_NOTE = (
    "it says the Prometheus → Alertmanager path is broken, so it also goes straight to the"
    " emergency receivers"
)
_JOURNAL_NOTE = (
    "it says this host's audit trail was tampered with, which may not stop at the journal,"
    " so it also goes straight to the emergency receivers"
)


class DeliveryService:
    """Outbox, journal, delivery chain and heartbeats for one daemon."""

    def __init__(
        self,
        config: LoadedConfig,
        *,
        state_dir: Path,
        metrics: DeliveryMetrics,
        clock: Clock,
        health: LoopHealth,
        store: SampleStore,
        external_url: str = "",
    ) -> None:
        alerting = config.model.alerting
        self._clock, self._health, self._metrics = clock, health, metrics
        self._alerting = alerting
        self._interval = config.global_.evaluation_interval
        self.db = DbWorker("delivery-db")
        self.outbox = Outbox(
            state_dir / OUTBOX_FILE,
            max_items=alerting.outbox.max_items,
            max_age=alerting.outbox.max_age,
        )
        journal = Journal(state_dir / JOURNAL_FILE, keys=config.model.journal.keys())
        self.journal = JournalWriter(journal, self.db, metrics.journal, clock)
        self.journal_guard = JournalGuard(
            self.journal,
            self.db,
            metrics=metrics.journal,
            store=store,
            clock=clock,
            interval=config.model.journal.verify_interval,
        )
        self.heartbeat_in = (
            HeartbeatIn(
                alerting.heartbeat_in,
                store=store,
                metrics=metrics.heartbeat,
                clock=clock,
                journal=self.journal,
            )
            if alerting.heartbeat_in is not None
            else None
        )
        self.silences = SilenceStore(state_dir)
        self.chain = DeliveryChain(
            alerting,
            outbox=self.outbox,
            db=self.db,
            metrics=metrics,
            clock=clock,
            journal=self.journal,
            external_labels=config.external_labels,
            external_url=external_url,
            direct={
                JOURNAL_ALERT: _JOURNAL_NOTE,
                **({HEARTBEAT_ALERT: _DIRECT_NOTE} if self.heartbeat_in is not None else {}),
            },
            silences=self.silences,
        )
        self.heartbeat_out: HeartbeatOut | None = None  # needs the session: built in start
        self._prune_after = max(alerting.outbox.max_age, alerting.repeat_interval)
        self._tasks: list[asyncio.Task[None]] = []
        self._log = get_logger("notify")

    @property
    def sink(self) -> AlertSink:
        """What the rule manager sends due notifications to."""
        return self.chain

    @property
    def transition_hook(self) -> AlertTransitionHook:
        """What the rule manager calls on every alert state change."""
        return self.journal.alert_transition

    def alertmanager_probed(self, target: AlertmanagerTarget, outcome: ProbeOutcome) -> None:
        """An ``alertmanager`` target was probed (its ``up`` is a replica's health)."""
        self.chain.alertmanager_probed(target, outcome)

    def builtin_rule_groups(self) -> list[dict[str, Any]]:
        """Rule groups the daemon adds on its own (Prometheus rule-file shape)."""
        groups = [journal_rule_group(self._interval)]
        if self.heartbeat_in is not None:
            groups.append(heartbeat_rule_group(self.heartbeat_in.config, self._interval))
        return groups

    def routes(self) -> list[web.RouteDef]:
        """HTTP routes for the daemon's server."""
        routes = [web.get(JOURNAL_HEAD_PATH, self._journal_head)]
        if self.heartbeat_in is not None:
            routes += self.heartbeat_in.routes()
        return routes

    def ping_anchor(self) -> PingAnchor | None:
        """What heartbeats carry: the last verified anchor (None until the first check)."""
        state = self.journal_guard.state
        return PingAnchor(state.anchor, state.outcome) if state.verified_at is not None else None

    async def _journal_head(self, _request: web.Request) -> web.Response:
        """The journal's verified anchor and state (for HA peers and operators)."""
        state = self.journal_guard.state
        count, head = self.journal.head()
        key = self.journal.journal.keys.current
        return api_success(
            {
                "anchor": str(state.anchor),
                "verifiedEntries": state.anchor.count,
                "verifiedHead": state.anchor.head,
                "outcome": state.outcome,
                "problem": state.problem,
                "verifiedAt": rfc3339(state.verified_at),
                "entries": count,
                "head": head,
                "key": key.id if key is not None else None,
            }
        )

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Resume from the outbox and start every loop, sending through ``session``."""
        self.journal.record("start", {"outbox": str(self.outbox.path)})
        self._spawn(self.journal_guard.run(min(15.0, self._interval)), "journal-guard")
        await self.chain.start(session)
        self._spawn(self._housekeeping(), "delivery-housekeeping")
        if self._alerting.heartbeat is not None:
            self.heartbeat_out = HeartbeatOut(
                self._alerting.heartbeat,
                session=session,
                health=self._health,
                metrics=self._metrics.heartbeat,
                clock=self._clock,
                journal=self.journal,
                anchor=self.ping_anchor,
            )
            self._spawn(self.heartbeat_out.run(), "heartbeat-out")
        if self.heartbeat_in is not None:
            refresh = min(15.0, self._interval, self.heartbeat_in.config.window / 4)
            self._spawn(self.heartbeat_in.run(refresh), "heartbeat-in")

    async def stop(self, grace: float) -> None:
        """Drain deliveries under way for at most ``grace``; leave the rest in the outbox."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.chain.stop(grace)
        self.journal.record("stop", {})
        await self.journal.flush()
        await self.journal_guard.finish()
        await self.db.call(self.outbox.close)
        await self.db.call(self.journal.journal.close)
        self.db.close()

    async def _housekeeping(self) -> None:
        next_anchor = 0.0
        while True:
            try:
                await self.chain.housekeeping()
                now = self._clock.now()
                if now >= next_anchor:
                    next_anchor = now + ANCHOR_INTERVAL
                    await self.db.call(self.outbox.prune_logs, now - self._prune_after)
                    count, head = self.journal.head()
                    state = self.journal_guard.state
                    self._log.info(
                        "journal anchor",
                        entries=count,
                        head=head,
                        verified=str(state.anchor),
                        outcome=state.outcome,
                    )
            except Exception:  # housekeeping must never stop delivery
                self._log.exception("delivery housekeeping failed")
            await asyncio.sleep(HOUSEKEEPING_INTERVAL)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))
