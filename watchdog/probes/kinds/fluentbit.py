"""``fluentbit``: Fluent Bit's health check and its real pipeline counters.

``/api/v1/health`` exists only when the service sets ``Health_Check On`` (otherwise the route is
not registered and the HTTP server answers 404). It answers 200 ``ok``, or 500 ``error`` once the
output errors exceed ``HC_Errors_Count`` or the failed retries exceed ``HC_Retry_Failure_Count``
within ``HC_Period`` seconds, summed over all outputs. ``health: auto`` uses it when present;
``required`` makes a missing endpoint a failed check; ``off`` skips it.

``/api/v1/metrics/prometheus`` carries the per-plugin counters (label ``name``, the plugin alias
or ``plugin.N``): ``fluentbit_input_records_total``, ``fluentbit_input_bytes_total``,
``fluentbit_output_proc_records_total``, ``fluentbit_output_proc_bytes_total``,
``fluentbit_output_errors_total``, ``fluentbit_output_retries_total``,
``fluentbit_output_retries_failed_total``, ``fluentbit_output_dropped_records_total`` and more;
every ``fluentbit_*`` series passes through under its own name, so "receiving but not shipping"
is a rule over ``fluentbit_input_records_total`` and ``fluentbit_output_proc_records_total``.
There is no ``fluentbit_output_records_total``: a rule using it can never fire.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from watchdog.probes.answers import keep_metrics, reason_text
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.httptarget import HttpTarget
from watchdog.probes.scraping import scrape_samples
from watchdog.samples import Sample

__all__ = ["FLUENTBIT_METRICS", "KIND", "FluentBitTarget"]

FLUENTBIT_METRICS = frozenset(
    {
        "fluentbit_input_records_total",
        "fluentbit_input_bytes_total",
        "fluentbit_output_proc_records_total",
        "fluentbit_output_proc_bytes_total",
        "fluentbit_output_errors_total",
        "fluentbit_output_retries_total",
        "fluentbit_output_retries_failed_total",
        "fluentbit_output_dropped_records_total",
        "fluentbit_output_retried_records_total",
        "fluentbit_filter_add_records_total",
        "fluentbit_filter_drop_records_total",
        "fluentbit_uptime",
        "fluentbit_build_info",
        "fluentbit_storage_chunks",
        "fluentbit_storage_mem_chunks",
        "fluentbit_storage_fs_chunks",
        "fluentbit_storage_fs_chunks_up",
        "fluentbit_storage_fs_chunks_down",
        "fluentbit_input_storage_overlimit",
        "fluentbit_input_storage_memory_bytes",
        "fluentbit_input_storage_chunks",
        "fluentbit_input_storage_chunks_up",
        "fluentbit_input_storage_chunks_down",
        "fluentbit_input_storage_chunks_busy",
        "fluentbit_input_storage_chunks_busy_bytes",
    }
)
"""The documented names (v1 endpoint, plus v2/storage ones if the configured path yields them)."""


class FluentBitTarget(HttpTarget):
    """Settings of a ``fluentbit`` target; ``url`` is the HTTP server (port 2020 by default)."""

    kind: Literal["fluentbit"]
    health: Literal["auto", "required", "off"] = "auto"
    metrics_path: str = "/api/v1/metrics/prometheus"

    @field_validator("metrics_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("metrics_path must start with '/'")
        return value


async def _health(ctx: ProbeContext[FluentBitTarget]) -> tuple[list[Sample], str | None, str]:
    """(samples, failure, fact) from ``/api/v1/health``."""
    cfg = ctx.config
    response = await cfg.request(ctx.session, cfg.url_for("/api/v1/health"), limit=4096)
    body = reason_text(response.body)
    if response.status == 404:
        if cfg.health == "required":
            return [], "/api/v1/health is not enabled (set Health_Check On in [SERVICE])", "off"
        return [], None, "not enabled"
    if response.status == 200:
        return [Sample("probe_fluentbit_healthy", 1.0)], None, "ok"
    if response.status == 500:
        reason = (
            f"Fluent Bit health check says {body!r}: output errors or failed retries "
            "exceeded HC_Errors_Count / HC_Retry_Failure_Count within HC_Period"
        )
        return [Sample("probe_fluentbit_healthy", 0.0)], reason, "error"
    raise ProbeError(f"/api/v1/health answered unexpected HTTP {response.status}: {body}")


async def probe_fluentbit(ctx: ProbeContext[FluentBitTarget]) -> ProbeResult:
    """Scrape the pipeline counters; ask the health check unless disabled."""
    cfg = ctx.config
    scraped = await scrape_samples(ctx, cfg.url_for(cfg.metrics_path))
    samples = keep_metrics(scraped.samples, prefixes=("fluentbit_",))
    facts = {"series": str(len(samples))}
    outputs = {s.labels.get("name", "") for s in samples if s.name.startswith("fluentbit_output")}
    facts["outputs"] = ", ".join(sorted(o for o in outputs if o)) or "none"
    failure = None
    if cfg.health != "off":
        health_samples, failure, facts["health"] = await _health(ctx)
        samples.extend(health_samples)
    return ProbeResult(samples, failure, facts)


KIND = ProbeKind(
    name="fluentbit",
    config=FluentBitTarget,
    run=probe_fluentbit,
    produces=frozenset({"probe_fluentbit_healthy"} | FLUENTBIT_METRICS),
    summary="Fluent Bit /api/v1/health and its real input/output counters",
)
