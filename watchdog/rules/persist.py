"""Alert state on disk (SQLite, WAL) so ``for`` timers and firing alerts survive restarts.

One row per alert, keyed by group key, rule name and labels, with the rule's definition
fingerprint: state is restored only into a rule whose definition is unchanged. Each group also
records the timestamp of its last evaluation, so a restart can tell how long it was down.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.rules.alerting import Alert, AlertState
from watchdog.samples import LabelSet
from watchdog.sqlitedb import open_readonly

__all__ = ["STATE_FILE", "AlertStateStore", "SavedAlert"]

STATE_FILE = "rules-state.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    group_key TEXT NOT NULL,
    rule TEXT NOT NULL,
    definition TEXT NOT NULL,
    labels TEXT NOT NULL,
    state TEXT NOT NULL,
    active_at REAL NOT NULL,
    fired_at REAL,
    resolved_at REAL,
    last_sent_at REAL,
    keep_firing_since REAL,
    valid_until REAL,
    value REAL NOT NULL,
    annotations TEXT NOT NULL,
    PRIMARY KEY (group_key, rule, labels)
);
CREATE TABLE IF NOT EXISTS groups (
    group_key TEXT PRIMARY KEY,
    last_eval REAL NOT NULL
);
"""


@dataclass(frozen=True)
class SavedAlert:
    """An alert as stored, with the rule it belongs to."""

    group_key: str
    rule: str
    definition: str
    alert: Alert


class AlertStateStore:
    """The SQLite file under ``state_dir``; every call is one short transaction."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._signatures: dict[str, object] = {}  # what each group's last save held
        if readonly:  # ``once`` reads the daemon's state; it never writes or creates files
            self._db = open_readonly(path)
            return
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def save_if_changed(
        self, group_key: str, last_eval: float, alerts: list[tuple[str, str, Alert]]
    ) -> None:
        """Save the group's alerts if they changed since the last save, else only ``touch``."""
        signature = [
            (
                name,
                a.labels,
                a.state,
                a.active_at,
                a.fired_at,
                a.resolved_at,
                a.last_sent_at,
                a.keep_firing_since,
            )
            for name, _, a in alerts
        ]
        if signature != self._signatures.get(group_key):
            self.save_group(group_key, last_eval, alerts)
            self._signatures[group_key] = signature
        elif alerts:
            self.touch(group_key, last_eval)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def save_group(
        self,
        group_key: str,
        last_eval: float,
        alerts: Iterable[tuple[str, str, Alert]],
    ) -> None:
        """Replace the stored alerts of one group with ``(rule, definition, alert)`` rows."""
        rows = [
            (
                group_key,
                rule,
                definition,
                json.dumps(dict(a.labels), sort_keys=True),
                a.state.value,
                a.active_at,
                a.fired_at,
                a.resolved_at,
                a.last_sent_at,
                a.keep_firing_since,
                a.valid_until,
                a.value,
                json.dumps(a.annotations, sort_keys=True),
            )
            for rule, definition, a in alerts
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM alerts WHERE group_key = ?", (group_key,))
            self._db.executemany(
                "INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
            self._touch(group_key, last_eval)

    def touch(self, group_key: str, last_eval: float) -> None:
        """Record that ``group_key`` was evaluated at ``last_eval`` (alerts unchanged)."""
        self._touch(group_key, last_eval)

    def _touch(self, group_key: str, last_eval: float) -> None:
        self._db.execute(
            "INSERT INTO groups VALUES (?, ?) "
            "ON CONFLICT(group_key) DO UPDATE SET last_eval = excluded.last_eval",
            (group_key, last_eval),
        )

    def forget_groups(self, keep: Iterable[str]) -> None:
        """Delete the state of every group not in ``keep``."""
        wanted = set(keep)
        stored = {row[0] for row in self._db.execute("SELECT group_key FROM groups")}
        stored |= {row[0] for row in self._db.execute("SELECT DISTINCT group_key FROM alerts")}
        with self._db:
            self._db.execute("BEGIN")
            for key in stored - wanted:
                self._db.execute("DELETE FROM alerts WHERE group_key = ?", (key,))
                self._db.execute("DELETE FROM groups WHERE group_key = ?", (key,))

    def load(self) -> tuple[list[SavedAlert], dict[str, float]]:
        """Every stored alert, and each group's last evaluation time."""
        last = dict(self._db.execute("SELECT group_key, last_eval FROM groups").fetchall())
        saved: list[SavedAlert] = []
        for row in self._db.execute("SELECT * FROM alerts"):
            (group_key, rule, definition, labels, state, active_at, fired_at, resolved_at) = row[:8]
            last_sent_at, keep_since, valid_until, value, annotations = row[8:]
            try:
                alert = Alert(
                    labels=LabelSet(json.loads(labels)),
                    annotations=dict(json.loads(annotations)),
                    state=AlertState(state),
                    active_at=active_at,
                    value=value,
                    fired_at=fired_at,
                    resolved_at=resolved_at,
                    last_sent_at=last_sent_at,
                    keep_firing_since=keep_since,
                    valid_until=valid_until,
                )
            except (ValueError, TypeError):
                continue  # a damaged row costs that alert's history, never the start-up
            saved.append(SavedAlert(group_key, rule, definition, alert))
        return saved, last
