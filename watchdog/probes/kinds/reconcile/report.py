"""Turn the streams' state after a run into series, a failure reason and key facts.

Series (labels ``backend`` and ``stream``; the primary has only the first two):

==================================================  ===============================================
``watchdog_reconcile_records``                      records in the newest window counted there
``watchdog_reconcile_query_success``                1 if this run's queries there worked
``watchdog_reconcile_missing_ratio``                share of the primary's records missing, newest
                                                    compared window
``watchdog_reconcile_extra_records``                records beyond the primary's, same window
``watchdog_reconcile_incomplete_windows``           windows past ``settle`` still incomplete
``watchdog_reconcile_completeness_lag_seconds``     now minus the start of the oldest window not
                                                    reconciled (or the end of the newest eligible)
``watchdog_reconcile_late_windows_total``           windows that reconciled after being incomplete
``watchdog_reconcile_catch_up_seconds``             window end to reconciliation: the longest of
                                                    the windows that last reconciled late
``watchdog_reconcile_unreconciled_windows_total``   windows still incomplete after ``max_settle``
``watchdog_reconcile_uncompared_windows_total``     windows never compared within ``max_settle``
``watchdog_reconcile_missing_records_total``        records missing in unreconciled windows
``watchdog_reconcile_content_match``                1 if the newest id-checked window's ids match
``watchdog_reconcile_backlog_windows``              eligible windows not checked yet (``stream``)
``watchdog_reconcile_max_settle_seconds``           the configured ``max_settle`` (no labels)
==================================================  ===============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchdog.durations import format_duration
from watchdog.probes.kinds.reconcile.config import ReconcileTarget
from watchdog.probes.kinds.reconcile.state import StreamState, Tally, Window
from watchdog.probes.kinds.reconcile.windows import shown
from watchdog.redact import redact
from watchdog.samples import Sample

__all__ = ["SERIES", "Report", "RunNotes", "build_report"]

_P = "watchdog_reconcile_"
SERIES = frozenset(
    _P + name
    for name in (
        "records",
        "query_success",
        "missing_ratio",
        "extra_records",
        "incomplete_windows",
        "completeness_lag_seconds",
        "late_windows_total",
        "catch_up_seconds",
        "unreconciled_windows_total",
        "uncompared_windows_total",
        "missing_records_total",
        "content_match",
        "backlog_windows",
        "max_settle_seconds",
    )
)


@dataclass
class RunNotes:
    """What happened in this run beyond the state: errors, ids, windows given up."""

    content_errors: dict[tuple[str, str], str] = field(default_factory=dict)
    given_up: list[tuple[str, str, int]] = field(default_factory=list)
    expired: int = 0


@dataclass
class Report:
    """What the probe returns."""

    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None
    facts: dict[str, str] = field(default_factory=dict)


def build_report(
    cfg: ReconcileTarget, states: dict[str, StreamState], now: float, notes: RunNotes
) -> Report:
    """Series, failure and facts for the streams after one run at ``now``."""
    report = Report([Sample(_P + "max_settle_seconds", cfg.max_settle)])
    problems: list[str] = []
    for stream in cfg.streams:
        state = states[stream.name]
        report.samples.append(
            Sample(_P + "backlog_windows", float(len(state.backlog)), {"stream": stream.name})
        )
        if state.backlog:
            report.facts[f"backlog {stream.name}"] = f"{len(state.backlog)} windows to catch up"
        if state.beyond_retention:
            report.facts[f"retention {stream.name}"] = (
                f"{state.beyond_retention} windows not compared: older than a retention"
            )
        for backend in cfg.backends:
            problems += _backend(report, state, backend.name, stream.name, cfg, now)
        newest = _newest(cfg, state)
        if newest:
            report.facts[f"stream {stream.name}"] = newest
    for (name, stream_name), reason in notes.content_errors.items():
        report.facts[f"content {name}/{stream_name}"] = f"not checked: {reason}"
    for name, stream_name, start in notes.given_up:
        problems.append(
            f"{name}/{stream_name}: window {shown(start)} not reconciled within "
            f"max_settle, given up"
        )
    if notes.expired:
        report.facts["expired"] = f"{notes.expired} windows given up unchecked (queries failing)"
    report.failure = "; ".join(problems) or None
    return report


def _backend(
    report: Report, state: StreamState, name: str, stream: str, cfg: ReconcileTarget, now: float
) -> list[str]:
    tally = state.tallies[name]
    labels = {"backend": name, "stream": stream}

    def add(metric: str, value: float | None) -> None:
        if value is not None:
            report.samples.append(Sample(_P + metric, float(value), labels))

    add("records", tally.records)
    add("query_success", None if tally.query_ok is None else float(tally.query_ok))
    problems = []
    if tally.query_ok is False:
        problems.append(f"{name}/{stream}: {tally.query_error}")
    if name == cfg.primary_name:
        return problems
    incomplete = state.incomplete(name)
    complete_until = state.complete_until(name)
    add("missing_ratio", tally.missing_ratio)
    add("extra_records", tally.extra)
    add("incomplete_windows", len(incomplete))
    add("completeness_lag_seconds", None if complete_until is None else now - complete_until)
    add("late_windows_total", tally.late_total)
    add("catch_up_seconds", tally.catch_up)
    add("unreconciled_windows_total", tally.unreconciled_total)
    add("uncompared_windows_total", tally.uncompared_total)
    add("missing_records_total", tally.missing_records_total)
    add("content_match", None if tally.content_match is None else float(tally.content_match))
    if tally.late_total and tally.catch_up is not None:
        report.facts[f"late {name}/{stream}"] = (
            f"{tally.late_total} windows, last catch-up {format_duration(round(tally.catch_up))}"
        )
    if incomplete:
        first = incomplete[0]
        wait = first.waiting[name]
        detail = f"{wait.count} of {first.primary}" if wait.count is not None else "not counted"
        if wait.count is not None and first.primary is not None and wait.count >= first.primary:
            detail += f", {wait.missing_id_count} ids missing"
        text = f"{len(incomplete)} windows incomplete, first {shown(first.start)} ({detail})"
        report.facts[f"incomplete {name}/{stream}"] = text
        problems.append(f"{name}/{stream}: {text} after settle")
        shown_ids = next((w for w in incomplete if w.waiting[name].missing_ids), None)
        if shown_ids is not None:
            report.facts[f"missing ids {name}/{stream}"] = _ids(shown_ids, name)
    return problems


def _ids(window: Window, name: str) -> str:
    """``<window>: id1, id2 (+3 more)`` for the oldest window with known missing ids."""
    wait = window.waiting[name]
    listed = ", ".join(redact(i) for i in wait.missing_ids)
    more = wait.missing_id_count - len(wait.missing_ids)
    return f"{shown(window.start)}: {listed}" + (f" (+{more} more)" if more > 0 else "")


def _newest(cfg: ReconcileTarget, state: StreamState) -> str:
    """``<window>: loki 60, backup 54`` for the newest window counted in the primary."""
    primary = state.tallies[cfg.primary_name]
    if primary.records is None:
        return ""
    start = primary.records_start
    counted = [
        f"{b.name} {_records(state.tallies[b.name])}"
        for b in cfg.backends
        if state.tallies[b.name].records_start == start
    ]
    return f"{shown(start)}: {', '.join(counted)}"


def _records(tally: Tally) -> str:
    text = str(tally.records)
    if tally.missing_ratio:
        text += f" ({tally.missing_ratio:.1%} missing)"
    return text
