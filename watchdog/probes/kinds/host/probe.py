"""``host``: the seed's degraded-mode detection script as a probe, with no shelling out.

Three checks, each optional: processes matching deny patterns (a crypto miner), listening
sockets not in an allow list, and watched files changed against a baseline kept in
``state_dir``. The first probe records the baseline (and says so); ``monitor-watchdog baseline``
refreshes it. All work happens in a worker thread (``/proc`` and file reads block).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from watchdog.config.regex import Regex
from watchdog.config.targets import TargetBase
from watchdog.config.types import ByteSize, Model
from watchdog.hostcheck.baseline import baseline_path
from watchdog.hostcheck.errors import HostCheckError
from watchdog.hostcheck.listeners import DEFAULT_ALLOWED_PORTS, PortRule
from watchdog.hostcheck.processes import DEFAULT_DENY
from watchdog.hostcheck.snapshot import (
    FileSettings,
    HostSnapshot,
    ListenerSettings,
    ProcessSettings,
    take_snapshot,
)
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.kinds.host.series import host_result
from watchdog.userregex import compile_regex

__all__ = [
    "KIND",
    "FileCheck",
    "HostTarget",
    "ListenerCheck",
    "ProcessCheck",
    "ScanLock",
    "file_settings",
]


@dataclass
class ScanLock:
    """Held while a scan of this target runs (a slot of the target's memory): a scan that
    outlived its probe's timeout is not started a second time."""

    lock: threading.Lock = field(default_factory=threading.Lock)


class ProcessCheck(Model):
    """Processes whose name or command line matches a deny pattern."""

    enabled: bool = True
    deny: list[Regex] = Field(default_factory=lambda: list(DEFAULT_DENY), min_length=1)
    """Regular expressions, searched case-insensitively in the name and the command line."""
    max_series: int = Field(default=20, ge=1, le=1000)

    @field_validator("deny")
    @classmethod
    def _not_everything(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if compile_regex(pattern).matches(""):
                raise ValueError(f"deny pattern {pattern!r} matches everything")
        return value


class ListenerCheck(Model):
    """Listening sockets on ports not in an allow list."""

    enabled: bool = True
    protocols: list[Literal["tcp", "udp"]] = Field(
        default_factory=lambda: ["tcp", "udp"],  # type: ignore[arg-type]
        min_length=1,
    )
    allow_ports: list[int | str] = Field(
        default_factory=lambda: list[int | str](DEFAULT_ALLOWED_PORTS)
    )
    """``22`` (both protocols), ``53/udp``, ``8000-8100/tcp``."""
    ignore_loopback: bool = False
    ignore_ephemeral_udp: bool = True
    """Unconnected UDP sockets in the kernel's ephemeral range are almost always clients."""
    max_series: int = Field(default=50, ge=1, le=1000)

    @field_validator("allow_ports")
    @classmethod
    def _rules(cls, value: list[int | str]) -> list[int | str]:
        for entry in value:
            PortRule.parse(entry)
        return value


class FileCheck(Model):
    """Files and directories compared with a recorded baseline."""

    enabled: bool = True
    watch: list[str] = Field(
        default_factory=lambda: ["/etc/cron*", "/var/spool/cron"], min_length=1
    )
    """Absolute paths or globs (``**`` recurses); matched directories are walked."""
    max_files: int = Field(default=10_000, ge=1)
    max_file_size: ByteSize = Field(default=16 * 1024 * 1024, ge=0)
    """Larger files are compared by size and mtime instead of content."""
    max_series: int = Field(default=50, ge=1, le=1000)

    @field_validator("watch")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        relative = [p for p in value if not p.startswith("/")]
        if relative:
            raise ValueError(f"watch entries must be absolute paths: {relative}")
        return value


class HostTarget(TargetBase):
    """Settings of a ``host`` target (the machine the daemon runs on)."""

    kind: Literal["host"]
    processes: ProcessCheck = Field(default_factory=ProcessCheck)
    listeners: ListenerCheck = Field(default_factory=ListenerCheck)
    files: FileCheck = Field(default_factory=FileCheck)

    def default_instance(self) -> str:
        """This machine's host name."""
        return socket.gethostname()


def file_settings(cfg: HostTarget) -> FileSettings | None:
    """The file check's settings, None when disabled."""
    files = cfg.files
    if not files.enabled:
        return None
    return FileSettings(tuple(files.watch), files.max_files, files.max_file_size)


def _settings(cfg: HostTarget) -> tuple[ProcessSettings | None, ListenerSettings | None]:
    procs = cfg.processes
    process_settings = (
        ProcessSettings(tuple(compile_regex(p, ignore_case=True) for p in procs.deny))
        if procs.enabled
        else None
    )
    lst = cfg.listeners
    listener_settings = (
        ListenerSettings(
            tuple(dict.fromkeys(lst.protocols)),
            tuple(PortRule.parse(p) for p in lst.allow_ports),
            lst.ignore_loopback,
            lst.ignore_ephemeral_udp,
        )
        if lst.enabled
        else None
    )
    return process_settings, listener_settings


async def probe_host(ctx: ProbeContext[HostTarget]) -> ProbeResult:
    """Take a snapshot in a worker thread and turn it into series."""
    lock = ctx.memory.get(ScanLock).lock
    processes, listeners = _settings(ctx.config)
    path = baseline_path(ctx.state_dir, ctx.spec.job, ctx.spec.instance)
    now = ctx.clock.now()
    snapshot = await asyncio.to_thread(
        _snapshot, lock, processes, listeners, file_settings(ctx.config), path, now
    )
    if snapshot.files is not None and snapshot.files.recorded_now:
        ctx.log.warning(
            "no file baseline yet: recorded one now",
            path=str(path),
            files=len(snapshot.files.scan.files),
        )
    return host_result(snapshot, ctx.config, now)


def _snapshot(
    lock: threading.Lock,
    processes: ProcessSettings | None,
    listeners: ListenerSettings | None,
    files: FileSettings | None,
    path: Path,
    now: float,
) -> HostSnapshot:
    # The lock is taken in the worker thread: a scan that outlived its probe's timeout keeps
    # it until it finishes, so scans of one target never pile up.
    if not lock.acquire(blocking=False):
        raise ProbeError("the previous host scan is still running (it outlived its timeout)")
    try:
        return take_snapshot(processes, listeners, files, path, now)
    except HostCheckError as exc:
        raise ProbeError(str(exc)) from None
    finally:
        lock.release()


KIND = ProbeKind(
    name="host",
    config=HostTarget,
    run=probe_host,
    produces=frozenset(
        {
            "watchdog_host_denied_processes",
            "watchdog_host_denied_process",
            "watchdog_host_listeners",
            "watchdog_host_unexpected_listeners",
            "watchdog_host_unexpected_listener",
            "watchdog_host_watched_files",
            "watchdog_host_watched_files_unreadable",
            "watchdog_host_file_scan_truncated",
            "watchdog_host_file_changes",
            "watchdog_host_file_changed",
            "watchdog_host_baseline_age_seconds",
            "watchdog_host_baseline_valid",
        }
    ),
    summary="Host: denied processes, unexpected listeners, files changed since a baseline",
)
