"""Journal appends from the event loop: handed to the database thread, never awaited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watchdog.clock import Clock
from watchdog.journal.chain import Journal
from watchdog.journal.metrics import JournalMetrics
from watchdog.logs import get_logger
from watchdog.sqlitedb import DbWorker

__all__ = ["JOURNAL_FILE", "JournalWriter"]

JOURNAL_FILE = "journal.db"
"""The journal's file name inside ``state_dir``."""


class JournalWriter:
    """Records entries in call order on the database worker; failures are counted and logged."""

    def __init__(
        self, journal: Journal, worker: DbWorker, metrics: JournalMetrics, clock: Clock
    ) -> None:
        self.journal = journal
        self._worker = worker
        self._metrics = metrics
        self._clock = clock
        self._log = get_logger("journal")
        metrics.journal_entries.set(journal.count)

    def record(self, kind: str, data: Mapping[str, Any], ts: float | None = None) -> None:
        """Queue one entry (returns at once)."""
        when = self._clock.now() if ts is None else ts
        try:
            self._worker.submit(self._append, kind, dict(data), when)
        except RuntimeError:  # the database thread has shut down: say so, never raise
            self._metrics.journal_write_errors.inc()
            self._log.error("journal closed; entry not written", kind=kind)

    def alert_transition(
        self,
        *,
        group: str,
        alertname: str,
        labels: Mapping[str, str],
        previous: str,
        current: str,
        at: float,
    ) -> None:
        """The rule manager's state-change hook (``AlertTransitionHook``)."""
        self.record(
            "alert",
            {
                "group": group,
                "alertname": alertname,
                "labels": dict(labels),
                "from": previous,
                "to": current,
            },
            at,
        )

    async def flush(self) -> None:
        """Wait until every queued entry is written."""
        await self._worker.call(lambda: None)

    def head(self) -> tuple[int, str]:
        """Entry count and hash of the newest entry (an anchor worth logging)."""
        tip = self.journal.tip
        return tip.count, tip.head

    def _append(self, kind: str, data: dict[str, Any], ts: float) -> None:
        try:
            self.journal.append(kind, data, ts)
        except Exception as exc:  # a full disk must not stop delivery, but must be loud
            self._metrics.journal_write_errors.inc()
            self._log.error("journal write failed", kind=kind, error=f"{type(exc).__name__}: {exc}")
            return
        self._metrics.journal_entries.set(self.journal.count)
