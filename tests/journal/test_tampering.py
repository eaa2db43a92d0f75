"""What a chain alone cannot see, anchors and keys can: truncation, an emptied table, a
re-hashed tail, forged appends; and key rotation or absence, named as such."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from watchdog.journal import (
    NO_KEYS,
    Anchor,
    Journal,
    JournalKey,
    JournalKeys,
    LocalAnchor,
    entry_hash,
    verify_chain,
)

T = 1_700_000_000.0
KEY = "k" * 32
OLD_KEY = "o" * 32
FORGER_KEY = "f" * 32


def _journal(path: Path, keys: JournalKeys = NO_KEYS, n: int = 10, start: int = 0) -> Anchor:
    journal = Journal(path, keys=keys)
    for i in range(start, start + n):
        journal.append("delivery", {"n": i, "outcome": "success"}, T + i)
    tip = journal.tip
    journal.close()
    return tip


def _sql(path: Path, statement: str, *args: object) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(statement, args)
    db.close()


def _forge(path: Path, from_seq: int, key: JournalKey | None, key_id: str | None = None) -> None:
    """Rewrite every entry from ``from_seq`` with new data and freshly computed hashes."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT seq, ts, kind, prev FROM journal WHERE seq >= ? ORDER BY seq", (from_seq,)
    ).fetchall()
    prev = rows[0][3]
    with db:
        for seq, ts, kind, _ in rows:
            data = f'{{"n":{seq},"outcome":"forged"}}'
            digest = entry_hash(seq, ts, kind, data, prev, key)
            db.execute(
                "UPDATE journal SET data = ?, prev = ?, hash = ?, key = ? WHERE seq = ?",
                (
                    data,
                    prev,
                    digest,
                    key_id if key_id is not None else (key.id if key else ""),
                    seq,
                ),
            )
            prev = digest
    db.close()


def test_truncated_tail_is_invisible_to_the_chain_but_not_to_an_anchor(tmp_path: Path) -> None:
    """Cutting the last three entries leaves a valid chain; the anchor names what is gone."""
    path = tmp_path / "j.db"
    anchor = _journal(path)
    _sql(path, "DELETE FROM journal WHERE seq > 7")
    assert Journal(path).verify().ok
    result = Journal(path).verify(against=(anchor,))
    assert (result.outcome, result.first_bad, result.checked) == ("tampered", 8, 7)
    assert result.problem == (
        f"the journal ends at entry #7, but anchor {anchor} recorded 10 entries:"
        " entries #8 to #10 were removed"
    )


def test_emptied_table_is_named(tmp_path: Path) -> None:
    """An emptied journal verifies on its own; against an anchor it was emptied."""
    path = tmp_path / "j.db"
    anchor = _journal(path)
    _sql(path, "DELETE FROM journal")
    assert Journal(path).verify().ok
    result = Journal(path).verify(against=(anchor,))
    assert result.problem == (
        f"the journal is empty, but anchor {anchor} recorded 10 entries: it was emptied or replaced"
    )


def test_rehashed_unkeyed_tail_needs_an_anchor(tmp_path: Path) -> None:
    """Without a key, a tail rewritten with fresh hashes verifies; the anchor catches it."""
    path = tmp_path / "j.db"
    anchor = _journal(path)
    _forge(path, 6, None)
    assert Journal(path).verify().ok
    result = Journal(path).verify(against=(anchor,))
    assert result.first_bad == 10
    assert "entry #10 does not have the hash anchor" in (result.problem or "")


def test_rehashed_tail_without_the_key_is_caught_by_the_seal(tmp_path: Path) -> None:
    """With a key, a forger re-hashing with plain SHA-256 or their own key is caught at the
    first forged entry, without any anchor."""
    path = tmp_path / "j.db"
    keys = JournalKeys.of(KEY)
    _journal(path, keys)
    _forge(path, 6, None)
    result = Journal(path, keys=keys).verify()
    assert (result.outcome, result.first_bad) == ("tampered", 6)
    assert "carries no seal although entry #1 before it was sealed" in (result.problem or "")
    _forge(path, 6, JournalKey.of(FORGER_KEY), key_id=keys.current.id if keys.current else "")
    result = Journal(path, keys=keys).verify()
    assert (result.outcome, result.first_bad) == ("tampered", 6)
    assert "seal does not match its content" in (result.problem or "")


def test_forged_appends_are_caught(tmp_path: Path) -> None:
    """Entries appended by a writer without the key: unsealed, or sealed with a key of its
    own, after entries sealed with the current key, are forgeries."""
    path = tmp_path / "j.db"
    keys = JournalKeys.of(KEY)
    _journal(path, keys)
    _journal(path, NO_KEYS, n=1, start=10)
    result = Journal(path, keys=keys).verify()
    assert (result.outcome, result.first_bad) == ("tampered", 11)
    _sql(path, "DELETE FROM journal WHERE seq = 11")
    _journal(path, JournalKeys.of(FORGER_KEY), n=1, start=10)
    result = Journal(path, keys=keys).verify()
    assert (result.outcome, result.first_bad) == ("tampered", 11)
    assert "sealed with an unknown key" in (result.problem or "")


def test_rotated_key_verifies_with_the_retired_one(tmp_path: Path) -> None:
    """Entries sealed with a retired key verify; without it they are unverifiable, not
    tampered."""
    path = tmp_path / "j.db"
    _journal(path, JournalKeys.of(OLD_KEY), n=5)
    _journal(path, JournalKeys.of(KEY, [OLD_KEY]), n=5, start=5)
    result = Journal(path, keys=JournalKeys.of(KEY, [OLD_KEY])).verify()
    assert (result.ok, result.checked, result.sealed_from) == (True, 10, 1)
    result = Journal(path, keys=JournalKeys.of(KEY)).verify()
    assert (result.outcome, result.first_bad) == ("unverifiable", 1)
    old_id = JournalKey.of(OLD_KEY).id
    assert f"sealed with journal key {old_id}, which is not configured" in (result.problem or "")


def test_keyed_journal_without_keys_is_unverifiable(tmp_path: Path) -> None:
    """Reading a sealed journal with no key says it cannot be verified."""
    path = tmp_path / "j.db"
    _journal(path, JournalKeys.of(KEY))
    assert Journal(path).verify().outcome == "unverifiable"


def test_journal_from_before_keys_gains_the_column_and_still_verifies(tmp_path: Path) -> None:
    """A journal written before the key column existed is read and extended unchanged."""
    path = tmp_path / "j.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL,"
        " data TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    prev = "0" * 64
    with db:
        for seq in (1, 2):
            digest = entry_hash(seq, T, "start", "{}", prev)
            db.execute(
                "INSERT INTO journal VALUES (?, ?, 'start', '{}', ?, ?)", (seq, T, prev, digest)
            )
            prev = digest
    db.close()
    assert Journal(path, readonly=True).verify().checked == 2
    _journal(path, JournalKeys.of(KEY), n=2, start=2)
    result = Journal(path, keys=JournalKeys.of(KEY)).verify()
    assert (result.ok, result.checked, result.sealed_from) == (True, 4, 3)


def test_verifying_from_an_anchor_checks_it_is_still_there(tmp_path: Path) -> None:
    """The periodic check: entries after an anchor verify; a rewritten anchor entry does not."""
    path = tmp_path / "j.db"
    anchor = _journal(path, n=5)
    _journal(path, n=3, start=5)
    assert verify_chain(Journal(path), start=anchor).checked == 8
    _forge(path, 4, None)
    result = verify_chain(Journal(path), start=anchor)
    assert (result.first_bad, result.outcome) == (5, "tampered")


@pytest.mark.parametrize("text", ["a" * 64 + ":12", "12:" + "a" * 64, " " + "A" * 64 + ":12\n"])
def test_anchor_parses_either_order(text: str) -> None:
    """HEAD:COUNT (as printed) and COUNT:HEAD both parse; hex case does not matter."""
    assert Anchor.parse(text) == Anchor(12, "a" * 64)


@pytest.mark.parametrize("text", ["", "abc:12", "a" * 64, "a" * 64 + ":x", "a" * 63 + ":1"])
def test_bad_anchor_text_is_refused(text: str) -> None:
    """Anything but 64 hex digits and a count is refused with the expected form."""
    with pytest.raises(ValueError, match="expected HEAD:COUNT"):
        Anchor.parse(text)


def test_local_anchor_is_sealed_with_the_key(tmp_path: Path) -> None:
    """The local anchor round-trips; edited without the key, its seal no longer matches."""
    local = LocalAnchor(tmp_path / "journal.anchor", JournalKeys.of(KEY))
    local.write(Anchor(5, "b" * 64))
    assert local.read() == (Anchor(5, "b" * 64), None)
    text = (tmp_path / "journal.anchor").read_text().replace('"count": 5', '"count": 3')
    (tmp_path / "journal.anchor").write_text(text)
    anchor, problem = local.read()
    assert anchor is None and "does not carry a valid seal" in (problem or "")
