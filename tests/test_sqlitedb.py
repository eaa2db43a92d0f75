"""Reading the daemon's SQLite files from another process without leaving anything behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from watchdog.sqlitedb import open_db, open_readonly


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    db = open_db(path, "NORMAL")
    db.execute("CREATE TABLE t (x INTEGER)")
    db.execute("INSERT INTO t VALUES (1)")
    db.close()
    return path


def test_closed_database_is_read_without_creating_wal_files(tmp_path: Path) -> None:
    """No writer: the file is read as immutable; no -wal or -shm appears, even after close."""
    path = _database(tmp_path)
    assert _names(tmp_path) == ["state.db"]
    reader = open_readonly(path)
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert _names(tmp_path) == ["state.db"]
    reader.close()
    assert _names(tmp_path) == ["state.db"]


def test_live_writer_data_in_the_wal_is_seen(tmp_path: Path) -> None:
    """A writer holding the database open: committed rows still in its WAL are read."""
    path = _database(tmp_path)
    writer = open_db(path, "NORMAL")
    writer.execute("INSERT INTO t VALUES (2)")
    files = _names(tmp_path)
    assert "state.db-wal" in files
    reader = open_readonly(path)
    assert reader.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("INSERT INTO t VALUES (3)")
    reader.close()
    writer.close()
    assert _names(tmp_path) == ["state.db"], "the writer cleans up its own files as usual"


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    """FileNotFoundError, and no empty database file left behind."""
    with pytest.raises(FileNotFoundError):
        open_readonly(tmp_path / "absent.db")
    assert _names(tmp_path) == []
