"""The hash-chained event journal: what changed and what was sent, provably in order.

Each entry stores ``seq`` (1, 2, 3, …), ``ts``, ``kind``, ``data`` (canonical JSON), the hash
of the entry before it (``prev``), the id of the key it was sealed with (``key``, empty when
unkeyed) and its own ``hash``: SHA-256 over all of those, or HMAC-SHA256 with the journal key
(``keys``). Editing an entry breaks its hash; removing one leaves a gap in ``seq`` and breaks
the next link; reordering breaks both; with a key, nobody without it can re-hash. What a chain
alone cannot show (entries cut from the end, an emptied table, an unkeyed tail rewritten with
fresh hashes) an anchor recorded elsewhere can: see ``verify`` and ``anchor``.

Several processes may append (the daemon, ``drill``): each append reads the chain's end
inside its own write transaction. Storage is SQLite in WAL mode with ``synchronous=NORMAL``:
a committed entry survives ``kill -9`` (the WAL write completes before commit returns); only a
power cut can drop the newest entries, and it can never corrupt the chain. That keeps an fsync
off every delivery attempt; the outbox, which holds the notifications themselves, uses ``FULL``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from watchdog.alerts import AlertTransitionHook
from watchdog.journal.anchor import GENESIS, Anchor
from watchdog.journal.entry import JournalEntry, canonical_json, entry_hash
from watchdog.journal.keys import NO_KEYS, JournalKeys
from watchdog.journal.verify import VerifyResult, verify_chain
from watchdog.sqlitedb import BUSY_TIMEOUT, open_db, open_readonly

__all__ = [
    "GENESIS",
    "AlertTransitionHook",
    "Journal",
    "JournalEntry",
    "VerifyResult",
    "canonical_json",
    "entry_hash",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS journal_ts ON journal (ts);
"""


class Journal:
    """Append-only, hash-chained journal in SQLite; use from one thread (see ``DbWorker``)."""

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        busy_timeout: float = BUSY_TIMEOUT,
        keys: JournalKeys = NO_KEYS,
    ) -> None:
        self.path = path
        self.keys = keys
        if readonly:
            try:
                self._db = open_readonly(path)
            except FileNotFoundError:
                raise FileNotFoundError(f"no journal at {path}") from None
        else:
            self._db = open_db(path, "NORMAL", busy_timeout=busy_timeout)
            self._db.executescript(_SCHEMA)
        self._key_column = self._has_key_column()
        if not self._key_column and not readonly:
            # Journals written before keys existed: every old entry is unkeyed ('').
            self._db.execute("ALTER TABLE journal ADD COLUMN key TEXT NOT NULL DEFAULT ''")
            self._key_column = True
        self._tip = self._last()

    def _has_key_column(self) -> bool:
        columns = self._db.execute("PRAGMA table_info(journal)").fetchall()
        return any(column[1] == "key" for column in columns)

    def _last(self) -> Anchor:
        row = self._db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return Anchor(int(row[0]), str(row[1])) if row else Anchor(0, GENESIS)

    @property
    def count(self) -> int:
        """Sequence number of the newest entry (the entry count of an intact journal)."""
        return self._tip.count

    @property
    def head(self) -> str:
        """Hash of the newest entry (``GENESIS`` when empty)."""
        return self._tip.head

    @property
    def tip(self) -> Anchor:
        """Count and head together, read at once (safe from another thread)."""
        return self._tip

    def refresh(self) -> Anchor:
        """Re-read the chain's end from the database (another process may have appended)."""
        self._tip = self._last()
        return self._tip

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def append(self, kind: str, data: Mapping[str, Any], ts: float) -> JournalEntry:
        """Add one entry at the end of the chain, sealed with the current key if any.

        The chain's end is read inside the write transaction, not taken from memory, so
        another process (``monitor-watchdog drill`` next to the running daemon) may append
        too: each waits for the other's write lock (the busy timeout) and links to the entry
        that is really last. ``sqlite3.OperationalError`` ("database is locked") propagates
        when the lock is not released within the busy timeout.
        """
        text = canonical_json(data)
        key = self.keys.current
        key_id = key.id if key is not None else ""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            last = self._last()
            seq = last.count + 1
            digest = entry_hash(seq, ts, kind, text, last.head, key)
            self._db.execute(
                "INSERT INTO journal (seq, ts, kind, data, prev, hash, key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, ts, kind, text, last.head, digest, key_id),
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._tip = Anchor(seq, digest)
        return JournalEntry(seq, ts, kind, text, last.head, digest, key_id)

    def entries(
        self,
        since: float | None = None,
        kind: str | None = None,
        *,
        after_seq: int | None = None,
    ) -> Iterator[JournalEntry]:
        """Entries in chain order, optionally only recent ones, one kind, or after a seq."""
        key = "key" if self._key_column else "''"
        sql = f"SELECT seq, ts, kind, data, prev, hash, {key} FROM journal"  # noqa: S608
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if after_seq is not None:
            where.append("seq > ?")
            args.append(after_seq)
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._db.execute(sql + " ORDER BY seq", args):
            yield JournalEntry(*row)

    def entry(self, seq: int) -> JournalEntry | None:
        """The entry with this sequence number, if stored."""
        found = next(iter(self.entries(after_seq=seq - 1)), None)
        return found if found is not None and found.seq == seq else None

    def checkpoint(self) -> bool:
        """Copy the WAL into the database file (fsynced); True when all of it was copied, so
        every entry appended so far survives a power cut."""
        busy, frames, copied = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return bool(busy == 0 and frames == copied)

    def verify(self, against: tuple[Anchor, ...] = ()) -> VerifyResult:
        """Walk the whole chain (see ``verify.verify_chain``)."""
        return verify_chain(self, against=against)
