"""Silences on disk in ``state_dir``, so they survive restarts during an outage.

- ``silences.json``: local silences (``silence add``, the API) and local expiries of mirrored
  ones. The CLI and the daemon both write it: every change is a read-modify-write under an
  exclusive ``flock`` on ``silences.lock``, written to a temporary file, fsynced and renamed
  into place, so readers never see half a file.
- ``silences-mirror.json``: what each Alertmanager replica last answered to
  ``GET /api/v2/silences``; written by the daemon only.

Readers re-read a file only when it changed (inode, size, mtime). A damaged file is reported
and the last good content stays in force; it is never overwritten by a write that could not
read it. Expired silences are kept five days (Alertmanager's default retention), then pruned.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from watchdog.alerts import iso_time
from watchdog.notify.silences.model import (
    LOCAL,
    Silence,
    SilenceError,
    SilenceNotFoundError,
    parse_time,
)

__all__ = [
    "LOCAL_FILE",
    "MIRROR_FILE",
    "RETENTION",
    "SilenceFileError",
    "SilenceStore",
    "Snapshot",
]

LOCAL_FILE = "silences.json"
MIRROR_FILE = "silences-mirror.json"
_LOCK_FILE = "silences.lock"
RETENTION = 5 * 86400.0
"""Expired silences are kept this long (Alertmanager's ``--data.retention`` default)."""


class SilenceFileError(OSError):
    """A silences file that cannot be read or written; the message names it."""


@dataclass(frozen=True)
class Snapshot:
    """Every silence known at one moment: local ones, mirrored ones, local expiries."""

    local: tuple[Silence, ...] = ()
    mirrored: tuple[Silence, ...] = ()
    expired_mirrors: Mapping[str, float] = field(default_factory=dict)
    mirror_fetched: Mapping[str, float] = field(default_factory=dict)

    def effective(self) -> list[Silence]:
        """Local silences and mirrored ones, a mirrored one expired locally ending then."""
        out = list(self.local)
        for silence in self.mirrored:
            at = self.expired_mirrors.get(silence.id)
            out.append(silence.expired_at(at) if at is not None else silence)
        return out

    def silenced_by(self, labels: Mapping[str, str], now: float) -> list[str]:
        """Ids of the silences that silence ``labels`` at ``now``."""
        return sorted({s.id for s in self.effective() if s.silences(labels, now)})

    def next_change(self, now: float) -> float | None:
        """The next moment a silence starts or ends (when the silenced set may change)."""
        moments = [t for s in self.effective() for t in (s.starts_at, s.ends_at) if t > now]
        return min(moments, default=None)


class _CachedFile:
    """A JSON file re-read only when it changed; the last good content survives damage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self.data: dict[str, Any] = {}
        self.problem: str | None = None

    def refresh(self) -> bool:
        """Re-read when changed; True when the content is new."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            changed = self._stamp is not None
            self._stamp, self.data, self.problem = None, {}, None
            return changed
        except OSError as exc:
            self.problem = f"{self.path}: {exc.strerror or exc}"
            return False
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self._stamp:
            return False
        try:
            self.data = _read_json(self.path)
        except SilenceFileError as exc:
            self.problem = str(exc)
            return False
        self._stamp, self.problem = stamp, None
        return True


class SilenceStore:
    """Reads and writes the silence files of one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._local = _CachedFile(state_dir / LOCAL_FILE)
        self._mirror = _CachedFile(state_dir / MIRROR_FILE)
        self._snapshot = Snapshot()
        self._bad: dict[str, str] = {}
        self._lock = threading.Lock()  # the API expires silences from a worker thread

    @property
    def problems(self) -> list[str]:
        """Why a file could not be read (its last good content stays in force)."""
        return [p for p in (self._local.problem, self._mirror.problem) if p] + list(
            self._bad.values()
        )

    def snapshot(self, now: float) -> Snapshot:
        """Every silence, re-reading the files that changed since the last call."""
        with self._lock:
            if self._local.refresh() | self._mirror.refresh():
                self._snapshot = self._parse(now)
            return self._snapshot

    # -- local silences ----------------------------------------------------------------------

    def add(self, silence: Silence, now: float) -> Silence:
        """Store a new local silence (a fresh id) after Alertmanager's checks."""
        silence.check_new(now)
        stored = replace(silence, id=str(uuid.uuid4()), updated_at=now, source=LOCAL)
        with self._editing(now) as data:
            data["silences"].append(stored.to_api(now))
        return stored

    def expire(self, silence_id: str, now: float) -> Silence:
        """End a silence now: a local one in its file, a mirrored one by a local expiry."""
        snapshot = self.snapshot(now)
        local = {s.id: s for s in snapshot.local}
        mirrored = {s.id: s for s in snapshot.mirrored}
        if silence_id not in local and silence_id not in mirrored:
            raise SilenceNotFoundError(f"no silence with id {silence_id!r}")
        found = local.get(silence_id) or mirrored[silence_id]
        if found.state(now) == "expired" or silence_id in snapshot.expired_mirrors:
            raise SilenceError(f"silence {silence_id} has already expired")
        ended = found.expired_at(now)
        with self._editing(now) as data:
            if silence_id in local:
                data["silences"] = [
                    ended.to_api(now) if item.get("id") == silence_id else item
                    for item in data["silences"]
                ]
            else:
                data["expired_mirrors"][silence_id] = iso_time(now)
        return ended

    @contextlib.contextmanager
    def _editing(self, now: float) -> Iterator[dict[str, Any]]:
        """Read-modify-write of the local file under the lock; prunes old expired entries."""
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.state_dir / _LOCK_FILE
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            path = self.state_dir / LOCAL_FILE
            data = _read_json(path) if path.exists() else {}
            data = {
                "version": 1,
                "silences": list(data.get("silences", [])),
                "expired_mirrors": dict(data.get("expired_mirrors", {})),
            }
            yield data
            data["silences"] = [s for s in data["silences"] if not _long_expired(s, now)]
            _write_json(path, data)
        finally:
            os.close(fd)  # closing releases the lock

    # -- mirrored silences -------------------------------------------------------------------

    def replace_mirror(self, replica: str, silences: Sequence[Silence], now: float) -> None:
        """Record what ``replica`` answered (the daemon is the only writer of this file).

        Called from a worker thread: it reads the file itself, never through the cache the
        event loop's ``snapshot`` uses.
        """
        try:
            replicas = dict(_read_json(self.state_dir / MIRROR_FILE).get("replicas", {}))
        except SilenceFileError:
            replicas = {}  # damaged: the daemon is its only writer, so rewriting loses nothing
        replicas[replica] = {
            "fetchedAt": iso_time(now),
            "silences": [s.to_api(now) for s in silences if s.state(now) != "expired"],
        }
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_json(self.state_dir / MIRROR_FILE, {"version": 1, "replicas": replicas})

    def forget_replicas(self, keep: Sequence[str], now: float) -> None:
        """Drop mirrored silences of replicas no longer configured (from a worker thread)."""
        replicas = dict(_read_json(self.state_dir / MIRROR_FILE).get("replicas", {}))
        kept = {name: value for name, value in replicas.items() if name in keep}
        if kept != replicas:
            _write_json(self.state_dir / MIRROR_FILE, {"version": 1, "replicas": kept})

    # -- parsing -----------------------------------------------------------------------------

    def _parse(self, now: float) -> Snapshot:
        self._bad = {}
        local = self._silences(self._local.data.get("silences", []), LOCAL, now)
        mirrored: dict[str, Silence] = {}
        fetched: dict[str, float] = {}
        for replica, entry in sorted(self._mirror.data.get("replicas", {}).items()):
            if not isinstance(entry, dict):
                continue
            fetched[replica] = _time_or(entry.get("fetchedAt"), 0.0)
            for silence in self._silences(entry.get("silences", []), replica, now):
                known = mirrored.get(silence.id)
                if known is None or silence.updated_at > known.updated_at:
                    mirrored[silence.id] = silence  # replicas gossip: the newest version wins
        expiries = {
            str(k): _time_or(v, now)
            for k, v in dict(self._local.data.get("expired_mirrors", {})).items()
        }
        return Snapshot(tuple(local), tuple(mirrored.values()), expiries, fetched)

    def _silences(self, items: object, source: str, now: float) -> list[Silence]:
        out = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            try:
                out.append(Silence.from_api(item, source=source, now=now))
            except SilenceError as exc:  # one bad entry costs that silence, not the rest
                self._bad[f"{source}#{index}"] = f"{source} silence #{index + 1}: {exc}"
        return out


def _time_or(value: object, default: float) -> float:
    try:
        return parse_time(value, "time")
    except SilenceError:
        return default


def _long_expired(item: Mapping[str, Any], now: float) -> bool:
    return _time_or(item.get("endsAt"), now) < now - RETENTION


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SilenceFileError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise SilenceFileError(f"{path}: not a JSON object")
    return data


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SilenceFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
