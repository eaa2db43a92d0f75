"""Journalling a drill next to a running daemon: appended in the chain, or told why not."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from watchdog.drill.alert import new_drill
from watchdog.drill.journal import journal_drill
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.run import DrillRun
from watchdog.drill.stage import StageResult
from watchdog.journal import JOURNAL_FILE, Journal


def _run() -> DrillRun:
    ok = ChannelResult("webhook", "webhook", "http://h/<redacted>", outcome="accepted")
    ok.add(Step("send", True, 0.01, "HTTP 200 in 10ms"))
    bad = ChannelResult("heartbeat", "heartbeat", "http://h/<redacted>")
    bad.add(Step("ping", False, None, "connection failed: connection refused"))
    stage = StageResult("alerting", "Channels", "channels", [ok, bad])
    return DrillRun(new_drill(time.time()), [stage], time.time())


def test_one_entry_per_channel(tmp_path: Path) -> None:
    """Two channels, two ``drill`` entries with outcome and error; the chain verifies."""
    Journal(tmp_path / JOURNAL_FILE).close()
    run = _run()
    note = journal_drill(tmp_path, run, tmp_path / "drills" / "r.md")
    assert note == f"recorded 2 entries (#1 to #2) in {tmp_path / JOURNAL_FILE}"
    journal = Journal(tmp_path / JOURNAL_FILE, readonly=True)
    entries = [e.fields() for e in journal.entries(kind="drill")]
    assert journal.verify().ok
    journal.close()
    assert [(e["channel"], e["passed"], e["error"]) for e in entries] == [
        ("webhook", True, None),
        ("heartbeat", False, "ping: connection failed: connection refused"),
    ]
    assert entries[0]["drill"] == run.drill.id


def test_no_journal_means_nothing_is_created(tmp_path: Path) -> None:
    """A state_dir without a journal stays without one."""
    note = journal_drill(tmp_path, _run(), tmp_path / "r.md")
    assert note == f"no journal at {tmp_path / JOURNAL_FILE}: not recorded"
    assert list(tmp_path.iterdir()) == []


def test_a_journal_locked_too_long_is_reported_not_fatal(tmp_path: Path) -> None:
    """Another writer holding the lock past the busy timeout: the note says so; chain intact."""
    path = tmp_path / JOURNAL_FILE
    Journal(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        note = journal_drill(tmp_path, _run(), tmp_path / "r.md", busy_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert note == (
        f"partly recorded: 0 of 2 entries written to {path}, then: database is locked"
        " (another writer held it longer than 0.1s)"
    )
    assert Journal(path).verify().checked == 0
