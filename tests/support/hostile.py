"""A misbehaving HTTP peer for bad-input tests: hangs, huge bodies, garbage, odd statuses.

It imitates no component. Each route answers with a fixed, deliberately broken behaviour so a
probe's handling of that breakage can be pinned; anything not routed answers 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web

from tests.support.procs import free_port

__all__ = ["Handler", "Route", "hang", "hostile_server", "huge", "reply"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str]
"""(method, path)."""


def reply(status: int = 200, body: str | bytes = "", content_type: str = "text/plain") -> Handler:
    """Always answer ``status`` with ``body``."""

    async def handle(_: web.Request) -> web.StreamResponse:
        data = body.encode() if isinstance(body, str) else body
        return web.Response(status=status, body=data, content_type=content_type)

    return handle


def hang() -> Handler:
    """Accept the request and never answer (until the server stops)."""

    async def handle(_: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return handle


def huge(size: int) -> Handler:
    """Stream ``size`` bytes of valid-looking text, without a Content-Length."""

    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_type = "text/plain"
        await response.prepare(request)
        chunk = b"# filler\n" * 8192
        sent = 0
        try:
            while sent < size:
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionResetError, RuntimeError):
            pass  # the client gave up, as it should
        return response

    return handle


@asynccontextmanager
async def hostile_server(routes: dict[Route, Handler]) -> AsyncIterator[str]:
    """``async with hostile_server({("GET", "/-/healthy"): reply(503)}) as url: ...``."""
    app = web.Application()
    for (method, path), handler in routes.items():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
