"""The daemon's persisted alert state, read without writing a byte next to it.

``once`` honours it so that an alert the daemon already has pending for 90 s of a 2 m ``for``
shows as such, and an alert the daemon fires shows as firing. The database is opened through
``watchdog.sqlitedb.open_readonly`` (see there why a plain read-only connection is not enough).
A missing, unreadable or damaged file is a note in the output, never a failure: the evaluation
then starts from nothing, as a freshly started daemon would.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.rules.persist import STATE_FILE, AlertStateStore, SavedAlert

__all__ = ["SavedState", "load_saved_state"]


@dataclass(frozen=True)
class SavedState:
    """Saved alerts by group key, each group's last evaluation time, and what happened."""

    alerts: dict[str, list[SavedAlert]] = field(default_factory=dict)
    last_eval: dict[str, float] = field(default_factory=dict)
    note: str = "no saved alert state"

    @property
    def count(self) -> int:
        """How many alerts were read."""
        return sum(len(items) for items in self.alerts.values())


def load_saved_state(state_dir: Path) -> SavedState:
    """Read ``state_dir``'s alert state; an empty state with the reason when there is none."""
    path = state_dir / STATE_FILE
    try:
        store = AlertStateStore(path, readonly=True)
    except FileNotFoundError:
        return SavedState(note=f"no saved alert state ({path} does not exist)")
    except (OSError, sqlite3.Error) as exc:
        return SavedState(note=f"saved alert state not readable ({path}: {exc})")
    try:
        with closing(store):
            saved, last_eval = store.load()
    except (OSError, sqlite3.Error) as exc:
        return SavedState(note=f"saved alert state not readable ({path}: {exc})")
    grouped: dict[str, list[SavedAlert]] = {}
    for item in saved:
        grouped.setdefault(item.group_key, []).append(item)
    state = SavedState(grouped, last_eval)
    return SavedState(grouped, last_eval, f"read {state.count} saved alert(s) from {path}")
