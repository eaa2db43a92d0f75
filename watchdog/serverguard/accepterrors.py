"""``accept()`` failures: one JSON log line when they start and one when they stop.

When the process runs out of file descriptors (or kernel buffers), asyncio's listener cannot
accept, reports it through the loop's exception handler and retries a second later. Left to
the default handler, that is a plain-text line with a traceback on every retry, tens of
thousands of them in an attack. ``AcceptErrors.install`` takes that one report over: each
failure is counted in ``watchdog_http_accept_errors_total``; the log gets one error line when
accepting starts failing and one info line when a connection is accepted again. Every other
report goes on to the previous handler (the default one logs through the stdlib bridge, as
JSON).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from watchdog.logs import get_logger
from watchdog.serverguard.metrics import ServerMetrics

__all__ = ["ACCEPT_FAILURE_MESSAGE", "AcceptErrors"]

ACCEPT_FAILURE_MESSAGE = "socket.accept() out of system resource"
"""The message asyncio's selector loop reports a failed ``accept()`` with."""

ExceptionHandler = Any  # asyncio's handler type is private; (loop, context) -> None


class AcceptErrors:
    """The failing/accepting state of one listener, logged once per change."""

    def __init__(self, metrics: ServerMetrics) -> None:
        self._metrics = metrics
        self._failing_since: float | None = None
        self._failures = 0
        self._log = get_logger("server")
        self._previous: ExceptionHandler = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def failing(self) -> bool:
        """True from the first failed accept until the next accepted connection."""
        return self._failing_since is not None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Route the loop's accept-failure reports here (others go to the previous handler)."""
        self._loop = loop
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self._handle)

    def uninstall(self) -> None:
        """Restore the previous exception handler."""
        if self._loop is not None:
            self._loop.set_exception_handler(self._previous)
            self._loop = None

    def failed(self, exc: BaseException | None) -> None:
        """One ``accept()`` failed."""
        self._metrics.http_accept_errors.inc()
        self._failures += 1
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            self._metrics.http_accept_failing.set(1)
            self._log.error(
                "cannot accept connections; retrying every second",
                error=f"{type(exc).__name__}: {exc}" if exc is not None else "unknown",
            )

    def accepted(self) -> None:
        """A connection was accepted: if accepting had been failing, say it recovered."""
        if self._failing_since is None:
            return
        lasted = time.monotonic() - self._failing_since
        self._log.info(
            "accepting connections again",
            failed_accepts=self._failures,
            failing_for_seconds=round(lasted, 3),
        )
        self._failing_since, self._failures = None, 0
        self._metrics.http_accept_failing.set(0)

    def _handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == ACCEPT_FAILURE_MESSAGE:
            self.failed(context.get("exception"))
            return
        if self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)
