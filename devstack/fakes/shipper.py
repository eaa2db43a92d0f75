"""A fake log shipper in the role of the seed's dual-ship Fluent Bit: tail a file, ship each line
to Loki and to Elasticsearch, each route with its own delay, loss and corruption.

Shipping is driven explicitly: ``pump()`` reads the lines appended since the last call (stamping
each with the clock, as Fluent Bit's ``tail`` input stamps records when it reads them), queues a
copy per route due ``delay`` seconds later, and delivers whatever is due — a Loki push
(``POST /loki/api/v1/push``, JSON, stream labels ``labels``) or an Elasticsearch index request
(``POST /<index>/_doc`` with ``@timestamp`` and ``log``). With a ``FakeClock`` the test decides
exactly when each backend receives what, with no sleeping. A rejected delivery is dropped and
counted, like a chunk whose retries ran out. A route with ``buffer`` keeps what it cannot
deliver because the backend is unreachable (connection refused, reset) and retries it, in
order, at the next ``pump`` — Fluent Bit's ``storage.type filesystem`` with unlimited retries,
the seed's "logs buffer on Fluent Bit local filesystem" — so a backend that comes back gets
its backlog.

Two kinds of trouble for reconciliation tests: ``paused`` holds a route's copies in its queue
(Fluent Bit retrying from its filesystem buffer while the backend cannot take them) and
delivers them, oldest first, once unpaused; ``drop_share`` silently loses that share of a
route's records — exactly every n-th one, so the share per window is known — after the
hand-off: the shipper counts them as delivered (an ingest pipeline dropping documents, a
backend acknowledging writes it loses), so only a reconciliation of the backends sees it.

An optional HTTP input (``http_input()``) accepts what Fluent Bit's ``http`` input accepts — a
JSON map or array of maps, answered 201 — and ships the ``log`` key of each record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from devstack.fakes.server import FakeServer
from watchdog.clock import Clock

__all__ = ["FakeShipper", "Route", "flip_last_char"]


def flip_last_char(line: str) -> str:
    """A one-byte corruption (the last character changed), as a bad re-encoding would do."""
    return line[:-1] + ("0" if line[-1] != "0" else "1")


@dataclass
class Route:
    """How one backend's copy of the stream travels."""

    kind: str  # loki | elasticsearch
    url: str
    delay: float = 0.0
    stopped: bool = False
    drop_next: int = 0
    mangle: Callable[[str], str] | None = None
    labels: dict[str, str] = field(default_factory=lambda: {"job": "fluent-bit"})
    index: str = "logs-canary"
    wrap_json: bool = False
    """Loki only: ship ``{"log": line}`` like Fluent Bit's loki output with line_format json."""
    parse_logfmt: bool = False
    """Elasticsearch only: add the line's ``key=value`` pairs as fields, keeping ``log`` (a
    Fluent Bit logfmt parser with ``Preserve_Key On``)."""
    parse_json: bool = False
    """Elasticsearch only: merge a JSON object line's keys into the document, keeping ``log``
    (a Fluent Bit json parser with ``Reserve_Data On`` and ``Preserve_Key On``)."""
    paused: bool = False
    drop_share: float = 0.0
    offered: int = 0
    lost_silently: int = 0
    buffer: bool = False
    """Keep and retry records while the backend is unreachable (see the module docstring)."""
    queue: list[tuple[float, float, str]] = field(default_factory=list)
    delivered: int = 0
    dropped: int = 0
    rejected: int = 0
    unreachable: bool = False
    """The last delivery attempt could not connect (what is buffered waits for it)."""


@dataclass
class _HttpInput(FakeServer):
    shipper: FakeShipper | None = None

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{tag:.*}", self._receive)

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="error: invalid JSON")
        records = body if isinstance(body, list) else [body]
        assert self.shipper is not None
        for record in records:
            if isinstance(record, dict) and isinstance(record.get("log"), str):
                self.shipper.accept(record["log"])
        return web.Response(status=201)


def _json_fields(line: str) -> dict[str, Any]:
    try:
        parsed = json.loads(line)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class FakeShipper:
    """See the module docstring."""

    def __init__(self, path: Path, clock: Clock, session: aiohttp.ClientSession) -> None:
        self.path = path
        self.clock = clock
        self.session = session
        self.routes: dict[str, Route] = {}
        self._offset = 0
        self._partial = b""

    def route(self, name: str, route: Route) -> Route:
        """Add a destination."""
        self.routes[name] = route
        return route

    def http_input(self) -> FakeServer:
        """An HTTP input server feeding this shipper (start it with ``async with``)."""
        return _HttpInput(shipper=self)

    def accept(self, line: str) -> None:
        """Take one record in now, one copy per route."""
        read_at = self.clock.now()
        for route in self.routes.values():
            route.queue.append((read_at + route.delay, read_at, line))

    async def pump(self) -> None:
        """Read new lines from the file, then deliver every copy that is due."""
        if self.path.exists():
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = self._partial + handle.read()
                self._offset = handle.tell()
            *complete, self._partial = data.split(b"\n")
            for raw in complete:
                self.accept(raw.decode("utf-8", errors="replace"))
        now = self.clock.now()
        for route in self.routes.values():
            if route.paused:
                continue
            due = [item for item in route.queue if item[0] <= now]
            route.queue = [item for item in route.queue if item[0] > now]
            for index, (_due_at, read_at, line) in enumerate(due):
                try:
                    await self._deliver(route, read_at, line)
                except (aiohttp.ClientConnectionError, OSError):
                    route.unreachable = True
                    if not route.buffer:
                        raise
                    route.queue[:0] = due[index:]  # keep them, in order, for the next pump
                    break
                route.unreachable = False

    async def _deliver(self, route: Route, read_at: float, line: str) -> None:
        if route.stopped or route.drop_next > 0:
            route.drop_next = max(0, route.drop_next - 1)
            route.dropped += 1
            return
        route.offered += 1
        if int(route.offered * route.drop_share) > int((route.offered - 1) * route.drop_share):
            route.lost_silently += 1
            route.delivered += 1
            return
        if route.mangle is not None:
            line = route.mangle(line)
        body: dict[str, Any]
        if route.kind == "loki":
            shipped = json.dumps({"log": line}) if route.wrap_json else line
            stream = {"stream": route.labels, "values": [[str(int(read_at * 1e9)), shipped]]}
            url, body = f"{route.url}/loki/api/v1/push", {"streams": [stream]}
        else:
            stamp = datetime.fromtimestamp(read_at, UTC).isoformat(timespec="milliseconds")
            document = {"@timestamp": stamp, "log": line}
            if route.parse_logfmt:
                pairs = (word.partition("=") for word in line.split())
                document.update({key: value for key, sep, value in pairs if sep})
            if route.parse_json:
                document.update(_json_fields(line))
            url, body = f"{route.url}/{route.index}/_doc", document
        async with self.session.post(url, json=body) as response:
            if 200 <= response.status < 300:
                route.delivered += 1
            else:
                route.rejected += 1
