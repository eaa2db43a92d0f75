"""The hash-chained event journal: what changed and what was sent, provably in order.

Each entry stores ``seq`` (1, 2, 3, …), ``ts``, ``kind``, ``data`` (canonical JSON), the hash
of the entry before it (``prev``) and its own ``hash`` = SHA-256 over all of those. Editing an
entry breaks its hash; removing one leaves a gap in ``seq`` and breaks the next link;
reordering breaks both. ``verify`` names the first entry where the chain breaks. Two things a
chain alone cannot catch: entries removed from the *end*, and a rewrite of everything after
some point with fresh hashes. Both change the head hash and count, which ``verify`` prints and
the daemon logs every hour: compare them with a copy kept elsewhere (the logs).

Several processes may append (the daemon, ``drill``): each append reads the chain's end
inside its own write transaction. Storage is SQLite in WAL mode with ``synchronous=NORMAL``:
a committed entry survives ``kill -9`` (the WAL write completes before commit returns); only a
power cut can drop the newest entries, and it can never corrupt the chain. That keeps an fsync
off every delivery attempt; the outbox, which holds the notifications themselves, uses ``FULL``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.alerts import AlertTransitionHook
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

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_ts ON journal (ts);
"""


def canonical_json(data: Mapping[str, Any]) -> str:
    """The one JSON text a mapping hashes as."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(seq: int, ts: float, kind: str, data: str, prev: str) -> str:
    """SHA-256 over an entry's fields and its predecessor's hash."""
    material = json.dumps([seq, ts, kind, data, prev], separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry as stored."""

    seq: int
    ts: float
    kind: str
    data: str
    prev: str
    hash: str

    def fields(self) -> dict[str, Any]:
        """``data`` decoded (``{}`` when it is not a JSON object)."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``Journal.verify``."""

    checked: int
    first_bad: int | None = None
    problem: str | None = None
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when the whole chain is intact."""
        return self.first_bad is None


class Journal:
    """Append-only, hash-chained journal in SQLite; use from one thread (see ``DbWorker``)."""

    def __init__(
        self, path: Path, *, readonly: bool = False, busy_timeout: float = BUSY_TIMEOUT
    ) -> None:
        self.path = path
        if readonly:
            try:
                self._db = open_readonly(path)
            except FileNotFoundError:
                raise FileNotFoundError(f"no journal at {path}") from None
        else:
            self._db = open_db(path, "NORMAL", busy_timeout=busy_timeout)
            self._db.executescript(_SCHEMA)
        self._seq, self._head = self._last()

    def _last(self) -> tuple[int, str]:
        row = self._db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    @property
    def count(self) -> int:
        """Sequence number of the newest entry (the entry count of an intact journal)."""
        return self._seq

    @property
    def head(self) -> str:
        """Hash of the newest entry (``GENESIS`` when empty)."""
        return self._head

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def append(self, kind: str, data: Mapping[str, Any], ts: float) -> JournalEntry:
        """Add one entry at the end of the chain.

        The chain's end is read inside the write transaction, not taken from memory, so
        another process (``monitor-watchdog drill`` next to the running daemon) may append
        too: each waits for the other's write lock (the busy timeout) and links to the entry
        that is really last. ``sqlite3.OperationalError`` ("database is locked") propagates
        when the lock is not released within the busy timeout.
        """
        text = canonical_json(data)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            last_seq, prev = self._last()
            seq = last_seq + 1
            digest = entry_hash(seq, ts, kind, text, prev)
            self._db.execute(
                "INSERT INTO journal (seq, ts, kind, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                (seq, ts, kind, text, prev, digest),
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._seq, self._head = seq, digest
        return JournalEntry(seq, ts, kind, text, prev, digest)

    def entries(
        self, since: float | None = None, kind: str | None = None
    ) -> Iterator[JournalEntry]:
        """Entries in chain order, optionally only recent ones or one kind."""
        sql = "SELECT seq, ts, kind, data, prev, hash FROM journal"
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._db.execute(sql + " ORDER BY seq", args):
            yield JournalEntry(*row)

    def verify(self) -> VerifyResult:
        """Walk the chain and report the first entry that was edited, removed or reordered."""
        expected_seq, prev, checked = 1, GENESIS, 0
        for entry in self.entries():
            if entry.seq != expected_seq:
                gap = (
                    f"entry #{expected_seq} is missing"
                    if entry.seq > expected_seq
                    else f"entry #{entry.seq} appears twice or out of order"
                )
                return VerifyResult(checked, expected_seq, f"{gap} (next stored is #{entry.seq})")
            recomputed = entry_hash(entry.seq, entry.ts, entry.kind, entry.data, entry.prev)
            if recomputed != entry.hash:
                return VerifyResult(
                    checked,
                    entry.seq,
                    f"entry #{entry.seq} was altered or moved: its content does not match its hash",
                )
            if entry.prev != prev and entry.seq == 1:
                return VerifyResult(0, 1, "entry #1 does not start from the genesis hash")
            if entry.prev != prev:
                # Entry seq is self-consistent, so its predecessor changed after it was written.
                return VerifyResult(
                    checked - 1,
                    entry.seq - 1,
                    f"entry #{entry.seq - 1} was altered and re-hashed: entry #{entry.seq}"
                    " recorded a different hash for it",
                )
            prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        return VerifyResult(checked, head=prev)
