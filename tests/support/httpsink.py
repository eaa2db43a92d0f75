"""A small HTTP/1.1 server that records every request and answers as told.

It plays the *receiving end* of a webhook (Alertmanager's webhook receiver, an emergency
webhook, Slack, PagerDuty) and can misbehave the ways real receivers do: a status code with
``Retry-After``, a hang, a connection closed without an answer, TLS with any certificate. It
runs on its own thread and loop, so sync tests, async tests and benchmarks can all use it.
It interprets nothing: each test asserts on the recorded requests itself.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstack.polling import wait_for
from tests.support.loopthread import LoopThread

__all__ = ["Answer", "HttpSink", "Recorded", "alertmanager_routing_to"]


@dataclass(frozen=True)
class Recorded:
    """One request as received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    query: str = ""
    """The query string, without the ``?``."""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    """How to answer: a status (with headers and body), or ``hang`` / ``close`` instead."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    action: str = "respond"  # respond | hang | close

    @classmethod
    def hang(cls) -> Answer:
        """Never answer (until the sink stops)."""
        return cls(action="hang")

    @classmethod
    def close(cls) -> Answer:
        """Close the connection after reading the request, without answering."""
        return cls(action="close")


Behaviour = Callable[[Recorded], Answer]


class HttpSink:
    """Records requests on 127.0.0.1; ``behaviour`` decides each answer (default 200)."""

    def __init__(self, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.port = port
        self.ssl_context = ssl_context
        self.behaviour: Behaviour = lambda _r: Answer()
        self._records: list[Recorded] = []
        self._lock = threading.Lock()
        self._loop = LoopThread("http-sink")
        self._server: asyncio.Server | None = None
        self._stopping = asyncio.Event()

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:PORT``."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """A URL on this sink."""
        return self.base_url + path

    def start(self) -> HttpSink:
        """Bind and serve (on a free port unless one was given)."""
        self._loop.start().run(self._start())
        return self

    def stop(self) -> None:
        """Stop serving; hanging requests are released."""
        if self._loop.closed:
            return  # stopping twice (test, then fixture) is fine
        if self._server is not None:
            self._loop.run(self._stop())
        self._loop.stop()

    def records(self, path: str | None = None) -> list[Recorded]:
        """Requests received so far (optionally for one path)."""
        with self._lock:
            return [r for r in self._records if path is None or r.path == path]

    def clear(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self._records.clear()

    def wait_records(
        self, count: int, path: str | None = None, timeout: float = 20.0
    ) -> list[Recorded]:
        """Wait until at least ``count`` requests (for ``path``) arrived."""
        return wait_for(
            lambda: (found := self.records(path)) and len(found) >= count and found,
            timeout=timeout,
            message=f"{count} request(s) at {path or 'the sink'}",
        )

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, ssl=self.ssl_context, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            record = await _read_request(reader)
            if record is None:
                return
            with self._lock:
                self._records.append(record)
            answer = self.behaviour(record)
            if answer.action == "hang":
                await self._stopping.wait()
                return
            if answer.action == "close":
                return
            head = [
                f"HTTP/1.1 {answer.status} X",
                f"Content-Length: {len(answer.body)}",
                "Connection: close",
                *(f"{k}: {v}" for k, v in answer.headers.items()),
            ]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + answer.body)
            await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Recorded | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    path, _, query = parts[1].partition("?")
    return Recorded(parts[0], path, headers, body, query=query)


def alertmanager_routing_to(sink: HttpSink, path: str = "/am") -> dict[str, Any]:
    """An Alertmanager config sending every alert quickly to ``sink`` at ``path``."""
    return {
        "route": {
            "receiver": "sink",
            "group_by": ["alertname"],
            "group_wait": "100ms",
            "group_interval": "500ms",
            "repeat_interval": "1h",
        },
        "receivers": [
            {"name": "sink", "webhook_configs": [{"url": sink.url(path), "send_resolved": True}]}
        ],
    }
