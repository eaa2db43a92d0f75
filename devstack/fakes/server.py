"""Base of the API-true fakes: an aiohttp app on a free loopback port, with hostile-answer faults.

A fault makes every request under a path prefix misbehave the way broken or hostile servers
do: ``hang`` (never answer until the server stops), ``status`` (a given status and body),
``garbage`` (200 with a body that is not what the API promises) and ``huge`` (a chunked body
of many megabytes with no Content-Length, so only a streaming size cap stops it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = ["FakeServer", "Fault", "RecordedRequest", "stream_body"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Fault:
    """How requests under a path prefix misbehave."""

    mode: str  # hang | status | garbage | huge
    status: int = 500
    body: str = "internal error"
    size: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received (for asserting what a probe asked)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    """Subclasses add routes in ``routes()``; tests start it with ``async with``."""

    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def routes(self, app: web.Application) -> None:
        """Register the fake's routes."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> Self:
        """Listen on 127.0.0.1, on ``port`` or a free one."""
        app = web.Application(middlewares=[self._middleware], client_max_size=8 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        return self

    async def stop(self) -> None:
        """Release hanging requests and shut down."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests whose path starts with ``path``."""
        return [r for r in self.requests if r.path.startswith(path)]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        )
        fault = next((f for p, f in self.faults.items() if request.path.startswith(p)), None)
        if fault is None:
            return await handler(request)
        if fault.mode == "hang":
            await self._release.wait()
            return web.Response(status=503, text="released at shutdown")
        if fault.mode == "status":
            return web.Response(status=fault.status, text=fault.body)
        if fault.mode == "garbage":
            return web.Response(
                status=200,
                text='{"status": "success", "data": [1, 2',
            )
        return await stream_body(request, fault.size)


async def stream_body(
    request: web.Request, size: int, chunk: bytes = b"x" * 65536, content_type: str | None = None
) -> web.StreamResponse:
    """Stream about ``size`` bytes of ``chunk`` repeated, chunked, with no Content-Length."""
    response = web.StreamResponse(status=200)
    if content_type:
        response.content_type = content_type
    response.enable_chunked_encoding()
    await response.prepare(request)
    sent = 0
    try:
        while sent < size:
            await response.write(chunk)
            sent += len(chunk)
    except (ConnectionResetError, RuntimeError):
        pass  # the client stopped reading: exactly what a size cap should do
    return response
