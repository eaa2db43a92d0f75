"""A hostile HTTP client: half-open sockets, slowloris heads and slow bodies from one address.

It imitates no product; it is what a broken proxy or an attacker does to a listener. Each
attack keeps ``count`` connections going until a deadline: whenever the server closes one,
it opens the next, so the pressure never lets up. It records how connections ended, so a
test can tell a server that defends itself (closes them) from one that merely survives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["AttackStats", "HostileClient"]

_Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class AttackStats:
    """What happened to one attack's connections."""

    opened: int = 0
    connect_failures: int = 0
    closed_by_server: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    """First line of any answer the server sent before closing, counted."""


class HostileClient:
    """Attacks ``127.0.0.1:port`` from ``source`` (another loopback address)."""

    def __init__(self, port: int, source: str = "127.0.0.2") -> None:
        self.port = port
        self.source = source

    async def half_open(self, count: int, seconds: float) -> AttackStats:
        """Connections that never send a byte."""
        return await self._attack(count, seconds, self._silent)

    async def slowloris(self, count: int, seconds: float) -> AttackStats:
        """A request head that never ends: one header byte every 100 ms."""
        return await self._attack(count, seconds, self._slow_head)

    async def slow_body(self, count: int, seconds: float, path: str) -> AttackStats:
        """A complete POST head announcing 100 kB, then one body byte every 100 ms."""

        async def sender(writer: asyncio.StreamWriter) -> None:
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: watchdog\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000\r\n\r\n{".encode()
            )
            await _trickle(writer, b" ")

        return await self._attack(count, seconds, sender)

    async def _attack(self, count: int, seconds: float, behaviour: _Behaviour) -> AttackStats:
        stats = AttackStats()
        deadline = time.monotonic() + seconds
        workers = [self._worker(stats, deadline, behaviour) for _ in range(count)]
        await asyncio.gather(*workers)
        return stats

    async def _worker(self, stats: AttackStats, deadline: float, behaviour: _Behaviour) -> None:
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port, local_addr=(self.source, 0)),
                    timeout=max(0.01, deadline - time.monotonic()),
                )
            except (OSError, TimeoutError):
                stats.connect_failures += 1
                await asyncio.sleep(0.01)
                continue
            stats.opened += 1
            sending = asyncio.create_task(behaviour(writer))
            try:
                answer = await _read_until_closed(reader, deadline)
            finally:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await sending
                writer.close()
            if answer is None:
                return  # the deadline passed with the connection still open
            stats.closed_by_server += 1
            if answer:
                status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
                stats.answers[status] = stats.answers.get(status, 0) + 1

    @staticmethod
    async def _silent(_writer: asyncio.StreamWriter) -> None:
        await asyncio.Event().wait()

    @staticmethod
    async def _slow_head(writer: asyncio.StreamWriter) -> None:
        writer.write(b"GET /-/healthy HTTP/1.1\r\nHost: watchdog\r\nX-Slow: ")
        await _trickle(writer, b"a")


async def _trickle(writer: asyncio.StreamWriter, byte: bytes) -> None:
    while True:
        await asyncio.sleep(0.1)
        writer.write(byte)
        await writer.drain()


async def _read_until_closed(reader: asyncio.StreamReader, deadline: float) -> bytes | None:
    """What the server sent before closing; None when still open at the deadline."""
    received = b""
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            while chunk := await reader.read(4096):
                received += chunk
    except TimeoutError:
        return None
    except OSError:  # reset: closed without a goodbye
        pass
    return received
