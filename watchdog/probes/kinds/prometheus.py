"""``prometheus``: is a Prometheus server alive, ready, and neither blind nor mute?

``up`` is 1 when ``/-/healthy`` answers 200 (Prometheus answers it unconditionally once its web
server runs, so anything else means the server itself is not reachable). Then ``/-/ready`` and a
handful of Prometheus' own metrics decide ``probe_success``: a failed config reload, rule
evaluations failing, notifications dropped or erroring, no Alertmanager discovered, a full
notification queue, TSDB/WAL failures. Those series are passed through under their own names;
the rest of its ``/metrics`` is dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from watchdog.config.types import MetricName
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.component import (
    ComponentTarget,
    first_label,
    keep_named,
    request,
    single_value,
)
from watchdog.probes.counters import CounterMemory
from watchdog.probes.scraping import scrape_samples
from watchdog.redact import redact_url
from watchdog.samples import Sample

__all__ = ["FAILURE_COUNTERS", "KIND", "PASSED_THROUGH", "PrometheusTarget"]

FAILURE_COUNTERS: dict[str, str] = {
    "prometheus_rule_evaluation_failures_total": "rule evaluation failures",
    "prometheus_notifications_dropped_total": "notifications dropped",
    "prometheus_notifications_errors_total": "notification send errors",
    "prometheus_tsdb_compactions_failed_total": "TSDB compaction failures",
    "prometheus_tsdb_head_truncations_failed_total": "TSDB head truncation failures",
    "prometheus_tsdb_reloads_failures_total": "TSDB block reload failures",
    "prometheus_tsdb_wal_corruptions_total": "WAL corruptions",
    "prometheus_tsdb_wal_writes_failed_total": "WAL write failures",
    "prometheus_tsdb_wal_truncations_failed_total": "WAL truncation failures",
    "prometheus_tsdb_checkpoint_creations_failed_total": "WAL checkpoint failures",
    "prometheus_tsdb_mmap_chunk_corruptions_total": "mmapped chunk corruptions",
}
"""Counters whose growth since the last probe means Prometheus is failing, with a description."""

PASSED_THROUGH: frozenset[str] = frozenset(
    {
        *FAILURE_COUNTERS,
        "prometheus_build_info",
        "prometheus_ready",
        "prometheus_config_last_reload_successful",
        "prometheus_config_last_reload_success_timestamp_seconds",
        "prometheus_notifications_alertmanagers_discovered",
        "prometheus_notifications_queue_length",
        "prometheus_notifications_queue_capacity",
        "prometheus_notifications_sent_total",
        "prometheus_sd_failed_configs",
    }
)
"""Names (as in Prometheus 2.42) kept from its ``/metrics``; everything else is dropped."""

_OWN = ("watchdog_prometheus_ready",)


class PrometheusTarget(ComponentTarget):
    """Settings of a ``prometheus`` target (``url`` is the server's base URL)."""

    kind: Literal["prometheus"]
    require_alertmanagers: bool = True
    """Fail when Prometheus has discovered no Alertmanager (its alerts would go nowhere)."""
    extra_metrics: list[MetricName] = Field(default_factory=list)
    """More of its own metric names to pass through, besides the built-in list."""

    def extra_series(self) -> frozenset[str]:
        """The ``extra_metrics`` passed through."""
        return frozenset(self.extra_metrics)


async def probe_prometheus(ctx: ProbeContext[PrometheusTarget]) -> ProbeResult:
    """Health, readiness, then the self-metrics that reveal a blind or mute Prometheus."""
    cfg = ctx.config
    healthy = await request(ctx, "/-/healthy")
    if healthy.status != 200:
        raise ProbeError(
            f"{redact_url(healthy.url)} answered HTTP {healthy.status}: Prometheus is not serving"
        )
    ready = await request(ctx, "/-/ready")
    problems: list[str] = []
    if ready.status != 200:
        problems.append(f"not ready (/-/ready answered HTTP {ready.status})")
    samples = [Sample("watchdog_prometheus_ready", 1.0 if ready.status == 200 else 0.0)]
    facts = {"ready": "yes" if ready.status == 200 else "no"}
    try:
        scraped = await scrape_samples(ctx, cfg.url_for(cfg.metrics_path))
    except ProbeError as exc:
        problems.append(f"its own metrics are unreadable: {exc}")
        ctx.memory.get(CounterMemory).clear()
        return ProbeResult(samples, "; ".join(problems), facts)
    kept = keep_named(scraped.samples, PASSED_THROUGH | set(cfg.extra_metrics))
    samples.extend(kept)
    problems.extend(_judge_gauges(kept, cfg, facts))
    problems.extend(_judge_counters(ctx.memory.get(CounterMemory), kept, facts))
    version = first_label(kept, "prometheus_build_info", "version")
    if version:
        facts["version"] = version
    return ProbeResult(samples, "; ".join(problems) or None, facts)


def _judge_gauges(kept: list[Sample], cfg: PrometheusTarget, facts: dict[str, str]) -> list[str]:
    reload_ok = single_value(kept, "prometheus_config_last_reload_successful")
    if reload_ok is None:
        return [
            f"{cfg.metrics_path} has no prometheus_config_last_reload_successful: "
            "is this a Prometheus server?"
        ]
    problems = []
    facts["config_reload"] = "ok" if reload_ok == 1 else "failed"
    if reload_ok != 1:
        problems.append("last config reload failed: Prometheus still runs its previous config")
    discovered = single_value(kept, "prometheus_notifications_alertmanagers_discovered")
    if discovered is not None:
        facts["alertmanagers"] = f"{discovered:g}"
        if discovered == 0 and cfg.require_alertmanagers:
            problems.append("no Alertmanager discovered: its alerts go nowhere")
    length = single_value(kept, "prometheus_notifications_queue_length")
    capacity = single_value(kept, "prometheus_notifications_queue_capacity")
    if length is not None and capacity and length >= capacity:
        problems.append(f"notification queue is full ({length:g} of {capacity:g})")
    failed_sd = sum(s.value for s in kept if s.name == "prometheus_sd_failed_configs")
    if failed_sd > 0:
        problems.append(f"{failed_sd:g} service discovery config(s) failed")
    return problems


def _judge_counters(memory: CounterMemory, kept: list[Sample], facts: dict[str, str]) -> list[str]:
    counters = [s for s in kept if s.name in FAILURE_COUNTERS]
    increases = memory.increases(counters)
    if increases is None:
        facts["failure_counters"] = "first probe: growth is judged from the next probe on"
        return []
    totals: dict[str, float] = {}
    for labels, delta in increases.items():
        totals[labels.name] = totals.get(labels.name, 0.0) + delta
    return [
        f"{delta:g} {FAILURE_COUNTERS[name]} since the last probe"
        for name, delta in sorted(totals.items())
        if delta > 0
    ]


KIND = ProbeKind(
    name="prometheus",
    config=PrometheusTarget,
    run=probe_prometheus,
    produces=PASSED_THROUGH | frozenset(_OWN),
    summary="Prometheus: healthy/ready, config reload, rule failures, notifications, TSDB",
)
