"""SQLite for the daemon's durable state: one opener with the pragmas, one worker thread.

Every database is used from a single worker thread, so SQLite calls (and their fsyncs) never
block the event loop, and calls run in the order they were submitted.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

__all__ = ["DbWorker", "open_db", "open_readonly"]

P = ParamSpec("P")
T = TypeVar("T")


BUSY_TIMEOUT = 30.0
"""Seconds a connection waits for another connection's write lock before "database is locked"."""


def open_db(
    path: Path, synchronous: Literal["FULL", "NORMAL"], *, busy_timeout: float = BUSY_TIMEOUT
) -> sqlite3.Connection:
    """Open (creating) a WAL-mode database, usable from whichever single thread owns it.

    In WAL mode a committed transaction survives a crash of the process with either setting;
    ``FULL`` also fsyncs the WAL at every commit, so it survives power loss too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def open_readonly(path: Path) -> sqlite3.Connection:
    """Read a WAL-mode database without creating or changing any file in its directory.

    A plain ``mode=ro`` connection creates the ``-wal`` and ``-shm`` files when they do not
    exist and leaves them behind, owned by whoever ran the reader, which can lock the daemon
    (another user) out of its own database. So: when ``-wal`` exists, a writer has it open (or
    crashed) and ``mode=ro`` shares its files; otherwise nobody has the database open and it is
    read as an immutable file. Raises FileNotFoundError when ``path`` does not exist.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    live = path.with_name(path.name + "-wal").exists()
    flag = "mode=ro" if live else "immutable=1"
    uri = f"{path.resolve().as_uri()}?{flag}"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


class DbWorker:
    """A single thread that runs database calls in submission order."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the worker thread and wait for its result."""
        future = self._executor.submit(fn, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn`` without waiting (order is still preserved)."""
        return self._executor.submit(fn, *args, **kwargs)

    def close(self) -> None:
        """Finish queued calls, then stop the thread."""
        self._executor.shutdown(wait=True)
