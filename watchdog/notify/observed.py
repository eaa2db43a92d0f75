"""What delivery remembers for people to look at (the status page), never to decide with.

``DeliveryLedger``: which channel last accepted each alert (by fingerprint), bounded to the
most recent ``limit`` alerts. ``WatchedChannel``: wraps an emergency receiver's channel and
keeps its last success, last failure and last error, whatever code drives the channel.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aiohttp

from watchdog.clock import Clock
from watchdog.notify.http import Attempt
from watchdog.notify.receivers import EmergencyChannel, Message, Request
from watchdog.redact import redact

__all__ = ["Accepted", "DeliveryLedger", "WatchedChannel"]

LEDGER_LIMIT = 10_000


@dataclass(frozen=True)
class Accepted:
    """One alert accepted by one channel."""

    channel: str
    path: Literal["alertmanager", "emergency"]
    status: str
    at: float


class DeliveryLedger:
    """The last channel that accepted each alert; the oldest entries go first at the bound."""

    def __init__(self, limit: int = LEDGER_LIMIT) -> None:
        self._limit = limit
        self._entries: OrderedDict[str, Accepted] = OrderedDict()

    def record(
        self,
        items: Iterable[tuple[str, str]],
        channel: str,
        path: Literal["alertmanager", "emergency"],
        at: float,
    ) -> None:
        """``items``: (fingerprint, status) pairs ``channel`` accepted at ``at``."""
        for fingerprint, status in items:
            self._entries.pop(fingerprint, None)
            self._entries[fingerprint] = Accepted(channel, path, status, at)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def last(self, fingerprint: str) -> Accepted | None:
        """Who last accepted this alert, if anyone did since start."""
        return self._entries.get(fingerprint)


class WatchedChannel:
    """An ``EmergencyChannel`` that remembers how its sends went."""

    def __init__(self, inner: EmergencyChannel, clock: Clock) -> None:
        self.inner = inner
        self.name, self.kind = inner.name, inner.kind
        self.send_resolved, self.timeout = inner.send_resolved, inner.timeout
        self._clock = clock
        self.last_success: float | None = None
        self.last_failure: float | None = None
        self.last_error: str | None = None

    def requests(self, message: Message) -> list[Request]:
        """The inner channel's requests."""
        return self.inner.requests(message)

    async def send(
        self, session: aiohttp.ClientSession, request: Request, time_limit: float
    ) -> Attempt:
        """Send through the inner channel and note the outcome."""
        attempt = await self.inner.send(session, request, time_limit)
        if attempt.ok:
            self.last_success = self._clock.now()
        else:
            self.last_failure = self._clock.now()
            self.last_error = redact(attempt.error or attempt.outcome)
        return attempt
