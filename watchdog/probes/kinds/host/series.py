"""Turn a host snapshot into series, a failure reason and facts (cardinality capped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from watchdog.hostcheck.files import CHANGE_KINDS, Change
from watchdog.hostcheck.listeners import Listener
from watchdog.hostcheck.processes import DeniedProcess
from watchdog.hostcheck.snapshot import FileReport, HostSnapshot
from watchdog.probes.base import ProbeResult
from watchdog.samples import Sample

if TYPE_CHECKING:
    from watchdog.probes.kinds.host.probe import HostTarget

__all__ = ["host_result"]

_SHOWN = 3


def host_result(snap: HostSnapshot, cfg: HostTarget, now: float) -> ProbeResult:
    """Series for every enabled check; ``failure`` lists what is wrong, most urgent first."""
    samples: list[Sample] = []
    problems: list[str] = []
    facts: dict[str, str] = {}
    if snap.denied is not None:
        _processes(snap.denied, cfg.processes.max_series, samples, problems, facts)
    if snap.listeners is not None and snap.unexpected is not None:
        _listeners(
            snap.listeners, snap.unexpected, cfg.listeners.max_series, samples, problems, facts
        )
    if snap.files is not None:
        _files(snap.files, cfg.files.max_series, now, samples, problems, facts)
    return ProbeResult(samples, "; ".join(problems) or None, facts)


def _capped(total: int, limit: int, facts: dict[str, str], what: str) -> None:
    if total > limit:
        facts[f"{what}_not_shown"] = f"{total - limit} beyond max_series={limit}"


def _processes(
    denied: list[DeniedProcess],
    limit: int,
    samples: list[Sample],
    problems: list[str],
    facts: dict[str, str],
) -> None:
    samples.append(Sample("watchdog_host_denied_processes", float(len(denied))))
    samples.extend(
        Sample(
            "watchdog_host_denied_process",
            1.0,
            {"pid": str(p.pid), "name": p.name, "user": p.user, "pattern": p.pattern},
        )
        for p in denied[:limit]
    )
    _capped(len(denied), limit, facts, "denied_processes")
    facts["denied_processes"] = str(len(denied))
    if denied:
        shown = ", ".join(f"{p.name}[{p.pid}] matches {p.pattern!r}" for p in denied[:_SHOWN])
        problems.append(f"{len(denied)} denied process(es): {shown}{_more(denied)}")


def _listeners(
    listeners: list[Listener],
    unexpected: list[Listener],
    limit: int,
    samples: list[Sample],
    problems: list[str],
    facts: dict[str, str],
) -> None:
    samples.append(Sample("watchdog_host_listeners", float(len(listeners))))
    samples.append(Sample("watchdog_host_unexpected_listeners", float(len(unexpected))))
    samples.extend(
        Sample(
            "watchdog_host_unexpected_listener",
            1.0,
            {
                "protocol": item.protocol,
                "address": item.address,
                "port": str(item.port),
                "process": item.process,
            },
        )
        for item in unexpected[:limit]
    )
    _capped(len(unexpected), limit, facts, "unexpected_listeners")
    facts["unexpected_listeners"] = str(len(unexpected))
    if unexpected:
        shown = ", ".join(_describe_listener(item) for item in unexpected[:_SHOWN])
        problems.append(f"{len(unexpected)} unexpected listener(s): {shown}{_more(unexpected)}")


def _describe_listener(item: Listener) -> str:
    host = f"[{item.address}]" if ":" in item.address else item.address
    owner = f" ({item.process})" if item.process else ""
    return f"{item.protocol} {host}:{item.port}{owner}"


def _files(
    report: FileReport,
    limit: int,
    now: float,
    samples: list[Sample],
    problems: list[str],
    facts: dict[str, str],
) -> None:
    scan = report.scan
    samples.append(Sample("watchdog_host_watched_files", float(len(scan.files))))
    samples.append(Sample("watchdog_host_watched_files_unreadable", float(scan.unreadable)))
    samples.append(Sample("watchdog_host_file_scan_truncated", 1.0 if scan.truncated else 0.0))
    samples.append(Sample("watchdog_host_baseline_valid", 0.0 if report.error else 1.0))
    facts["watched_files"] = str(len(scan.files))
    if scan.truncated:
        problems.append(
            f"watched paths hold more than files.max_files={len(scan.files)} files: "
            "only the first were checked"
        )
    if report.error:
        problems.append(report.error)
        return
    if report.baseline is not None:
        samples.append(
            Sample("watchdog_host_baseline_age_seconds", max(0.0, now - report.baseline.created))
        )
    if report.recorded_now:
        facts["baseline"] = "recorded now (no baseline existed)"
    changes = report.changes
    for kind in CHANGE_KINDS:
        count = sum(1 for c in changes if c.kind == kind)
        samples.append(Sample("watchdog_host_file_changes", float(count), {"change": kind}))
    samples.extend(
        Sample("watchdog_host_file_changed", 1.0, {"path": c.path, "change": c.kind})
        for c in changes[:limit]
    )
    _capped(len(changes), limit, facts, "file_changes")
    facts["file_changes"] = str(len(changes))
    if changes:
        shown = ", ".join(f"{c.kind} {c.path}" for c in changes[:_SHOWN])
        problems.append(
            f"{len(changes)} file change(s) since the baseline: {shown}{_more(changes)}"
        )


def _more(items: list[DeniedProcess] | list[Listener] | list[Change]) -> str:
    return f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
