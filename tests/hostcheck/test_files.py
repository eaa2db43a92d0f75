"""File fingerprints and diffs: content, mode, symlinks, FIFOs, big files, directory walks."""

from __future__ import annotations

import os
from pathlib import Path

from watchdog.hostcheck.files import Change, diff, scan


def test_directory_walk_and_globs(tmp_path: Path) -> None:
    """A glob's directories are walked (sorted); plain files are taken as they are."""
    (tmp_path / "cron.d" / "sub").mkdir(parents=True)
    (tmp_path / "cron.d" / "b").write_text("b")
    (tmp_path / "cron.d" / "sub" / "a").write_text("a")
    (tmp_path / "crontab").write_text("x")
    result = scan([f"{tmp_path}/cron*"], max_files=100, max_file_size=1024)
    assert list(result.files) == [
        f"{tmp_path}/cron.d/b",
        f"{tmp_path}/cron.d/sub/a",
        f"{tmp_path}/crontab",
    ]
    assert not result.truncated


def test_symlinks_are_recorded_not_followed(tmp_path: Path) -> None:
    """A symlink's target is its fingerprint; a linked directory is not descended into."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "secret").write_text("s")
    (tmp_path / "watched").mkdir()
    (tmp_path / "watched" / "link").symlink_to(tmp_path / "real")
    result = scan([str(tmp_path / "watched")], max_files=100, max_file_size=1024)
    assert list(result.files) == [f"{tmp_path}/watched/link"]
    assert result.files[f"{tmp_path}/watched/link"]["target"] == str(tmp_path / "real")


def test_fifo_is_never_opened(tmp_path: Path) -> None:
    """A FIFO is fingerprinted by type only (opening it would block the scan)."""
    os.mkfifo(tmp_path / "pipe")
    result = scan([str(tmp_path)], max_files=100, max_file_size=1024)
    assert result.files[f"{tmp_path}/pipe"]["type"] == "p"


def test_big_files_compare_by_size_and_mtime(tmp_path: Path) -> None:
    """Over max_file_size, content is not read: size and mtime stand in for the hash."""
    big = tmp_path / "big"
    big.write_bytes(b"x" * 100)
    before = scan([str(big)], max_files=10, max_file_size=10)
    assert "sha256" not in before.files[str(big)]
    os.utime(big, ns=(1, 1))
    after = scan([str(big)], max_files=10, max_file_size=10)
    assert diff(before.files, after.files) == [Change(str(big), "changed")]


def test_diff_kinds_sorted_by_path() -> None:
    """Added, removed and changed paths come out sorted by path."""
    before = {"/a": {"sha256": "1"}, "/b": {"sha256": "2"}, "/c": {"sha256": "3"}}
    after = {"/a": {"sha256": "1"}, "/b": {"sha256": "9"}, "/d": {"sha256": "4"}}
    assert diff(before, after) == [
        Change("/b", "changed"),
        Change("/c", "removed"),
        Change("/d", "added"),
    ]


def test_missing_watch_path_is_empty(tmp_path: Path) -> None:
    """A watched path that does not exist yet matches nothing (its creation shows as added)."""
    assert scan([f"{tmp_path}/nope"], max_files=10, max_file_size=10).files == {}
