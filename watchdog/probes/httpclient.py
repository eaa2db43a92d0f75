"""HTTP fetching for probes: a size cap on bodies and errors that say exactly what failed."""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from watchdog.httperrors import describe_http_failure
from watchdog.probes.base import ProbeError
from watchdog.redact import redact_url

if TYPE_CHECKING:
    import aiohttp

__all__ = ["HttpResponse", "fetch", "read_capped"]


@dataclass(frozen=True)
class HttpResponse:
    """A fully read (and size-capped) response."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def text(self) -> str:
        """Body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Body parsed as JSON, or a ProbeError naming the problem."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProbeError(
                f"{redact_url(self.url)} returned invalid JSON (HTTP {self.status}): {exc}"
            ) from None


async def read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read the body, failing as soon as it exceeds ``limit`` bytes."""
    declared = response.content_length
    if declared is not None and declared > limit:
        raise ProbeError(f"response body of {declared} bytes exceeds the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ProbeError(f"response body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    limit: int,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    server_hostname: str | None = None,
    allow_redirects: bool = True,
) -> HttpResponse:
    """Perform one request and read the body; transport failures become ProbeErrors."""
    import aiohttp  # here, not at the top: the config loader imports this module

    shown = redact_url(url)
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            ssl=ssl_context if ssl_context is not None else True,
            json=json_body,
            data=data,
            server_hostname=server_hostname,
            allow_redirects=allow_redirects,
        ) as response:
            body = await read_capped(response, limit)
            return HttpResponse(url, response.status, dict(response.headers), body)
    except ProbeError as exc:
        raise ProbeError(f"{shown}: {exc}") from None
    except TimeoutError:
        raise  # the runner turns its own timeout into the error message
    except (aiohttp.ClientError, OSError) as exc:
        reason = describe_http_failure(exc) or type(exc).__name__
        raise ProbeError(f"{shown}: {reason}") from None
