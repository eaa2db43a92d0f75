"""``http``: one request; checks status code, optionally a body regex; reports latency."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from watchdog.config.regex import Regex
from watchdog.probes.base import ProbeContext, ProbeKind, ProbeResult
from watchdog.probes.httpclient import fetch
from watchdog.probes.httptarget import HttpTarget
from watchdog.samples import Sample
from watchdog.userregex import compile_regex

__all__ = ["KIND", "HttpProbeTarget"]


class HttpProbeTarget(HttpTarget):
    """Settings of an ``http`` target."""

    kind: Literal["http"]
    method: Literal["GET", "HEAD", "POST"] = "GET"
    valid_status_codes: list[int] = Field(default_factory=list)
    body_regex: Regex | None = None
    """RE2 syntax, searched in the body (not anchored)."""
    follow_redirects: bool = True

    @field_validator("valid_status_codes")
    @classmethod
    def _codes(cls, value: list[int]) -> list[int]:
        bad = [code for code in value if not 100 <= code <= 599]
        if bad:
            raise ValueError(f"not HTTP status codes: {bad}")
        return value


async def probe_http(ctx: ProbeContext[HttpProbeTarget]) -> ProbeResult:
    """Fetch the URL and judge status and body."""
    cfg = ctx.config
    response = await fetch(
        ctx.session,
        cfg.url,
        limit=ctx.body_size_limit,
        method=cfg.method,
        headers=cfg.request_headers(),
        ssl_context=cfg.ssl_context(),
        server_hostname=cfg.server_hostname,
        allow_redirects=cfg.follow_redirects,
    )
    samples = [
        Sample("probe_http_status_code", response.status),
        Sample("probe_http_content_length", len(response.body)),
    ]
    failure = None
    ok_status = (
        response.status in cfg.valid_status_codes
        if cfg.valid_status_codes
        else 200 <= response.status < 300
    )
    if not ok_status:
        failure = f"unexpected HTTP status {response.status}"
    if cfg.body_regex is not None:
        matched = compile_regex(cfg.body_regex).matches(response.text())
        samples.append(Sample("probe_http_body_match", 1.0 if matched else 0.0))
        if not matched and failure is None:
            failure = "body does not match body_regex"
    return ProbeResult(samples, failure, {"status": str(response.status)})


KIND = ProbeKind(
    name="http",
    config=HttpProbeTarget,
    run=probe_http,
    produces=frozenset(
        {"probe_http_status_code", "probe_http_content_length", "probe_http_body_match"}
    ),
    summary="HTTP(S) request: status code, optional body regex, latency",
)
