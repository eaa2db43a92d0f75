"""Shared fixtures for delivery tests: notifications, a recording sink, an in-process chain."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

from tests.support.httpsink import HttpSink, alertmanager_routing_to
from watchdog.alerts import Notification
from watchdog.clock import Clock, SystemClock
from watchdog.config.alerting import AlertingConfig
from watchdog.journal import Journal, JournalWriter
from watchdog.metrics import MetricsRegistry
from watchdog.notify.delivery import DeliveryChain
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.outbox import Outbox
from watchdog.notify.silences import SilenceStore
from watchdog.sqlitedb import DbWorker

T = TypeVar("T")


def alert(
    name: str = "TargetDown",
    status: str = "firing",
    *,
    start: float | None = None,
    end: float | None = None,
    severity: str = "critical",
    summary: str = "a watched component is down",
    **labels: str,
) -> Notification:
    """A notification as the rule engine would hand it over (starting now unless told)."""
    now = time.time()
    start = now if start is None else start
    ends = end if end is not None else (start + 240.0 if status == "firing" else max(start, now))
    return Notification(
        labels={"alertname": name, "severity": severity, **labels},
        annotations={"summary": summary},
        starts_at=start,
        ends_at=ends,
        status=status,  # type: ignore[arg-type]
        generator_url=f"http://watchdog.example:9911/graph?alert={name}",
        group="test-group",
    )


alertmanager_config = alertmanager_routing_to


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """A recording HTTP receiver, stopped after the test."""
    server = HttpSink().start()
    yield server
    server.stop()


class Stack:
    """An in-process delivery chain on a real outbox and journal."""

    def __init__(
        self,
        chain: DeliveryChain,
        outbox: Outbox,
        writer: JournalWriter,
        metrics: MetricsRegistry,
        db: DbWorker,
    ) -> None:
        self.chain = chain
        self.outbox = outbox
        self.writer = writer
        self.metrics = metrics
        self.db = db

    def metric(self, name: str, **labels: str) -> float:
        """Current value of one of the daemon's own metrics (0 when absent)."""
        value = self.metrics.get_sample_value(name, labels or None)
        return value if value is not None else 0.0

    async def journal(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Journal entries written so far (of one kind), as decoded data."""
        await self.writer.flush()
        entries = await self.db.call(lambda: list(self.writer.journal.entries(kind=kind)))
        return [e.fields() for e in entries]

    async def depth(self) -> int:
        """Rows waiting in the outbox."""
        count, _ = await self.db.call(self.outbox.stats)
        return count


@asynccontextmanager
async def delivery_stack(
    state_dir: Path,
    alerting: dict[str, Any],
    *,
    clock: Clock | None = None,
    external_labels: dict[str, str] | None = None,
    direct: dict[str, str] | None = None,
) -> AsyncIterator[Stack]:
    """Build, start and finally stop a chain from an ``alerting`` config mapping."""
    config = AlertingConfig.model_validate(alerting)
    registry = MetricsRegistry()
    metrics = DeliveryMetrics(registry)
    clock = clock or SystemClock()
    db = DbWorker("test-db")
    outbox = Outbox(
        state_dir / "outbox.db", max_items=config.outbox.max_items, max_age=config.outbox.max_age
    )
    journal = Journal(state_dir / "journal.db")
    writer = JournalWriter(journal, db, metrics.journal, clock)
    async with aiohttp.ClientSession() as session:
        chain = DeliveryChain(
            config,
            outbox=outbox,
            db=db,
            metrics=metrics,
            clock=clock,
            journal=writer,
            external_labels=external_labels,
            direct=direct,
            silences=SilenceStore(state_dir),
        )
        await chain.start(session)
        try:
            yield Stack(chain, outbox, writer, registry, db)
        finally:
            await chain.stop(2.0)
            await writer.flush()
            await db.call(outbox.close)
            await db.call(journal.close)
            db.close()


def until(predicate: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """Wrap a plain predicate for ``async_wait_for``."""

    async def check() -> T:
        return predicate()

    return check


FAST_BACKOFF = {"initial": "50ms", "max": "200ms", "jitter": 0.0}
"""Retry timing that keeps tests quick (the logic is timed exactly in test_backoff)."""
