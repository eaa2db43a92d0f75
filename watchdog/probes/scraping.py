"""Fetch and parse a Prometheus exposition from an HTTP target: the ``scrape`` kind and every
kind that reads a component's own ``/metrics``."""

from __future__ import annotations

from watchdog.exposition import ExpositionError, parse_exposition
from watchdog.probes.base import ProbeContext, ProbeError, ProbeResult
from watchdog.probes.httpclient import fetch
from watchdog.probes.httptarget import HttpTarget
from watchdog.redact import redact_url

__all__ = ["ACCEPT_HEADER", "scrape_samples"]

ACCEPT_HEADER = "text/plain;version=0.0.4;q=0.9,*/*;q=0.1"


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
