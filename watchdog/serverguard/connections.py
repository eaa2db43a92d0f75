"""Every connection to the daemon's HTTP server is bounded in number and in time.

``ConnectionGuard.wrap`` turns aiohttp's protocol factory into one whose connections

- must deliver a complete request head within ``header_timeout`` of opening (and of their
  first byte after a keep-alive pause): half-open sockets and slowloris headers are closed;
- may idle between requests for at most ``idle_timeout`` (this also bounds a client that
  never reads its answer);
- count against ``limit``. At the limit, a new connection takes the place of the
  longest-waiting connection without a request under way (idle or half-open) of the peer
  holding the most connections, unless the newcomer's own peer already holds as many; else
  it is refused (closed at once). So one flooding host churns its own sockets and cannot
  lock out the scraping Prometheus on another. Peers are IPv4 addresses or IPv6 /64s.

While a request is being handled no timer runs here: the body deadline and size limit are
the middleware's (``serverguard.middleware``), which tells the guard when a request starts
and ends. The guard never touches aiohttp internals: it forwards every protocol callback.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from watchdog.serverguard.accepterrors import AcceptErrors
from watchdog.serverguard.metrics import ServerMetrics
from watchdog.serverguard.tls import TlsPolicy, TlsPolicySource, handshake

__all__ = ["ConnectionGuard", "GuardedProtocol", "peer_key"]

ProtocolFactory = Callable[[], asyncio.Protocol]
_EARLY_LIMIT = 64 * 1024
"""Plaintext bytes kept from the end of a TLS handshake until the HTTP protocol exists."""
Transport = asyncio.Transport


def peer_key(transport: asyncio.BaseTransport) -> str:
    """Who a connection counts against: its IPv4 address or its IPv6 /64."""
    peername = transport.get_extra_info("peername")
    host = peername[0] if isinstance(peername, tuple) and peername else None
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


@dataclass(eq=False)
class _Connection:
    transport: Transport
    peer: str
    busy: int = 0
    phase: str = "header"  # header: waiting for a request head; idle: between requests
    timer: asyncio.TimerHandle | None = None


class ConnectionGuard:
    """Connection limit, fair eviction and header/idle deadlines for one listener."""

    def __init__(
        self,
        *,
        limit: int,
        header_timeout: float,
        idle_timeout: float,
        metrics: ServerMetrics,
    ) -> None:
        self.header_timeout = header_timeout
        self.idle_timeout = idle_timeout
        self._metrics = metrics
        self._open: dict[asyncio.BaseTransport, _Connection] = {}
        self._per_peer: dict[str, int] = {}
        self._waiting: dict[str, OrderedDict[asyncio.BaseTransport, _Connection]] = {}
        """Per peer, connections without a request under way, longest-waiting first."""
        self.accept_errors = AcceptErrors(metrics)
        self.limit = limit
        self.tls: TlsPolicySource = lambda: None
        """The TLS policy for each new connection (None: plain HTTP)."""

    @property
    def limit(self) -> int:
        """Connections held at most."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = value
        self._metrics.http_connections_limit.set(value)

    @property
    def open_connections(self) -> int:
        """Connections currently held."""
        return len(self._open)

    @property
    def busy_connections(self) -> int:
        """Connections with a request under way."""
        return sum(1 for conn in self._open.values() if conn.busy)

    def wrap(self, factory: ProtocolFactory) -> ProtocolFactory:
        """A protocol factory whose connections this guard admits and times."""
        return lambda: GuardedProtocol(self, factory)

    def admit(self, transport: Transport) -> bool:
        """Take a new connection, evicting a waiting one at the limit; False if refused."""
        peer = peer_key(transport)
        if len(self._open) >= self._limit:
            victim = self._victim(peer)
            if victim is None:
                self._metrics.http_connections_refused.inc()
                return False
            self._close(victim, "evicted")
        conn = _Connection(transport, peer)
        self._open[transport] = conn
        self._per_peer[peer] = self._per_peer.get(peer, 0) + 1
        self._wait(conn, "header", self.header_timeout)
        self._metrics.http_connections.set(len(self._open))
        return True

    def data_arrived(self, transport: asyncio.BaseTransport) -> None:
        """Bytes came in: a keep-alive pause is over, so the next head is now on the clock."""
        conn = self._open.get(transport)
        if conn is not None and conn.busy == 0 and conn.phase == "idle":
            self._wait(conn, "header", self.header_timeout)

    def request_started(self, transport: asyncio.BaseTransport | None) -> None:
        """A complete request head arrived and its handler runs: stop the clock."""
        conn = self._open.get(transport) if transport is not None else None
        if conn is None:
            return
        conn.busy += 1
        self._unwait(conn)

    def request_finished(self, transport: asyncio.BaseTransport | None) -> None:
        """The handler returned: the connection idles until the next request."""
        conn = self._open.get(transport) if transport is not None else None
        if conn is None:
            return
        conn.busy = max(0, conn.busy - 1)
        if conn.busy == 0:
            self._wait(conn, "idle", self.idle_timeout)

    def upgraded(self, raw: asyncio.BaseTransport, secure: asyncio.BaseTransport) -> bool:
        """A connection's TLS handshake finished: track it by its TLS transport from now on."""
        conn = self._open.pop(raw, None)
        if conn is None:
            return False
        queue = self._waiting.get(conn.peer)
        if queue is not None and raw in queue:
            entries = [(secure if key is raw else key, value) for key, value in queue.items()]
            queue.clear()
            queue.update(entries)
        conn.transport = secure  # type: ignore[assignment]
        self._open[secure] = conn
        return True

    def handshake_failed(self, raw: asyncio.BaseTransport, reason: str) -> None:
        """A TLS handshake was refused: count why, free the slot (unless the guard itself
        closed the connection meanwhile: that was counted as its own reason)."""
        if raw in self._open:
            self._metrics.http_tls_handshake_failures.labels(reason).inc()
            self.forget(raw)

    def closed_for(self, transport: asyncio.BaseTransport | None, reason: str) -> None:
        """The middleware closes a connection (a body too slow): count it."""
        if transport is not None and transport in self._open:
            self._metrics.http_connections_closed.labels(reason).inc()

    def forget(self, transport: asyncio.BaseTransport) -> None:
        """The connection is gone (closed by either side)."""
        conn = self._open.pop(transport, None)
        if conn is None:
            return
        self._unwait(conn)
        remaining = self._per_peer.get(conn.peer, 1) - 1
        if remaining > 0:
            self._per_peer[conn.peer] = remaining
        else:
            self._per_peer.pop(conn.peer, None)
        self._metrics.http_connections.set(len(self._open))

    def close_all(self) -> None:
        """Abort every connection (server shutdown)."""
        for conn in list(self._open.values()):
            self._unwait(conn)
            conn.transport.abort()

    def _victim(self, newcomer: str) -> _Connection | None:
        own = self._per_peer.get(newcomer, 0)
        best: str | None = None
        for peer, queue in self._waiting.items():
            if queue and (best is None or self._per_peer[peer] > self._per_peer[best]):
                best = peer
        if best is None or (best != newcomer and self._per_peer[best] <= own):
            return None
        return next(iter(self._waiting[best].values()))

    def _wait(self, conn: _Connection, phase: str, timeout: float) -> None:
        self._unwait(conn)
        conn.phase = phase
        self._waiting.setdefault(conn.peer, OrderedDict())[conn.transport] = conn
        conn.timer = asyncio.get_running_loop().call_later(timeout, self._expired, conn)

    def _unwait(self, conn: _Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        queue = self._waiting.get(conn.peer)
        if queue is not None:
            queue.pop(conn.transport, None)
            if not queue:
                del self._waiting[conn.peer]

    def _expired(self, conn: _Connection) -> None:
        conn.timer = None
        if conn.busy == 0 and conn.transport in self._open:
            self._close(conn, f"{conn.phase}_timeout")

    def _close(self, conn: _Connection, reason: str) -> None:
        self._metrics.http_connections_closed.labels(reason).inc()
        self.forget(conn.transport)  # now, so the slot is free for the newcomer
        conn.transport.abort()  # frees the descriptor at once


class GuardedProtocol(asyncio.Protocol):
    """Forwards to aiohttp's protocol, created only once the guard admitted the connection."""

    def __init__(self, guard: ConnectionGuard, factory: ProtocolFactory) -> None:
        self._guard = guard
        self._factory = factory
        self._inner: asyncio.Protocol | None = None
        self._transport: Transport | None = None
        self._early: bytearray | None = None
        self._upgrade: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a TCP listener's transports are
        self._guard.accept_errors.accepted()
        if not self._guard.admit(transport):
            transport.abort()
            return
        self._transport = transport
        policy = self._guard.tls()
        if policy is None:
            self._start(transport)
            return
        self._early = bytearray()
        self._upgrade = asyncio.get_running_loop().create_task(self._secure(transport, policy))

    async def _secure(self, raw: Transport, policy: TlsPolicy) -> None:
        result = await handshake(raw, self, policy, self._guard.header_timeout)
        if isinstance(result, str):
            self._guard.handshake_failed(raw, result)
            return
        if not self._guard.upgraded(raw, result):
            result.abort()  # the guard closed it meanwhile (deadline, eviction)
            return
        self._transport = result
        early, self._early = bytes(self._early or b""), None
        self._start(result)
        if early and self._inner is not None:
            self._inner.data_received(early)

    def _start(self, transport: Transport) -> None:
        self._inner = self._factory()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._early is not None:
            # Plaintext that arrived with the end of the handshake, before the protocol exists.
            if len(self._early) + len(data) > _EARLY_LIMIT and self._transport is not None:
                self._transport.abort()
            self._early += data
            return
        if self._inner is None or self._transport is None:
            return
        self._guard.data_arrived(self._transport)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._guard.forget(self._transport)
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()
