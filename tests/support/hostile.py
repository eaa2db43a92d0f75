"""Misbehaving peers for bad-input tests: hangs, huge bodies, garbage, odd status codes.

They imitate no component; they stand for a broken network, a wrong port or a hostile proxy.
Two flavours: ``hostile_server`` runs routes inside the test's own event loop; the threaded
``ScriptedHttpServer`` and raw TCP servers run in daemon threads and need no pytest or loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

from devstack.fakes.server import stream_body
from devstack.procs import free_port
from tests.support.loopthread import LoopThread
from tests.support.tcpserver import ThreadedTcpServer

__all__ = [
    "GarbageTcpServer",
    "Handler",
    "HangTcpServer",
    "Reply",
    "Route",
    "ScriptedHttpServer",
    "hang",
    "hostile_server",
    "huge",
    "reply",
]

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
        return await stream_body(request, size, b"# filler\n" * 8192, "text/plain")

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


# -- threaded servers ----------------------------------------------------------------------


class HangTcpServer(ThreadedTcpServer):
    """Accepts connections and never sends a byte (a TLS handshake or request hangs)."""

    def handle(self, conn: socket.socket) -> None:
        """Keep the connection open, silent."""
        self._held.append(conn)


class GarbageTcpServer(ThreadedTcpServer):
    """Answers every connection with a fixed non-TLS line and closes it (a wrong port)."""

    payload = b"SSH-2.0-OpenSSH_9.2 not TLS\r\n"

    def handle(self, conn: socket.socket) -> None:
        """Send the payload and hang up."""
        with contextlib.suppress(OSError), conn:
            conn.sendall(self.payload)


@dataclass
class Reply:
    """What the scripted server answers on a path prefix."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    hang: bool = False
    """Never answer (the client must time out)."""
    endless: bool = False
    """Stream a body without end (chunked, no Content-Length) until the client hangs up."""
    headers: dict[str, str] = field(default_factory=dict)


class ScriptedHttpServer:
    """An aiohttp server answering each path prefix with its ``Reply`` (404 otherwise)."""

    def __init__(self, replies: dict[str, Reply] | None = None) -> None:
        self.replies: dict[str, Reply] = dict(replies or {})
        self.requests: list[str] = []
        self._release = asyncio.Event()
        self._loop = LoopThread("scripted-http").start()
        self._runner, self.port = self._loop.run(self._serve())

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.create_server(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        return runner, sock.getsockname()[1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        matches = [prefix for prefix in self.replies if request.path.startswith(prefix)]
        if not matches:
            return web.Response(status=404, text="no such path")
        reply = self.replies[max(matches, key=len)]
        if reply.hang:
            await self._release.wait()
        if reply.endless:
            response = web.StreamResponse(status=reply.status, headers=reply.headers)
            response.content_type = reply.content_type
            await response.prepare(request)
            chunk = b"x" * 65536
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                for _ in range(4096):  # at most 256 MiB, in case a client never stops reading
                    await response.write(chunk)
            return response
        return web.Response(
            status=reply.status,
            body=reply.body,
            content_type=reply.content_type,
            headers=reply.headers,
        )

    def stop(self) -> None:
        """Release hanging requests, stop the server and its thread."""
        self._loop.call(self._release.set)
        self._loop.run(self._runner.cleanup())
        self._loop.stop()

    def __enter__(self) -> ScriptedHttpServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
