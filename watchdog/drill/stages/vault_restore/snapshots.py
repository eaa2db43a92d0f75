"""Which snapshots the restore tries: newest first, each checked by the ``snapshot`` probe's own
integrity check (gzip, tar, SHA-256 of every member, raft metadata) before it is sent."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from watchdog.config.model import LoadedConfig
from watchdog.drill.stages.vault_restore.settings import VaultRestoreSettings
from watchdog.probes.kinds.snapshot import SnapshotTarget
from watchdog.probes.kinds.snapshot.raft import SnapshotVerdict, verify_snapshot

__all__ = ["Candidate", "SnapshotSource", "list_candidates", "snapshot_source", "verify"]


@dataclass(frozen=True)
class SnapshotSource:
    """Where snapshots come from: a directory and a pattern (or one file)."""

    path: Path
    pattern: str
    settle_time: float = 0.0
    """Files modified this recently are still being written: skipped."""

    def describe(self) -> str:
        """``/vault/snapshots (vault-*.snap)`` or the file."""
        return f"{self.path} ({self.pattern})" if self.path.is_dir() else str(self.path)


@dataclass(frozen=True)
class Candidate:
    """A snapshot file that may be restored."""

    path: Path
    size: int
    mtime: float


def snapshot_source(config: LoadedConfig, settings: VaultRestoreSettings) -> SnapshotSource:
    """The configured source: the ``snapshot`` target's directory, or ``path``."""
    if settings.snapshots is not None:
        for spec in config.targets:
            if spec.job == settings.snapshots and isinstance(spec.config, SnapshotTarget):
                cfg = spec.config
                return SnapshotSource(cfg.path, cfg.pattern, cfg.settle_time)
        raise ValueError(f"no snapshot target with job {settings.snapshots!r}")
    assert settings.path is not None, "validated: snapshots or path"
    return SnapshotSource(settings.path, settings.pattern)


def list_candidates(source: SnapshotSource, now: float | None = None) -> list[Candidate]:
    """Settled snapshot files, newest first (OSError when the source cannot be listed)."""
    now = time.time() if now is None else now
    paths = [source.path] if source.path.is_file() else list(source.path.glob(source.pattern))
    if not source.path.exists():
        raise FileNotFoundError(f"{source.path} does not exist")
    found = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # rotated away while listing
        if path.is_file() and now - stat.st_mtime >= source.settle_time:
            found.append(Candidate(path, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda c: (c.mtime, c.path.name), reverse=True)


async def verify(candidate: Candidate) -> SnapshotVerdict:
    """The integrity verdict, computed off the event loop (it reads the whole file)."""
    return await asyncio.to_thread(verify_snapshot, candidate.path)
