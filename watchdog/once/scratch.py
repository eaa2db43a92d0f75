"""A private, throw-away copy of the probes' saved state, so ``once`` writes nothing real.

Some probes keep state in ``state_dir`` and write it on every run: the log canary its
outstanding canaries and counters, the host probe its file baseline (recorded on the first
run). Run against the daemon's own directory, ``once`` would race the daemon's writes, reset
its canary bookkeeping, or record a baseline the daemon then trusts. Instead the probes get a
temporary directory holding a copy of every sub-directory of ``state_dir`` (the probes' state;
the daemon's databases are files at the top and are not copied). They read the daemon's real
state and whatever they write is deleted afterwards. Files are written atomically (temp file,
rename), so a copy taken while the daemon runs is never half a file; in-flight temp files are
skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["NOT_COPIED", "scratch_state"]

NOT_COPIED = frozenset({"drills"})
"""Sub-directories of ``state_dir`` that are no probe's state (drill reports)."""


@contextmanager
def scratch_state(state_dir: Path) -> Iterator[tuple[Path, list[str]]]:
    """A temporary state directory seeded from ``state_dir``, and notes on what was missing."""
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="watchdog-once-") as tmp:
        scratch = Path(tmp)
        for entry in _subdirectories(state_dir, notes):
            try:
                shutil.copytree(
                    entry,
                    scratch / entry.name,
                    symlinks=True,
                    ignore=shutil.ignore_patterns("*.tmp"),
                )
            except (OSError, shutil.Error) as exc:
                notes.append(f"probe state {entry.name}/ only partly copied: {_reason(exc)}")
        yield scratch, notes


def _subdirectories(state_dir: Path, notes: list[str]) -> list[Path]:
    try:
        if not state_dir.is_dir():
            notes.append(f"state_dir {state_dir} does not exist: probes start without saved state")
            return []
        return sorted(p for p in state_dir.iterdir() if p.is_dir() and p.name not in NOT_COPIED)
    except OSError as exc:
        notes.append(
            f"state_dir {state_dir} is not readable ({_reason(exc)}): probes start without"
            " saved state (run as the daemon's user to use it)"
        )
        return []


def _reason(exc: BaseException) -> str:
    if isinstance(exc, shutil.Error):
        return f"{len(exc.args[0])} file(s) could not be read"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)
