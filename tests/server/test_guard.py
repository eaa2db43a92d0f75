"""The HTTP server's connection guard with raw sockets against a real listener in this loop."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import resource
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from devstack.polling import async_wait_for
from devstack.procs import free_port
from watchdog.config.model import ServerConfig
from watchdog.logs import configure_logging
from watchdog.metrics import MetricsRegistry
from watchdog.server import WebServer

WAIT = 10.0
"""Generous bound on any wait for the server to act (the machine is shared)."""


class Served:
    """A running server, its metrics and the log lines it wrote."""

    def __init__(self, server: WebServer, metrics: MetricsRegistry, logs: io.StringIO) -> None:
        self.server, self.metrics, self._logs = server, metrics, logs

    @property
    def port(self) -> int:
        """The listening port."""
        assert self.server.port is not None
        return self.server.port

    def sample(self, name: str, **labels: str) -> float:
        """One sample of the server's metrics (0 when absent)."""
        return self.metrics.get_sample_value(name, labels) or 0.0

    def log_lines(self) -> list[dict[str, Any]]:
        """Every log line so far, parsed (each must be JSON)."""
        return [json.loads(line) for line in self._logs.getvalue().splitlines()]

    async def connect(self, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, Any]:
        """A raw TCP connection from ``source``."""
        return await asyncio.open_connection("127.0.0.1", self.port, local_addr=(source, 0))


async def serve(**settings: Any) -> tuple[WebServer, MetricsRegistry, io.StringIO]:
    """Start a WebServer with these ``server`` settings and two extra routes."""
    logs = io.StringIO()
    configure_logging("info", "json", stream=logs)
    metrics = MetricsRegistry()
    config = ServerConfig(listen=f"127.0.0.1:{free_port()}", **settings)
    server = WebServer(config.listen, metrics, lambda: None, config)

    async def boom(_request: web.Request) -> web.Response:
        raise RuntimeError("handler bug xyzzy")

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    server.add_routes([web.get("/boom", boom), web.post("/echo", echo)])
    await server.start()
    return server, metrics, logs


@pytest.fixture
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    """A server with short timeouts; a test overrides settings with ``with_settings``."""
    settings = {"header_timeout": "300ms", "body_timeout": "300ms", "idle_timeout": "500ms"}
    settings.update(getattr(request, "param", {}))
    server, metrics, logs = await serve(**settings)
    yield Served(server, metrics, logs)
    await server.stop()
    configure_logging("info", "json")


async def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) until the server-side ``condition`` holds."""

    async def check() -> bool:
        return condition()

    await async_wait_for(check, timeout=WAIT, interval=0.01, message="server state")


def with_settings(**settings: Any) -> pytest.MarkDecorator:
    """Run the test against a server with these ``server`` settings."""
    return pytest.mark.parametrize("served", [settings], indirect=True, ids=["settings"])


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed the connection (a reset counts as closed)."""
    received = b""
    try:
        async with asyncio.timeout(WAIT):
            while chunk := await reader.read(65536):
                received += chunk
    except ConnectionResetError:
        pass
    return received


async def test_half_open_connection_is_closed_after_header_timeout(served: Served) -> None:
    """A connection that never sends a byte is closed once header_timeout passes."""
    reader, writer = await served.connect()
    assert await closed_by_server(reader) == b""
    writer.close()
    assert served.sample("watchdog_http_connections_closed_total", reason="header_timeout") == 1


async def test_slowloris_headers_are_closed_although_bytes_keep_coming(served: Served) -> None:
    """A head trickling in byte by byte does not extend the header deadline."""
    reader, writer = await served.connect()
    writer.write(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        while True:
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.05)

    task = asyncio.create_task(trickle())
    try:
        assert await closed_by_server(reader) == b""
    finally:
        task.cancel()
        writer.close()
    assert served.sample("watchdog_http_connections_closed_total", reason="header_timeout") == 1


async def test_keep_alive_connection_serves_then_idles_out(served: Served) -> None:
    """A complete request is answered on the same connection; then idle_timeout closes it."""
    reader, writer = await served.connect()
    writer.write(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200")
    assert served.sample("watchdog_http_connections_closed_total", reason="idle_timeout") == 1
    assert served.sample("watchdog_http_connections_closed_total", reason="header_timeout") == 0


async def test_slow_body_is_answered_408_and_closed(served: Served) -> None:
    """A body that does not arrive within body_timeout gets a 408 naming the setting."""
    reader, writer = await served.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"server.body_timeout" in answer
    assert served.sample("watchdog_http_connections_closed_total", reason="body_timeout") == 1


@with_settings(max_body_size="2KiB")
async def test_declared_huge_body_is_refused_before_reading(served: Served) -> None:
    """A Content-Length above max_body_size is answered 413 without reading the body."""
    reader, writer = await served.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"999999999 bytes is larger than the 2048-byte limit" in answer
    reason = "body_too_large"
    assert served.sample("watchdog_http_requests_refused_total", reason=reason) == 1


async def test_handler_exception_is_a_json_log_line_and_a_bare_500(served: Served) -> None:
    """An unexpected handler exception: 500 without traceback text, one JSON error line."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{served.port}/boom") as response,
    ):
        body = await response.text()
    assert response.status == 500
    assert json.loads(body)["errorType"] == "internal"
    assert "Traceback" not in body and "xyzzy" not in body
    [line] = [entry for entry in served.log_lines() if entry["event"] == "request handler failed"]
    assert line["error"] == "RuntimeError: handler bug xyzzy"
    assert line["handler"] == "/boom"
    assert served.sample("watchdog_http_handler_errors_total", handler="/boom") == 1


@with_settings(max_connections=3, reserved_fds=16, header_timeout="10s", idle_timeout="10s")
async def test_flooding_peer_evicts_its_own_sockets_not_another_peers(served: Served) -> None:
    """At the limit, a newcomer evicts the flooding peer's oldest waiting socket; a request
    from another address is always admitted, and the flooder's sockets churn among
    themselves."""
    flood = [await served.connect("127.0.0.2") for _ in range(3)]
    await until(lambda: served.server.guard.open_connections == 3)
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=("127.0.0.1", 0))
        ) as session,
        session.get(f"http://127.0.0.1:{served.port}/-/healthy") as response,
    ):
        assert response.status == 200
    assert await closed_by_server(flood[0][0]) == b""  # the oldest flooder went first
    await until(lambda: served.server.guard.open_connections == 2)  # the client hung up
    more = [await served.connect("127.0.0.2") for _ in range(2)]  # fills, then evicts
    assert await closed_by_server(flood[1][0]) == b""
    assert served.sample("watchdog_http_connections_closed_total", reason="evicted") == 2
    for _, writer in [*flood, *more]:
        writer.close()


@with_settings(max_connections=2, reserved_fds=16, body_timeout="5s")
async def test_newcomer_is_refused_when_every_connection_is_busy(served: Served) -> None:
    """When every held connection has a request under way, a new connection is closed at
    once and counted as refused."""
    busy = []
    for _ in range(2):
        reader, writer = await served.connect("127.0.0.2")
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\na")
        busy.append((reader, writer))

    await until(lambda: served.server.guard.busy_connections == 2)
    reader, writer = await served.connect("127.0.0.3")
    assert await closed_by_server(reader) == b""
    writer.close()
    assert served.sample("watchdog_http_connections_refused_total") == 1
    for _, writer in busy:
        writer.close()


async def test_accept_failures_are_one_json_line_when_they_start_and_one_when_they_end(
    served: Served,
) -> None:
    """With the process out of file descriptors, accept() fails: counted every time, logged
    once as JSON; the first accepted connection afterwards logs the recovery once."""
    loop = asyncio.get_running_loop()
    client = socket.socket()  # made while descriptors are still available
    client.setblocking(False)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    fillers: list[int] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 8, hard))
    try:
        with contextlib.suppress(OSError):
            while True:
                fillers.append(os.open(os.devnull, os.O_RDONLY))
        await loop.sock_connect(client, ("127.0.0.1", served.port))  # queued by the kernel
        await until(lambda: served.sample("watchdog_http_accept_errors_total") >= 2)
    finally:
        for fd in fillers:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    await until(lambda: served.sample("watchdog_http_accept_failing") == 0)
    client.close()
    events = [entry for entry in served.log_lines() if "accept" in entry["event"]]
    assert [(e["event"], e["level"]) for e in events] == [
        ("cannot accept connections; retrying every second", "error"),
        ("accepting connections again", "info"),
    ]
    assert "Too many open files" in events[0]["error"]
    assert events[1]["failed_accepts"] >= 2


async def test_client_hanging_up_mid_body_logs_nothing(served: Served) -> None:
    """A client that closes while its body is being read costs no error line (an attacker
    must not be able to fill the log with tracebacks)."""
    _reader, writer = await served.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    await writer.drain()
    await until(lambda: served.server.guard.busy_connections == 1)
    writer.transport.abort()
    await until(lambda: served.server.guard.open_connections == 0)
    assert [line for line in served.log_lines() if line["level"] in ("error", "critical")] == []
