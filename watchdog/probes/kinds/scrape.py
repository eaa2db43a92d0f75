"""``scrape``: fetch a Prometheus exposition; every sample keeps its labels plus job/instance."""

from __future__ import annotations

from typing import Literal

from watchdog.exposition import ExpositionError, parse_exposition
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.httpclient import fetch
from watchdog.probes.httptarget import HttpTarget
from watchdog.redact import redact_url

__all__ = ["ACCEPT_HEADER", "KIND", "ScrapeTarget", "scrape_samples"]

ACCEPT_HEADER = "text/plain;version=0.0.4;q=0.9,*/*;q=0.1"


class ScrapeTarget(HttpTarget):
    """Settings of a ``scrape`` target."""

    kind: Literal["scrape"]


async def scrape_samples(ctx: ProbeContext[HttpTarget], url: str) -> ProbeResult:
    """Fetch ``url`` with the target's auth and TLS and parse the exposition."""
    cfg = ctx.config
    headers = {"Accept": ACCEPT_HEADER, **cfg.request_headers()}
    response = await fetch(
        ctx.session,
        url,
        limit=ctx.body_size_limit,
        headers=headers,
        ssl_context=cfg.ssl_context(),
        server_hostname=cfg.server_hostname,
    )
    if response.status != 200:
        raise ProbeError(f"{redact_url(url)} answered HTTP {response.status}")
    try:
        samples = parse_exposition(response.text())
    except ExpositionError as exc:
        raise ProbeError(f"{redact_url(url)}: malformed exposition: {exc}") from None
    return ProbeResult(samples, facts={"series": str(len(samples))})


async def probe_scrape(ctx: ProbeContext[ScrapeTarget]) -> ProbeResult:
    """Scrape the configured URL."""
    return await scrape_samples(ctx, ctx.config.url)


KIND = ProbeKind(
    name="scrape",
    config=ScrapeTarget,
    run=probe_scrape,
    summary="Prometheus exposition (/metrics): every series, plus up",
)
