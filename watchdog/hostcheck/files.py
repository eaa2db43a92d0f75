"""Fingerprints of watched files and the differences between two sets of them.

A watch entry is a glob (``/etc/cron*``, ``/var/spool/cron``, ``/etc/**/*.conf``); a matched
directory is walked without following symlinks. Regular files are fingerprinted by SHA-256 of
their content plus mode and owner; symlinks by their target; other file types by type only (a
FIFO is never opened). Files over ``max_file_size`` are fingerprinted by size and mtime.
"""

from __future__ import annotations

import glob
import hashlib
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHANGE_KINDS", "Change", "Scan", "diff", "scan"]

CHANGE_KINDS = ("added", "removed", "changed")
_CHUNK = 1024 * 1024

Fingerprint = dict[str, object]


@dataclass(frozen=True, order=True)
class Change:
    """One difference against the baseline."""

    path: str
    kind: str


@dataclass
class Scan:
    """What a scan saw: a fingerprint per path, and whether it stopped early."""

    files: dict[str, Fingerprint] = field(default_factory=dict)
    truncated: bool = False
    unreadable: int = 0


def scan(patterns: Sequence[str], max_files: int, max_file_size: int) -> Scan:
    """Fingerprint every file under ``patterns``; stop (``truncated``) after ``max_files``."""
    result = Scan()
    unlisted: list[str] = []
    for path in _walk(patterns, unlisted):
        if path in result.files:
            continue
        if len(result.files) >= max_files:
            result.truncated = True
            break
        fingerprint = _fingerprint(path, max_file_size)
        if fingerprint is None:
            continue  # vanished between listing and reading
        if fingerprint.get("unreadable"):
            result.unreadable += 1
        result.files[path] = fingerprint
    for path in unlisted:  # directories that could not be listed hide their files
        result.files[path] = {"type": "d", "unreadable": True}
        result.unreadable += 1
    return result


def diff(
    before: Mapping[str, Mapping[str, object]], after: Mapping[str, Mapping[str, object]]
) -> list[Change]:
    """Added, removed and changed paths, sorted by path."""
    changes = [Change(p, "added") for p in after.keys() - before.keys()]
    changes += [Change(p, "removed") for p in before.keys() - after.keys()]
    changes += [Change(p, "changed") for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(changes)


def _walk(patterns: Sequence[str], unlisted: list[str]) -> Iterator[str]:
    for pattern in patterns:
        # Path.glob takes no absolute patterns; glob.glob does, and ``**`` with recursive=True.
        for match in sorted(glob.glob(pattern, recursive=True)):  # noqa: PTH207
            path = Path(match)
            if path.is_dir() and not path.is_symlink():
                yield from _walk_directory(match, unlisted)
            else:
                yield match


def _walk_directory(top: str, unlisted: list[str]) -> Iterator[str]:
    """Files below ``top``; symlinks to directories are reported, not followed."""

    def note(error: OSError) -> None:
        if error.filename and not isinstance(error, FileNotFoundError):
            unlisted.append(str(error.filename))

    for root, dirs, files in os.walk(top, onerror=note, followlinks=False):
        dirs.sort()
        linked = [d for d in dirs if (Path(root) / d).is_symlink()]
        for name in sorted(files + linked):
            yield str(Path(root) / name)


def _fingerprint(path: str, max_file_size: int) -> Fingerprint | None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return {"unreadable": True}
    meta: Fingerprint = {"mode": stat.S_IMODE(info.st_mode), "uid": info.st_uid, "gid": info.st_gid}
    if stat.S_ISLNK(info.st_mode):
        try:
            return {**meta, "type": "symlink", "target": str(Path(path).readlink())}
        except OSError:
            return {**meta, "type": "symlink", "unreadable": True}
    if not stat.S_ISREG(info.st_mode):
        return {**meta, "type": stat.filemode(info.st_mode)[0]}
    if info.st_size > max_file_size:
        return {**meta, "type": "file", "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    digest = _sha256(path)
    if digest is None:
        return {**meta, "type": "file", "size": info.st_size, "unreadable": True}
    return {**meta, "type": "file", "sha256": digest}


def _sha256(path: str) -> str | None:
    """Content hash; None when the file cannot be opened (permissions)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None  # replaced by something else since lstat
        try:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        except OSError:
            return None
    return digest.hexdigest()
