"""The hash-chained journal: append, verify, and every kind of tampering named precisely."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest

from watchdog.journal import GENESIS, Journal, entry_hash

T = 1_700_000_000.0


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A journal with ten entries, closed again."""
    file = tmp_path / "journal.db"
    journal = Journal(file)
    for i in range(10):
        journal.append("delivery", {"channel": "pager", "outcome": "success", "n": i}, T + i)
    journal.close()
    return file


def _sql(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


def test_intact_journal_verifies(path: Path) -> None:
    """Ten appended entries verify, and the head is the last entry's hash."""
    journal = Journal(path)
    result = journal.verify()
    assert (result.ok, result.checked, result.head) == (True, 10, journal.head)
    assert journal.count == 10


def test_entries_link_to_their_predecessor(path: Path) -> None:
    """Each entry's prev is the hash before it; the first links to the genesis hash."""
    entries = list(Journal(path).entries())
    assert entries[0].prev == GENESIS
    for before, after in pairwise(entries):
        assert after.prev == before.hash
        assert after.hash == entry_hash(after.seq, after.ts, after.kind, after.data, after.prev)


def test_appending_after_reopen_continues_the_chain(path: Path) -> None:
    """A restarted daemon appends to the same chain."""
    journal = Journal(path)
    journal.append("start", {}, T + 100)
    assert journal.verify().checked == 11


def test_edited_entry_is_named(path: Path) -> None:
    """Changing the data of entry #4 is reported at #4."""
    _sql(
        path,
        """UPDATE journal SET data = '{"channel":"pager","n":3,"outcome":"error"}'
                  WHERE seq = 4""",
    )
    result = Journal(path).verify()
    assert (result.first_bad, result.checked) == (4, 3)
    assert result.problem == "entry #4 was altered or moved: its content does not match its hash"


def test_edited_timestamp_is_named(path: Path) -> None:
    """Back-dating entry #7 is reported at #7."""
    _sql(path, "UPDATE journal SET ts = ts - 3600 WHERE seq = 7")
    assert Journal(path).verify().first_bad == 7


def test_edited_and_rehashed_entry_is_named(path: Path) -> None:
    """Re-computing #5's own hash after an edit is caught by #6's link, and #5 is named."""
    db = sqlite3.connect(path)
    seq, ts, kind, _data, prev = db.execute(
        "SELECT seq, ts, kind, data, prev FROM journal WHERE seq = 5"
    ).fetchone()
    forged = '{"channel":"pager","n":4,"outcome":"error"}'
    with db:
        db.execute(
            "UPDATE journal SET data = ?, hash = ? WHERE seq = 5",
            (forged, entry_hash(seq, ts, kind, forged, prev)),
        )
    db.close()
    result = Journal(path).verify()
    assert result.first_bad == 5
    assert result.problem == (
        "entry #5 was altered and re-hashed: entry #6 recorded a different hash for it"
    )


def test_deleted_entry_is_named(path: Path) -> None:
    """Removing entry #6 is reported as #6 missing."""
    _sql(path, "DELETE FROM journal WHERE seq = 6")
    result = Journal(path).verify()
    assert result.first_bad == 6
    assert result.problem == "entry #6 is missing (next stored is #7)"


def test_deleted_first_entry_is_named(path: Path) -> None:
    """Removing entry #1 is reported as #1 missing."""
    _sql(path, "DELETE FROM journal WHERE seq = 1")
    assert Journal(path).verify().first_bad == 1


def test_reordered_entries_are_named(path: Path) -> None:
    """Swapping entries #3 and #8 (content and hashes) is reported at #3."""
    _sql(
        path,
        "UPDATE journal SET seq = -3 WHERE seq = 3",
        "UPDATE journal SET seq = 3 WHERE seq = 8",
        "UPDATE journal SET seq = 8 WHERE seq = -3",
    )
    result = Journal(path).verify()
    assert result.first_bad == 3
    assert "entry #3 was altered" in (result.problem or "")


def test_swapped_contents_keeping_positions_are_named(path: Path) -> None:
    """Swapping only the data of #2 and #9 is reported at #2."""
    _sql(
        path,
        "UPDATE journal SET data = (SELECT data FROM journal WHERE seq = 9) || ' ' WHERE seq = 2",
        "UPDATE journal SET data = (SELECT rtrim(data) FROM journal WHERE seq = 2) WHERE seq = 9",
    )
    assert Journal(path).verify().first_bad == 2


def test_empty_journal_verifies(tmp_path: Path) -> None:
    """A journal with no entries is intact."""
    result = Journal(tmp_path / "j.db").verify()
    assert (result.ok, result.checked, result.head) == (True, 0, GENESIS)


def test_two_writers_extend_one_chain(path: Path) -> None:
    """The daemon and a drill appending in turn: every entry links to the one really before it."""
    daemon, drill = Journal(path), Journal(path)
    daemon.append("delivery", {"n": "daemon"}, T + 20)
    drill.append("drill", {"n": "drill-1"}, T + 21)
    drill.append("drill", {"n": "drill-2"}, T + 22)
    daemon.append("delivery", {"n": "daemon-again"}, T + 23)
    result = daemon.verify()
    assert (result.ok, result.checked) == (True, 14)
    assert daemon.count == 14 and daemon.head == result.head
    daemon.close()
    drill.close()


def test_append_waits_for_the_lock_then_says_database_is_locked(path: Path) -> None:
    """A writer that keeps the lock past the busy timeout: a clear error, the chain unharmed."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    journal = Journal(path, busy_timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        journal.append("drill", {"n": 1}, T + 30)
    holder.execute("ROLLBACK")
    holder.close()
    journal.append("drill", {"n": 2}, T + 31)
    assert journal.verify().checked == 11


def test_readonly_journal_leaves_no_files(path: Path) -> None:
    """``journal show``/``verify`` on a stopped daemon's journal create no -wal/-shm files."""
    before = sorted(p.name for p in path.parent.iterdir())
    journal = Journal(path, readonly=True)
    assert journal.verify().ok
    journal.close()
    assert sorted(p.name for p in path.parent.iterdir()) == before
