"""``buffer``: a shipper's local buffer directory — the last copy of the logs while every backend
is down (Fluent Bit's filesystem storage, ``storage.path``).

Each run walks the directory (on a small pool of daemon threads, bounded by ``max_files`` and the
probe's time budget) for the files matching ``pattern``: how many, how many bytes, how old the
oldest is (by modification time: Fluent Bit appends to a chunk while it is open and deletes it
once flushed, so an old chunk is one nobody could deliver); the free space and inodes of its
file system (``statvfs``: what an unprivileged writer may still use); and, from the sizes seen
in the last ``growth_window`` (kept in the target's memory), how fast it grows. A file removed
while the walk runs (a chunk flushed) is simply not counted.

It is its own kind, not a part of ``reconcile``: the buffer lives on the shipper's host and
matters most exactly when the backends ``reconcile`` talks to are unreachable, so it must be
probed — and be ``up`` — independently of them, on its own (short) interval.
"""

from __future__ import annotations

import fnmatch
import os
import stat as stat_module
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from watchdog.config.targets import TargetBase
from watchdog.config.types import ConfigPath, Duration
from watchdog.durations import format_duration
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.offload import Offloader
from watchdog.samples import Sample

__all__ = ["KIND", "BufferTarget", "scan_buffer"]

_BUDGET = 0.8
_MAX_DEPTH = 16
_P = "watchdog_buffer_"


class BufferTarget(TargetBase):
    """Settings of a ``buffer`` target."""

    kind: Literal["buffer"]
    path: ConfigPath
    """The buffer directory (Fluent Bit's ``storage.path``)."""
    pattern: str = "*"
    """File names counted (a glob on the name, e.g. ``*.flb``), in every subdirectory."""
    max_files: int = Field(default=100_000, ge=1)
    """The walk stops here and the check fails: a buffer this full is a problem in itself."""
    growth_window: Duration = 300.0
    """The growth rate is measured over the sizes seen in this window."""
    max_oldest_age: Duration | None = None
    """The check fails when the oldest file is older (nothing is being delivered)."""
    min_avail_ratio: float | None = Field(default=None, gt=0, lt=1)
    """The check fails when less than this share of the file system is available."""

    @field_validator("pattern")
    @classmethod
    def _name_glob(cls, value: str) -> str:
        if not value or "/" in value:
            raise ValueError("pattern must be a glob on file names such as '*.flb', without '/'")
        return value

    def default_instance(self) -> str:
        """The directory."""
        return str(self.path)


@dataclass(frozen=True)
class BufferScan:
    """What one walk of the buffer directory found."""

    files: int
    size: int
    oldest_mtime: float | None
    unreadable: int
    truncated: bool
    fs_size: int
    fs_avail: int
    fs_files_avail: int


@dataclass
class _SizeHistory:
    """(time, size) seen by recent runs of this target (a slot of its ``TargetMemory``)."""

    seen: deque[tuple[float, int]] = field(default_factory=deque)

    def growth(self, now: float, size: int, window: float) -> float | None:
        """Bytes per second since the oldest size within ``window``; None without one."""
        while self.seen and now - self.seen[0][0] > window:
            self.seen.popleft()
        rate = None
        if self.seen and now > self.seen[0][0]:
            then, before = self.seen[0]
            rate = (size - before) / (now - then)
        self.seen.append((now, size))
        return rate


_SCANS: Offloader[BufferScan] = Offloader("buffer-scan", max_threads=2)


def scan_buffer(directory: Path, pattern: str, max_files: int) -> BufferScan:
    """Walk ``directory`` (blocking); ProbeError when it cannot be read at all."""
    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        raise ProbeError(f"buffer directory {directory} {what}")
    files = size = unreadable = 0
    oldest: float | None = None
    truncated = False
    stack = [(directory, 0)]
    while stack and not truncated:
        current, depth = stack.pop()
        try:
            entries = list(os.scandir(current))
        except FileNotFoundError:
            continue  # a subdirectory removed during the walk
        except OSError as exc:
            if current == directory:
                raise ProbeError(f"cannot list {directory}: {exc.strerror or exc}") from None
            unreadable += 1
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # flushed and deleted meanwhile
            except OSError:
                unreadable += 1
                continue
            if stat_module.S_ISDIR(info.st_mode):
                if depth < _MAX_DEPTH:
                    stack.append((Path(entry.path), depth + 1))
                continue
            if not stat_module.S_ISREG(info.st_mode) or not fnmatch.fnmatch(entry.name, pattern):
                continue
            files += 1
            size += info.st_size
            oldest = info.st_mtime if oldest is None else min(oldest, info.st_mtime)
            if files >= max_files:
                truncated = True
                break
    try:
        vfs = os.statvfs(directory)
    except OSError as exc:
        raise ProbeError(f"cannot read the file system of {directory}: {exc.strerror}") from None
    return BufferScan(
        files,
        size,
        oldest,
        unreadable,
        truncated,
        fs_size=vfs.f_blocks * vfs.f_frsize,
        fs_avail=vfs.f_bavail * vfs.f_frsize,
        fs_files_avail=vfs.f_favail,
    )


async def probe_buffer(ctx: ProbeContext[BufferTarget]) -> ProbeResult:
    """Walk the buffer, report its size, age, growth and room left."""
    cfg = ctx.config
    found = await _SCANS.run_in_probe(
        str(cfg.path),
        lambda: scan_buffer(cfg.path, cfg.pattern, cfg.max_files),
        ctx.timeout * _BUDGET,
        f"walking {cfg.path}",
    )
    now = ctx.clock.now()
    age = 0.0 if found.oldest_mtime is None else max(0.0, now - found.oldest_mtime)
    samples = [
        Sample(_P + "files", found.files),
        Sample(_P + "size_bytes", found.size),
        Sample(_P + "oldest_file_age_seconds", age),
        Sample(_P + "filesystem_size_bytes", found.fs_size),
        Sample(_P + "filesystem_avail_bytes", found.fs_avail),
        Sample(_P + "filesystem_files_avail", found.fs_files_avail),
    ]
    growth = ctx.memory.get(_SizeHistory).growth(now, found.size, cfg.growth_window)
    if growth is not None:
        samples.append(Sample(_P + "growth_bytes_per_second", growth))
    ratio = found.fs_avail / found.fs_size if found.fs_size else 0.0
    facts = {
        "files": str(found.files),
        "size": f"{found.size} bytes",
        "oldest": format_duration(float(int(age))) if found.oldest_mtime is not None else "-",
        "filesystem": f"{ratio:.1%} available",
    }
    problems = []
    if found.truncated:
        problems.append(f"more than max_files ({cfg.max_files}) files; counted the first ones")
    if found.unreadable:
        problems.append(f"{found.unreadable} entries not readable by this user: counts are low")
    if cfg.max_oldest_age is not None and age > cfg.max_oldest_age:
        problems.append(
            f"oldest file is {format_duration(float(int(age)))} old, over max_oldest_age "
            f"{format_duration(cfg.max_oldest_age)}: nothing is being delivered"
        )
    if cfg.min_avail_ratio is not None and ratio < cfg.min_avail_ratio:
        problems.append(
            f"only {ratio:.1%} of the file system is available (min_avail_ratio "
            f"{cfg.min_avail_ratio:.0%})"
        )
    return ProbeResult(samples, failure="; ".join(problems) or None, facts=facts)


KIND = ProbeKind(
    name="buffer",
    config=BufferTarget,
    run=probe_buffer,
    produces=frozenset(
        _P + name
        for name in (
            "files",
            "size_bytes",
            "oldest_file_age_seconds",
            "growth_bytes_per_second",
            "filesystem_size_bytes",
            "filesystem_avail_bytes",
            "filesystem_files_avail",
        )
    ),
    summary="A shipper's local buffer directory: size, files, oldest age, growth, free space",
)
