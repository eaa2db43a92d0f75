"""The durable outbox: every notification is on disk before any channel sees it.

A row stays until a channel acknowledges it (then it is deleted) or until it exceeds the
bounds (``max_items``, ``max_age``; then it is deleted and reported as expired, never
silently). Rows keep their insertion order, which is the replay order.

The database also keeps each emergency receiver's notification log (what it was last told
about each alert, and when), so repeat intervals and resolved notices survive restarts.

Durability: WAL with ``synchronous=FULL``: ``add`` returns only after the rows are fsynced,
so neither ``kill -9`` nor a power cut loses an accepted notification. Acknowledgement is
written after the channel answered, so a crash in between re-sends it: a rare duplicate
instead of a loss.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from watchdog.alerts import Notification
from watchdog.sqlitedb import open_db

__all__ = [
    "Kind",
    "LogEntry",
    "Outbox",
    "OutboxRow",
    "Route",
    "notification_from_json",
    "notification_to_json",
]

Kind = Literal["alert", "notice", "followup"]
"""``alert``: from the rule engine. ``notice``: about delivery itself. ``followup``: a resolved
alert for receivers that were told it fired via the fallback path."""

Route = Literal["primary", "emergency"]
"""``primary``: Alertmanager, or the emergency receivers while fallback is active.
``emergency``: only the emergency receivers (notices, follow-ups, rejected alerts)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round INTEGER NOT NULL,
    grp TEXT NOT NULL,
    created REAL NOT NULL,
    route TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_round ON outbox (round);
CREATE TABLE IF NOT EXISTS receiver_log (
    receiver TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (receiver, fingerprint)
);
"""


def notification_to_json(n: Notification) -> str:
    """The exact recorded form of a notification."""
    return json.dumps(
        {
            "labels": dict(n.labels),
            "annotations": dict(n.annotations),
            "starts_at": n.starts_at,
            "ends_at": n.ends_at,
            "status": n.status,
            "generator_url": n.generator_url,
            "group": n.group,
            "extra": dict(n.extra),
        },
        sort_keys=True,
    )


def notification_from_json(text: str) -> Notification:
    """Inverse of ``notification_to_json``."""
    data: dict[str, Any] = json.loads(text)
    return Notification(
        labels=data["labels"],
        annotations=data["annotations"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        status=data["status"],
        generator_url=data.get("generator_url", ""),
        group=data.get("group", ""),
        extra=data.get("extra", {}),
    )


@dataclass(frozen=True)
class OutboxRow:
    """One waiting notification. ``round`` is the id of the first row of its ``send`` call."""

    id: int
    round: int
    group: str
    created: float
    route: Route
    kind: Kind
    note: str
    notification: Notification


@dataclass(frozen=True)
class LogEntry:
    """What a receiver was last told about one alert."""

    status: str
    sent_at: float


class Outbox:
    """SQLite-backed queue of notifications; use from one thread (see ``DbWorker``)."""

    def __init__(self, path: Path, *, max_items: int, max_age: float) -> None:
        self.path = path
        self.max_items = max_items
        self.max_age = max_age
        self._db = open_db(path, "FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def add(
        self,
        group: str,
        notifications: Sequence[Notification],
        now: float,
        *,
        route: Route = "primary",
        kind: Kind = "alert",
        note: str = "",
    ) -> tuple[list[OutboxRow], list[OutboxRow]]:
        """Store one round durably; returns the new rows and any rows pushed out by the bound."""
        if not notifications:
            return [], []
        rows: list[OutboxRow] = []
        with self._transaction() as db:
            round_id: int | None = None
            for n in notifications:
                cursor = db.execute(
                    "INSERT INTO outbox (round, grp, created, route, kind, note, fingerprint,"
                    " status, body) VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        group,
                        now,
                        route,
                        kind,
                        note,
                        n.fingerprint,
                        n.status,
                        notification_to_json(n),
                    ),
                )
                row_id = int(cursor.lastrowid or 0)
                round_id = round_id or row_id
                rows.append(OutboxRow(row_id, round_id, group, now, route, kind, note, n))
            db.execute("UPDATE outbox SET round = ? WHERE id >= ?", (round_id, round_id))
            overflow = self._overflow(db)
        return rows, overflow

    def pending(self, route: Route | None = None, limit: int | None = None) -> list[OutboxRow]:
        """Waiting rows in insertion order, optionally of one route only."""
        sql = "SELECT * FROM outbox"
        args: list[Any] = []
        if route is not None:
            sql += " WHERE route = ?"
            args.append(route)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_row(r) for r in self._db.execute(sql, args)]

    def emergency_rows(self, include_primary: bool, limit: int) -> list[OutboxRow]:
        """The oldest rows the emergency receivers should take, in order.

        Emergency-route rows always qualify; primary alerts only while ``include_primary``.
        """
        rows = self._db.execute(
            "SELECT * FROM outbox WHERE route = 'emergency' OR (? AND kind = 'alert')"
            " ORDER BY id LIMIT ?",
            (include_primary, limit),
        )
        return [_row(r) for r in rows]

    def complete(self, ids: Iterable[int]) -> list[int]:
        """Remove acknowledged rows; returns the ids that were still waiting."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        with self._transaction() as db:
            done = [i for (i,) in _select_ids(db, wanted)]
            db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in done])
        return done

    def reroute(self, ids: Iterable[int], note: str) -> None:
        """Send these rows to the emergency receivers only, saying why."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET route = 'emergency', note = ? WHERE id = ?",
                [(note, i) for i in ids],
            )

    def expire(self, now: float) -> list[OutboxRow]:
        """Remove and return rows older than ``max_age``."""
        limit = now - self.max_age
        with self._transaction() as db:
            old = [
                _row(r)
                for r in db.execute("SELECT * FROM outbox WHERE created < ? ORDER BY id", (limit,))
            ]
            db.execute("DELETE FROM outbox WHERE created < ?", (limit,))
        return old

    def stats(self) -> tuple[int, float | None]:
        """How many rows wait, and when the oldest was written."""
        count, oldest = self._db.execute("SELECT COUNT(*), MIN(created) FROM outbox").fetchone()
        return int(count), oldest

    def waiting(self, limit: int = 10_000) -> dict[str, tuple[Route, float]]:
        """Alerts with rows still waiting: fingerprint -> (route, when its oldest was written)."""
        rows = self._db.execute(
            "SELECT fingerprint, route, MIN(created) FROM outbox"
            " GROUP BY fingerprint, route ORDER BY 3 LIMIT ?",
            (limit,),
        )
        out: dict[str, tuple[Route, float]] = {}
        for fp, route, created in rows:
            out.setdefault(fp, (route, created))
        return out

    def receiver_logs(self) -> dict[str, dict[str, LogEntry]]:
        """Every receiver's notification log."""
        logs: dict[str, dict[str, LogEntry]] = {}
        for receiver, fp, status, sent_at in self._db.execute("SELECT * FROM receiver_log"):
            logs.setdefault(receiver, {})[fp] = LogEntry(status, sent_at)
        return logs

    def record_sent(self, receiver: str, entries: Iterable[tuple[str, str]], now: float) -> None:
        """Remember that ``receiver`` accepted these (fingerprint, status) pairs at ``now``."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO receiver_log VALUES (?, ?, ?, ?)",
                [(receiver, fp, status, now) for fp, status in entries],
            )

    def prune_logs(self, before: float) -> int:
        """Forget log entries not touched since ``before``."""
        with self._transaction() as db:
            return db.execute("DELETE FROM receiver_log WHERE sent_at < ?", (before,)).rowcount

    def _overflow(self, db: sqlite3.Connection) -> list[OutboxRow]:
        (count,) = db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        excess = int(count) - self.max_items
        if excess <= 0:
            return []
        old = [_row(r) for r in db.execute("SELECT * FROM outbox ORDER BY id LIMIT ?", (excess,))]
        db.executemany("DELETE FROM outbox WHERE id = ?", [(r.id,) for r in old])
        return old

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _select_ids(db: sqlite3.Connection, ids: list[int]) -> list[tuple[int]]:
    found: list[tuple[int]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.extend(db.execute(f"SELECT id FROM outbox WHERE id IN ({marks})", chunk))  # noqa: S608
    return found


def _row(r: tuple[Any, ...]) -> OutboxRow:
    row_id, round_id, group, created, route, kind, note, _fp, _status, body = r
    return OutboxRow(
        row_id, round_id, group, created, route, kind, note, notification_from_json(body)
    )
