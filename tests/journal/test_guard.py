"""The daemon's journal guard: verified at start and as it grows; a broken journal becomes
the series the built-in rule pages on."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from watchdog.clock import FakeClock
from watchdog.journal import (
    ANCHOR_FILE,
    NO_KEYS,
    Anchor,
    Journal,
    JournalKeys,
    JournalWriter,
    LocalAnchor,
)
from watchdog.journal.guard import JOURNAL_SERIES, JournalGuard
from watchdog.journal.metrics import JournalMetrics
from watchdog.metrics import MetricsRegistry
from watchdog.sqlitedb import DbWorker
from watchdog.store import Matcher, SampleStore

T = 1_700_000_000.0
KEY = "k" * 32


class Harness:
    """A journal writer, its guard, and what the guard reports into."""

    def __init__(self, state: Path, keys: JournalKeys = NO_KEYS) -> None:
        self.state = state
        self.db = DbWorker("guard-test")
        self.registry = MetricsRegistry()
        self.metrics = JournalMetrics(self.registry)
        self.store, self.clock = SampleStore(), FakeClock(T)
        self.writer = JournalWriter(
            Journal(state / "journal.db", keys=keys), self.db, self.metrics, self.clock
        )
        self.guard = JournalGuard(
            self.writer,
            self.db,
            metrics=self.metrics,
            store=self.store,
            clock=self.clock,
            interval=60.0,
        )

    async def append(self, n: int) -> None:
        """Append ``n`` entries and wait until they are written."""
        for i in range(n):
            self.writer.record("delivery", {"n": i})
        await self.writer.flush()

    def series(self) -> list[tuple[dict[str, str], float]]:
        """The guard's series in the store: (labels, value)."""
        points = self.store.instant([Matcher("__name__", "=", JOURNAL_SERIES)], self.clock.now())
        return [(dict(point.labels.items()), point.value) for point in points]

    def sql(self, statement: str) -> None:
        """Tamper with the journal from outside, as an attacker with file access would."""
        db = sqlite3.connect(self.state / "journal.db")
        with db:
            db.execute(statement)
        db.close()

    async def close(self) -> None:
        """Finish the guard and close everything."""
        await self.guard.finish()
        await self.db.call(self.writer.journal.close)
        self.db.close()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """A fresh, unkeyed journal with its guard."""
    h = Harness(tmp_path)
    yield h
    await h.close()


async def test_intact_journal_is_verified_anchored_and_reported(harness: Harness) -> None:
    """Start: the chain verifies, the anchor is made durable on disk, the series is 1."""
    await harness.append(4)
    state = await harness.guard.check()
    assert (state.outcome, state.anchor.count) == ("intact", 4)
    assert LocalAnchor(harness.state / ANCHOR_FILE, NO_KEYS).read() == (state.anchor, None)
    assert harness.series() == [({"__name__": JOURNAL_SERIES}, 1.0)]
    assert harness.registry.get_sample_value("watchdog_journal_intact") == 1


async def test_journal_edited_before_start_pages(harness: Harness) -> None:
    """An edited entry found at start: series 0 with outcome and problem, metric 0, a log
    line and a journal entry saying so."""
    await harness.append(4)
    harness.sql("UPDATE journal SET data = '{}' WHERE seq = 2")
    state = await harness.guard.check()
    assert state.outcome == "tampered"
    [(labels, value)] = harness.series()
    assert value == 0
    assert labels["outcome"] == "tampered"
    assert labels["problem"].startswith("entry #2 was altered")
    assert harness.registry.get_sample_value("watchdog_journal_intact") == 0
    await harness.writer.flush()
    [verify] = list(harness.writer.journal.entries(kind="verify"))
    assert verify.fields()["first_bad"] == 2


async def test_truncation_between_two_runs_is_caught_by_the_local_anchor(tmp_path: Path) -> None:
    """A first run anchors at its end; entries cut before the next start are named."""
    first = Harness(tmp_path)
    await first.append(6)
    await first.guard.check()
    await first.close()
    Harness(tmp_path).sql("DELETE FROM journal WHERE seq > 3")
    second = Harness(tmp_path)
    state = await second.guard.check()
    await second.close()
    assert state.outcome == "tampered"
    assert "entries #4 to #6 were removed" in (state.problem or "")


async def test_tampering_while_running_is_caught_by_the_next_check(harness: Harness) -> None:
    """After a good start, a rewritten anchor entry or a cut tail fails the next check, and
    the broken state sticks."""
    await harness.append(5)
    assert (await harness.guard.check()).intact
    await harness.append(2)
    harness.sql("DELETE FROM journal WHERE seq >= 5")
    state = await harness.guard.check()
    assert (state.outcome, state.anchor) == ("tampered", Anchor(5, state.anchor.head))
    await harness.append(1)
    assert (await harness.guard.check()).outcome == "tampered"


async def test_forged_append_while_running_is_caught(tmp_path: Path) -> None:
    """With a key, an entry appended by another writer without it fails the next check."""
    h = Harness(tmp_path, JournalKeys.of(KEY))
    await h.append(3)
    assert (await h.guard.check()).intact
    forger = Journal(tmp_path / "journal.db")
    forger.append("alert", {"alertname": "Nothing", "to": "inactive"}, T)
    forger.close()
    state = await h.guard.check()
    await h.close()
    assert state.outcome == "tampered"
    assert "carries no seal" in (state.problem or "")


async def test_sealed_journal_without_a_configured_key_is_unverifiable(tmp_path: Path) -> None:
    """Entries sealed with a key, the key removed from the config: said explicitly, paged."""
    keyed = Harness(tmp_path, JournalKeys.of(KEY))
    await keyed.append(2)
    await keyed.close()
    h = Harness(tmp_path)
    state = await h.guard.check()
    await h.close()
    assert state.outcome == "unverifiable"
    assert "sealed with journal key" in (state.problem or "")
    assert "but no key is configured" in (state.problem or "")
