"""Turn the canary state after a run into series, a failure reason and key facts.

Series (label ``backend``; ``primary`` on the divergence series):

=============================================  ==========================================
``probe_logcanary_emitted_total``              canaries emitted (persisted counter)
``probe_logcanary_emit_success``               1 if the last emission attempt worked
``probe_logcanary_query_success``              1 if this run's search of the backend worked
``probe_logcanary_outstanding``                canaries still pending in the backend
``probe_logcanary_found``                      1 if the newest decided canary arrived intact
``probe_logcanary_lag_seconds``                emission to first sighting, newest found canary
``probe_logcanary_last_found_age_seconds``     seconds since a canary was last found there
                                               (since monitoring began, if never)
``probe_logcanary_lost``                       canaries lost among those emitted in
                                               ``loss_window``
``probe_logcanary_lost_total``                 canaries lost (persisted counter)
``probe_logcanary_checksum_mismatches_total``  canaries that arrived altered
``probe_logcanary_lag_divergence_seconds``     how far the backend trails the primary
=============================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchdog.probes.kinds.logcanary.config import LogCanaryTarget
from watchdog.probes.kinds.logcanary.state import FOUND, LOST, MANGLED, CanaryState
from watchdog.samples import Sample

__all__ = ["SERIES", "BackendRun", "Report", "build_report"]

SERIES = frozenset(
    {
        "probe_logcanary_emitted_total",
        "probe_logcanary_emit_success",
        "probe_logcanary_query_success",
        "probe_logcanary_outstanding",
        "probe_logcanary_found",
        "probe_logcanary_lag_seconds",
        "probe_logcanary_last_found_age_seconds",
        "probe_logcanary_lost",
        "probe_logcanary_lost_total",
        "probe_logcanary_checksum_mismatches_total",
        "probe_logcanary_lag_divergence_seconds",
    }
)


@dataclass
class BackendRun:
    """How this run's search of one backend went."""

    name: str
    ok: bool
    error: str | None = None
    found: int = 0


@dataclass
class Report:
    """What the probe returns."""

    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None
    facts: dict[str, str] = field(default_factory=dict)


def build_report(
    state: CanaryState,
    cfg: LogCanaryTarget,
    runs: list[BackendRun],
    now: float,
    emit_error: str | None,
    lost: list[tuple[str, str]],
) -> Report:
    """Series, failure and facts for the state after one run at ``now``."""
    report = Report([Sample("probe_logcanary_emitted_total", float(state.emitted_total))])
    if state.last_emit_ok is not None:
        report.samples.append(
            Sample("probe_logcanary_emit_success", 1.0 if state.last_emit_ok else 0.0)
        )
    problems = [f"emit: {emit_error}"] if emit_error else []
    primary = cfg.primary_name
    for run in runs:
        problems.extend(_backend(report, state, cfg, run, now, primary))
    if lost:
        report.facts["lost now"] = ", ".join(f"{name}:{canary}" for name, canary in lost[:5])
    report.failure = "; ".join(problems) or None
    return report


def _backend(
    report: Report,
    state: CanaryState,
    cfg: LogCanaryTarget,
    run: BackendRun,
    now: float,
    primary: str,
) -> list[str]:
    name = run.name
    stats = state.stats[name]
    labels = {"backend": name}

    def add(metric: str, value: float, extra: dict[str, str] | None = None) -> None:
        report.samples.append(
            Sample(f"probe_logcanary_{metric}", value, {**labels, **(extra or {})})
        )

    add("query_success", 1.0 if run.ok else 0.0)
    add("outstanding", float(len(state.pending(name))))
    add("lost", float(state.lost_recently(name, now, cfg.loss_window)))
    add("lost_total", float(stats.lost_total))
    add("checksum_mismatches_total", float(stats.mismatches_total))
    add("last_found_age_seconds", max(0.0, now - (stats.last_found_at or state.started_at)))
    if stats.verdict is not None:
        add("found", 1.0 if stats.verdict == FOUND else 0.0)
    if stats.lag is not None:
        add("lag_seconds", stats.lag)
    if name != primary:
        divergence = state.divergence(name, primary, now)
        if divergence is not None:
            add("lag_divergence_seconds", divergence, {"primary": primary})

    shown = stats.verdict or "no verdict yet"
    if stats.lag is not None:
        shown += f", lag {stats.lag:.1f}s"
    report.facts[f"backend {name}"] = shown
    problems = [f"{name}: {run.error}"] if run.error else []
    if stats.verdict == LOST:
        problems.append(f"{name}: newest canary lost (not found within {cfg.deadline:g}s)")
    elif stats.verdict == MANGLED:
        problems.append(f"{name}: newest canary arrived altered (checksum mismatch)")
    return problems
