"""``snapshot``: a directory of Vault/OpenBao raft snapshots: fresh, present and intact?

The newest matching file (by modification time) is verified natively (``raft``) on a small
pool of daemon threads; verdicts are cached per target by (path, size, mtime) so an unchanged
snapshot is hashed once. Files modified within ``settle_time`` are skipped as
still being written, so a running ``snapshot save`` is not mistaken for a truncated file.
"""

from __future__ import annotations

import stat as stat_module
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import field_validator

from watchdog.config.targets import TargetBase
from watchdog.config.types import ConfigPath, Duration
from watchdog.durations import format_duration
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.kinds.snapshot.raft import SnapshotVerdict, VerdictCache, verify_snapshot
from watchdog.probes.offload import OffloadBusyError, Offloader, OffloadTimeoutError
from watchdog.samples import Sample

__all__ = ["KIND", "SnapshotTarget"]

_BUDGET = 0.8
"""Share of the probe timeout spent waiting for file work; the rest reports what is known."""


class SnapshotTarget(TargetBase):
    """Settings of a ``snapshot`` target."""

    kind: Literal["snapshot"]
    path: ConfigPath
    """The directory the snapshots are written to."""
    pattern: str = "*.snap"
    max_age: Duration | None = None
    """Exposed as ``watchdog_snapshot_max_age_seconds``; an older newest snapshot fails."""
    settle_time: Duration = 30.0
    verify: bool = True

    @field_validator("pattern")
    @classmethod
    def _relative_pattern(cls, value: str) -> str:
        if not value or value.startswith("/") or ".." in Path(value).parts:
            raise ValueError("pattern must be a relative glob such as '*.snap', without '..'")
        return value

    def default_instance(self) -> str:
        """The directory."""
        return str(self.path)


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime: float
    mtime_ns: int


_LISTING: Offloader[list[_File]] = Offloader("snapshot-list", max_threads=2)
_VERIFYING: Offloader[SnapshotVerdict] = Offloader("snapshot-verify", max_threads=2)


def _list(directory: Path, pattern: str) -> list[_File]:
    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        raise ProbeError(f"snapshot directory {directory} {what}")
    files = []
    try:
        for path in directory.glob(pattern):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # rotated away between listing and stat
            if stat_module.S_ISREG(stat.st_mode):
                files.append(_File(path, stat.st_size, stat.st_mtime, stat.st_mtime_ns))
    except PermissionError:
        raise ProbeError(f"snapshot directory {directory} is not readable by this user") from None
    except OSError as exc:
        raise ProbeError(f"cannot list {directory}: {exc.strerror or exc}") from None
    return files


def _verified(file: _File, verdicts: VerdictCache) -> SnapshotVerdict:
    key = (str(file.path), file.size, file.mtime_ns)
    cached = verdicts.get(key)
    if cached is not None:
        return cached
    verdict = verify_snapshot(file.path)
    verdicts.put(key, verdict)
    return verdict


async def probe_snapshot(ctx: ProbeContext[SnapshotTarget]) -> ProbeResult:
    """List the snapshots, judge the newest one's age and integrity."""
    cfg = ctx.config
    deadline = time.monotonic() + ctx.timeout * _BUDGET
    listed = await _LISTING.run_in_probe(
        (str(cfg.path), cfg.pattern),
        lambda: _list(cfg.path, cfg.pattern),
        ctx.timeout * _BUDGET / 2,
        f"listing {cfg.path}",
    )
    now = ctx.clock.now()
    files = [f for f in listed if now - f.mtime >= cfg.settle_time]
    samples = [Sample("watchdog_snapshot_files", len(files))]
    if cfg.max_age is not None:
        samples.append(Sample("watchdog_snapshot_max_age_seconds", cfg.max_age))
    facts = {"files": str(len(files))}
    if not files:
        settling = len(listed) - len(files)
        extra = f" ({settling} still being written)" if settling else ""
        return ProbeResult(
            samples,
            failure=f"no snapshot matching {cfg.pattern} in {cfg.path}{extra}",
            facts=facts,
        )
    newest = max(files, key=lambda f: (f.mtime, f.path.name))
    age = max(0.0, now - newest.mtime)
    samples += [
        Sample("watchdog_snapshot_newest_timestamp_seconds", newest.mtime),
        Sample("watchdog_snapshot_newest_age_seconds", age),
        Sample("watchdog_snapshot_newest_size_bytes", newest.size),
    ]
    facts.update(newest=newest.path.name, age=format_duration(float(int(age))))
    problems = []
    if cfg.max_age is not None and age > cfg.max_age:
        problems.append(
            f"{newest.path.name} is {format_duration(float(int(age)))} old, "
            f"over max_age {format_duration(cfg.max_age)}"
        )
    if cfg.verify:
        try:
            budget = deadline - time.monotonic()
            verdicts = ctx.memory.get(VerdictCache)
            verdict = await _VERIFYING.run(
                str(newest.path), lambda: _verified(newest, verdicts), budget
            )
        except (OffloadTimeoutError, OffloadBusyError) as exc:
            facts["integrity"] = f"not known yet: verification {exc}"
        else:
            samples.append(Sample("watchdog_snapshot_newest_valid", 1 if verdict.ok else 0))
            if verdict.ok:
                facts["integrity"] = "ok"
                samples += [
                    Sample("watchdog_snapshot_newest_raft_index", verdict.index or 0),
                    Sample("watchdog_snapshot_newest_raft_term", verdict.term or 0),
                ]
                facts["raft_index"] = str(verdict.index)
            else:
                facts["integrity"] = verdict.reason
                problems.append(f"{newest.path.name}: {verdict.reason}")
    return ProbeResult(samples, failure="; ".join(problems) or None, facts=facts)


KIND = ProbeKind(
    name="snapshot",
    config=SnapshotTarget,
    run=probe_snapshot,
    produces=frozenset(
        {
            "watchdog_snapshot_files",
            "watchdog_snapshot_max_age_seconds",
            "watchdog_snapshot_newest_timestamp_seconds",
            "watchdog_snapshot_newest_age_seconds",
            "watchdog_snapshot_newest_size_bytes",
            "watchdog_snapshot_newest_valid",
            "watchdog_snapshot_newest_raft_index",
            "watchdog_snapshot_newest_raft_term",
        }
    ),
    summary="Vault/OpenBao raft snapshots on disk: newest age, size, count, native integrity check",
)
