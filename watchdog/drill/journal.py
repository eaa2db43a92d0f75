"""Record the drill in the daemon's journal (one entry per channel), if there is a journal.

The daemon may be running and appending at the same time. ``Journal.append`` reads the chain's
end inside its write transaction, so both processes extend one intact chain; a writer waits for
the other's lock up to the busy timeout. If the lock is not released in time (or the file
cannot be written by this user), the drill still counts and its report says the journal was
not written, and why.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from watchdog.drill.run import DrillRun
from watchdog.journal import JOURNAL_FILE, NO_KEYS, Journal, JournalKeys

__all__ = ["JOURNAL_BUSY_TIMEOUT", "journal_drill"]

JOURNAL_BUSY_TIMEOUT = 10.0


def journal_drill(
    state_dir: Path,
    run: DrillRun,
    report: Path,
    *,
    busy_timeout: float = JOURNAL_BUSY_TIMEOUT,
    keys: JournalKeys = NO_KEYS,
) -> str:
    """Append the drill's entries (sealed with the journal key, as the daemon's are); returns
    what happened, for the report."""
    path = state_dir / JOURNAL_FILE
    try:
        if not path.is_file():
            return f"no journal at {path}: not recorded"
        journal = Journal(path, busy_timeout=busy_timeout, keys=keys)
    except (OSError, sqlite3.Error) as exc:
        return f"not recorded: cannot open {path}: {exc}"
    written: list[int] = []
    with closing(journal):
        for stage, result in ((s.name, r) for s in run.stages for r in s.results):
            data = {
                "drill": run.drill.id,
                "stage": stage,
                "channel": result.channel,
                "kind": result.kind,
                "outcome": result.outcome,
                "passed": result.passed,
                "latency": round(result.latency, 6) if result.latency is not None else None,
                "error": result.error,
                "warnings": result.warnings,
                "commands": [
                    {"purpose": c.purpose, "exit_code": c.exit_code, "error": c.error}
                    for c in result.commands
                ],
                "interrupted": run.interrupted,
                "report": str(report),
            }
            try:
                written.append(journal.append("drill", data, run.finished_at).seq)
            except sqlite3.Error as exc:
                hint = (
                    f" (another writer held it longer than {busy_timeout:g}s)"
                    if "locked" in str(exc)
                    else ""
                )
                return (
                    f"partly recorded: {len(written)} of {len(run.results)} entries written to"
                    f" {path}, then: {exc}{hint}"
                )
    if not written:
        return "nothing to record"
    return f"recorded {len(written)} entries (#{written[0]} to #{written[-1]}) in {path}"
