"""One pass of every enabled host check, and the file-baseline logic shared with the command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from watchdog.hostcheck.baseline import Baseline, load_baseline, save_baseline
from watchdog.hostcheck.errors import BaselineError
from watchdog.hostcheck.files import Change, Scan, diff, scan
from watchdog.hostcheck.listeners import (
    Listener,
    PortRule,
    find_unexpected,
    list_listeners,
)
from watchdog.hostcheck.processes import DeniedProcess, find_denied
from watchdog.userregex import Regex

__all__ = [
    "FileReport",
    "FileSettings",
    "HostSnapshot",
    "ListenerSettings",
    "ProcessSettings",
    "check_files",
    "record_baseline",
    "take_snapshot",
]


@dataclass(frozen=True)
class ProcessSettings:
    """What the process check needs."""

    patterns: tuple[Regex, ...]


@dataclass(frozen=True)
class ListenerSettings:
    """What the listener check needs."""

    protocols: tuple[str, ...]
    allowed: tuple[PortRule, ...]
    ignore_loopback: bool
    ignore_ephemeral_udp: bool


@dataclass(frozen=True)
class FileSettings:
    """What the file check needs."""

    watch: tuple[str, ...]
    max_files: int
    max_file_size: int


@dataclass
class FileReport:
    """The file check's findings against the stored baseline."""

    scan: Scan
    baseline: Baseline | None = None
    changes: list[Change] = field(default_factory=list)
    recorded_now: bool = False
    error: str | None = None


@dataclass
class HostSnapshot:
    """Everything one host probe saw (None for a disabled check)."""

    denied: list[DeniedProcess] | None = None
    listeners: list[Listener] | None = None
    unexpected: list[Listener] | None = None
    files: FileReport | None = None


def take_snapshot(
    processes: ProcessSettings | None,
    listeners: ListenerSettings | None,
    files: FileSettings | None,
    baseline_file: Path,
    now: float,
) -> HostSnapshot:
    """Run the enabled checks (blocking: call it from a worker thread)."""
    snap = HostSnapshot()
    if processes is not None:
        snap.denied = find_denied(processes.patterns)
    if listeners is not None:
        snap.listeners = list_listeners(listeners.protocols)
        snap.unexpected = find_unexpected(
            snap.listeners,
            listeners.allowed,
            ignore_loopback=listeners.ignore_loopback,
            ignore_ephemeral_udp=listeners.ignore_ephemeral_udp,
        )
    if files is not None:
        snap.files = check_files(files, baseline_file, now)
    return snap


def check_files(settings: FileSettings, baseline_file: Path, now: float) -> FileReport:
    """Scan and compare with the stored baseline; record one when there is none yet."""
    current = scan(settings.watch, settings.max_files, settings.max_file_size)
    report = FileReport(current)
    try:
        stored = load_baseline(baseline_file)
    except BaselineError as exc:
        report.error = f"{exc}; check it, then run `monitor-watchdog baseline`"
        return report
    if stored is None:
        try:
            report.baseline = record_baseline(settings, baseline_file, now, current)
        except OSError as exc:
            report.error = f"cannot write baseline {baseline_file}: {exc.strerror or exc}"
            return report
        report.recorded_now = True
        return report
    report.baseline = stored
    if stored.watch != list(settings.watch):
        report.error = (
            f"baseline {baseline_file} was recorded for watch {stored.watch}, the config now "
            f"watches {list(settings.watch)}: run `monitor-watchdog baseline` to accept"
        )
        return report
    report.changes = diff(stored.files, current.files)
    return report


def record_baseline(
    settings: FileSettings, baseline_file: Path, now: float, current: Scan | None = None
) -> Baseline:
    """Scan (unless given a scan) and store the result as the new baseline."""
    if current is None:
        current = scan(settings.watch, settings.max_files, settings.max_file_size)
    baseline = Baseline(now, list(settings.watch), current.files)
    save_baseline(baseline_file, baseline)
    return baseline
