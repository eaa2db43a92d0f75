"""The daemon watches its own journal: verified at start, re-checked as it grows, and a page
(``WatchdogJournalTampered``) when it is not intact.

At start the whole chain is verified, and checked against ``state_dir/journal.anchor`` (the
last anchor the daemon verified and made durable), which catches entries cut from the end and
an emptied table between two runs. Every ``verify_interval`` what was appended since is
verified, and the entry at the last anchor must still be there unchanged, which catches
tampering while the daemon runs. Each good check is made durable (WAL checkpoint) and becomes
the new anchor: the one heartbeats ship and ``/api/v1/journal/head`` serves.

Verification reads through a connection of its own in a worker thread, so a long journal
never holds up the outbox; only the checkpoint runs on the delivery database worker.

The result is the series ``watchdog_journal_intact`` in the sample store (0, with ``outcome``
and ``problem`` labels, when tampered or unverifiable) that the built-in rule alerts on, the
metric of the same name, one log line and one journal entry per change. A broken journal
stays broken for the process' lifetime: the evidence is not re-verified away.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from watchdog.clock import Clock
from watchdog.durations import format_duration
from watchdog.journal.anchor import ANCHOR_FILE, GENESIS_ANCHOR, Anchor, LocalAnchor
from watchdog.journal.chain import Journal
from watchdog.journal.metrics import JournalMetrics
from watchdog.journal.verify import VerifyResult, verify_chain
from watchdog.journal.writer import JournalWriter
from watchdog.logs import get_logger
from watchdog.samples import LabelSet
from watchdog.sqlitedb import DbWorker
from watchdog.store import SampleStore

__all__ = ["JOURNAL_ALERT", "JOURNAL_SERIES", "JournalGuard", "JournalState", "journal_rule_group"]

JOURNAL_SERIES = "watchdog_journal_intact"
JOURNAL_ALERT = "WatchdogJournalTampered"
_SOURCE = "journal_guard"


@dataclass(frozen=True)
class JournalState:
    """What the guard knows: the outcome, why, and the last verified durable anchor."""

    outcome: str = "unknown"  # unknown (not verified yet), intact, tampered, unverifiable
    problem: str | None = None
    anchor: Anchor = GENESIS_ANCHOR
    verified_at: float | None = None

    @property
    def intact(self) -> bool:
        """True while the journal verified intact."""
        return self.outcome == "intact"


class JournalGuard:
    """Verifies one daemon's journal and reports the result."""

    def __init__(
        self,
        writer: JournalWriter,
        worker: DbWorker,
        *,
        metrics: JournalMetrics,
        store: SampleStore,
        clock: Clock,
        interval: float,
    ) -> None:
        self._writer, self._worker = writer, worker
        self._metrics, self._store, self._clock = metrics, store, clock
        self.interval = interval
        journal = writer.journal
        self._local = LocalAnchor(journal.path.with_name(ANCHOR_FILE), journal.keys)
        self._reader: Journal | None = None
        self._reader_lock = threading.Lock()  # a cancelled check's thread may still be reading
        self.state = JournalState()
        self._log = get_logger("journal")

    async def run(self, refresh_every: float) -> None:
        """Verify at start, then re-check every ``interval``; keep the series fresh."""
        await self.check()
        next_check = time.monotonic() + self.interval
        while True:
            self.refresh()
            await asyncio.sleep(min(refresh_every, max(0.0, next_check - time.monotonic())))
            if time.monotonic() >= next_check:
                await self.check()
                next_check = time.monotonic() + self.interval

    async def check(self) -> JournalState:
        """One verification: the whole chain the first time, then what was appended since."""
        if self.state.outcome in ("tampered", "unverifiable"):
            return self.state
        first = self.state.outcome == "unknown"
        started = time.perf_counter()
        try:
            outcome, problem, result = await asyncio.to_thread(self._verify, first)
        except Exception as exc:  # an unreadable journal is a finding, never a crash
            outcome, problem = (
                "tampered",
                f"the journal cannot be read: {type(exc).__name__}: {exc}",
            )
            result = None
        if outcome == "intact" and result is not None:
            durable = await self._worker.call(self._make_durable, result.anchor)
            self._apply("intact", None, durable or self.state.anchor)
            if first:
                self._log.info(
                    "journal verified",
                    entries=result.checked,
                    head=result.head,
                    sealed_from=result.sealed_from,
                    seconds=round(time.perf_counter() - started, 3),
                )
        else:
            self._apply(outcome, problem, self.state.anchor, result)
        self.refresh()
        return self.state

    async def finish(self) -> None:
        """Last check before the database closes, so the next start anchors on the newest."""
        if self.state.intact:
            await self.check()
        await asyncio.to_thread(self._close_reader)

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def refresh(self) -> None:
        """Write the current state into the sample store (keeps the series fresh)."""
        if self.state.outcome == "unknown":
            return
        labels = (
            LabelSet.of(JOURNAL_SERIES)
            if self.state.intact
            else LabelSet.of(
                JOURNAL_SERIES, outcome=self.state.outcome, problem=self.state.problem or ""
            )
        )
        value = 1.0 if self.state.intact else 0.0
        self._store.ingest(_SOURCE, self._clock.now(), {labels: value})

    def _verify(self, first: bool) -> tuple[str, str | None, VerifyResult | None]:
        """(outcome, problem, result); runs in a worker thread on the guard's own connection."""
        with self._reader_lock:
            return self._verify_locked(first)

    def _verify_locked(self, first: bool) -> tuple[str, str | None, VerifyResult | None]:
        if self._reader is None:
            journal = self._writer.journal
            self._reader = Journal(journal.path, readonly=True, keys=journal.keys)
        if not first:
            result = verify_chain(self._reader, start=self.state.anchor)
            return result.outcome, result.problem, result
        local, problem = self._local.read()
        if problem is not None:
            return "tampered", problem, None
        result = verify_chain(self._reader, against=(local,) if local is not None else ())
        return result.outcome, result.problem, result

    def _make_durable(self, anchor: Anchor) -> Anchor | None:
        """Runs on the delivery database worker: checkpoint, then record the anchor."""
        try:
            if not self._writer.journal.checkpoint():
                return None
            self._local.write(anchor)
        except Exception as exc:  # a full disk must not stop the guard; the old anchor stays
            self._log.warning("journal anchor not written", error=f"{type(exc).__name__}: {exc}")
            return None
        return anchor

    def _apply(
        self, outcome: str, problem: str | None, anchor: Anchor, result: VerifyResult | None = None
    ) -> None:
        previous = self.state.outcome
        now = self._clock.now()
        self.state = JournalState(outcome, problem, anchor, now)
        self._metrics.journal_verifications.labels(outcome).inc()
        self._metrics.journal_last_verification.set(now)
        self._metrics.journal_intact.set(1 if outcome == "intact" else 0)
        self._metrics.journal_verified_entries.set(anchor.count)
        if outcome == previous or outcome == "intact":
            return
        detail: dict[str, Any] = {"outcome": outcome, "problem": problem}
        if result is not None:
            detail.update(first_bad=result.first_bad, intact_entries=result.checked)
        self._log.error(
            "journal tampered" if outcome == "tampered" else "journal cannot be verified",
            **detail,
        )
        with contextlib.suppress(Exception):
            self._writer.record("verify", detail, now)


def journal_rule_group(interval: float) -> dict[str, Any]:
    """The built-in rule group (Prometheus rule-file shape) that pages on a broken journal."""
    return {
        "name": "monitor-watchdog-journal",
        "interval": format_duration(interval),
        "rules": [
            {
                "alert": JOURNAL_ALERT,
                "expr": f"{JOURNAL_SERIES} == 0",
                "labels": {"severity": "critical"},
                "annotations": {
                    "summary": "The event journal failed verification ({{ $labels.outcome }})",
                    "description": (
                        "{{ $labels.problem }}. The audit trail of alerts and deliveries can no"
                        " longer be trusted: someone may have edited, truncated or replaced"
                        " journal.db. Keep the file as evidence, compare it with the anchors"
                        " the heartbeat shipped (monitor-watchdog journal verify --against"
                        " HEAD:COUNT), then archive journal.db and journal.anchor and restart."
                    ),
                },
            }
        ],
    }
