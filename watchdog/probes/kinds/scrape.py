"""``scrape``: fetch a Prometheus exposition; every sample keeps its labels plus job/instance."""

from __future__ import annotations

from typing import Literal

from watchdog.probes.base import ProbeContext, ProbeKind, ProbeResult
from watchdog.probes.httptarget import HttpTarget
from watchdog.probes.scraping import scrape_samples

__all__ = ["KIND", "ScrapeTarget"]


class ScrapeTarget(HttpTarget):
    """Settings of a ``scrape`` target."""

    kind: Literal["scrape"]


async def probe_scrape(ctx: ProbeContext[ScrapeTarget]) -> ProbeResult:
    """Scrape the configured URL."""
    return await scrape_samples(ctx, ctx.config.url)


KIND = ProbeKind(
    name="scrape",
    config=ScrapeTarget,
    run=probe_scrape,
    summary="Prometheus exposition (/metrics): every series, plus up",
)
