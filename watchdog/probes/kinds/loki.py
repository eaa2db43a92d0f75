"""``loki``: readiness from ``/ready`` and the ingest-failure metrics from ``/metrics``.

Loki's ``/ready`` answers 200 ``ready`` or 503 with the reason as plain text (``Ingester not
ready: waiting for 15s after being ready``, ``Query Frontend not ready: …``, or ``Some services
are not Running:`` followed by one line per state). The reason is kept as the failure.

From ``/metrics`` a small set of Loki's own series is passed through under their real names:
what a distributor received and failed to hand to ingesters, what was discarded and why,
ingester flush and WAL failures, panics, and the request counts by route and status code (so a
rule can compute the 5xx ratio of the push route the way Loki's own mixin does).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from watchdog.config.types import MetricName
from watchdog.probes.answers import keep_metrics, reason_text
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.httptarget import HttpTarget
from watchdog.probes.scraping import scrape_samples
from watchdog.redact import redact_url
from watchdog.samples import Sample

__all__ = ["KIND", "LOKI_METRICS", "LokiTarget"]

LOKI_METRICS = frozenset(
    {
        "loki_build_info",
        "loki_panic_total",
        "loki_distributor_lines_received_total",
        "loki_distributor_bytes_received_total",
        "loki_distributor_ingester_appends_total",
        "loki_distributor_ingester_append_failures_total",
        "loki_discarded_samples_total",
        "loki_discarded_bytes_total",
        "loki_ingester_memory_streams",
        "loki_ingester_chunks_flushed_total",
        "loki_ingester_chunks_flush_failures_total",
        "loki_ingester_flush_queue_length",
        "loki_ingester_wal_disk_full_failures_total",
        "loki_ingester_wal_corruptions_total",
        "loki_request_duration_seconds_count",
    }
)
"""Loki's own metric names passed through (only the ``_count`` of the request histogram)."""


class LokiTarget(HttpTarget):
    """Settings of a ``loki`` target."""

    kind: Literal["loki"]
    metrics: bool = True
    """Also scrape ``/metrics`` for the ingest-failure series."""
    extra_metrics: list[MetricName] = Field(default_factory=list)
    """More metric names from ``/metrics`` to pass through unchanged."""

    def extra_series(self) -> frozenset[str]:
        """The ``extra_metrics`` passed through."""
        return frozenset(self.extra_metrics)


async def probe_loki(ctx: ProbeContext[LokiTarget]) -> ProbeResult:
    """Ask ``/ready``; then, if enabled, pick Loki's failure metrics from ``/metrics``."""
    cfg = ctx.config
    url = cfg.url_for("/ready")
    response = await cfg.request(ctx.session, url, limit=min(ctx.body_size_limit, 64 * 1024))
    failures: list[str] = []
    body = reason_text(response.body)
    if response.status == 200:
        ready = body.strip().lower() == "ready"
        if not ready:
            failures.append(f"/ready answered HTTP 200 but not 'ready' (is this Loki?): {body}")
    elif response.status == 503:
        ready = False
        failures.append(f"Loki not ready: {body}")
    else:
        raise ProbeError(f"{redact_url(url)} answered HTTP {response.status}: {body}")
    samples = [Sample("probe_loki_ready", 1.0 if ready else 0.0)]
    facts = {"ready": "yes" if ready else "no"}

    if cfg.metrics:
        try:
            scraped = await scrape_samples(ctx, cfg.url_for("/metrics"))
        except ProbeError as exc:
            failures.append(f"metrics: {exc}")
        else:
            wanted = LOKI_METRICS | set(cfg.extra_metrics)
            picked = keep_metrics(scraped.samples, wanted)
            samples.extend(picked)
            facts["metrics"] = str(len(picked))
            version = next((s.labels for s in picked if s.name == "loki_build_info"), None)
            if version and "version" in version:
                facts["version"] = version["version"]
    return ProbeResult(samples, "; ".join(failures) or None, facts)


KIND = ProbeKind(
    name="loki",
    config=LokiTarget,
    run=probe_loki,
    produces=frozenset({"probe_loki_ready"} | LOKI_METRICS),
    summary="Loki /ready (reason kept) and ingest-failure metrics from /metrics",
)
