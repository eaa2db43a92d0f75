"""One HTTP delivery attempt, classified: accepted, retry later (maybe when), or give up.

Error texts name the channel, never its URL: receiver URLs and keys are secrets.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchdog.httperrors import describe_http_failure
from watchdog.notify.backoff import parse_retry_after
from watchdog.redact import redact

if TYPE_CHECKING:
    import aiohttp

__all__ = ["Attempt", "HttpRequest", "send_request"]

_BODY_LIMIT = 64 * 1024
_SHOWN_BODY = 200
_RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True)
class HttpRequest:
    """A fully built request (the body is final bytes, so signatures cover exactly it)."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    method: str = "POST"


@dataclass(frozen=True)
class Attempt:
    """What came of one request."""

    ok: bool
    latency: float
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False

    @property
    def outcome(self) -> str:
        """``success``, ``error`` or ``rejected`` (a 4xx that retrying will not fix)."""
        if self.ok:
            return "success"
        return "rejected" if self.permanent else "error"


async def send_request(
    session: aiohttp.ClientSession,
    request: HttpRequest,
    *,
    time_limit: float,
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    wall_now: float | None = None,
) -> Attempt:
    """Send ``request`` once; never raises for network or HTTP trouble."""
    import asyncio

    import aiohttp  # here, not at the top: the config loader imports this module

    started = time.perf_counter()

    def done(**fields: object) -> Attempt:
        return Attempt(latency=time.perf_counter() - started, **fields)  # type: ignore[arg-type]

    try:
        async with asyncio.timeout(time_limit):
            async with session.request(
                request.method,
                request.url,
                data=request.body,
                headers=dict(request.headers),
                ssl=ssl_context if ssl_context is not None else True,
                server_hostname=server_hostname,
                allow_redirects=False,
            ) as response:
                body = await response.content.read(_BODY_LIMIT)
                status = response.status
                retry_header = response.headers.get("Retry-After")
    except TimeoutError:
        return done(ok=False, error=f"no answer within {time_limit:g}s")
    except aiohttp.InvalidURL:
        return done(ok=False, error="invalid URL", permanent=True)
    except (aiohttp.ClientError, OSError) as exc:
        return done(ok=False, error=describe_http_failure(exc) or type(exc).__name__)

    if 200 <= status < 300:
        return done(ok=True, status=status)
    now = time.time() if wall_now is None else wall_now
    retry_after = parse_retry_after(retry_header, now)
    text = redact(body[:_SHOWN_BODY].decode("utf-8", errors="replace").strip())
    detail = f"HTTP {status}" + (f": {text}" if text else "")
    permanent = 400 <= status < 500 and status not in _RETRYABLE_4XX
    return done(ok=False, status=status, error=detail, retry_after=retry_after, permanent=permanent)
