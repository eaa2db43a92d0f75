"""Wait for a condition with a deadline instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["async_wait_for", "wait_for"]

T = TypeVar("T")


class _Deadline:
    """Tracks the deadline and the last error of one wait."""

    def __init__(self, timeout: float, message: str) -> None:
        self.timeout = timeout
        self.message = message
        self.end = time.monotonic() + timeout
        self.last_error: Exception | None = None

    def check(self) -> None:
        if time.monotonic() > self.end:
            detail = f" (last error: {self.last_error!r})" if self.last_error else ""
            raise AssertionError(
                f"timed out after {self.timeout}s waiting for {self.message}{detail}"
            )


def wait_for(
    predicate: Callable[[], T | None],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = _Deadline(timeout, message)
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the condition may raise while a server is still starting
            deadline.last_error = exc
        deadline.check()
        time.sleep(interval)


async def async_wait_for(
    predicate: Callable[[], Awaitable[T | None]],
    timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the whole poll, not one call
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Async version of ``wait_for``."""
    deadline = _Deadline(timeout, message)
    while True:
        try:
            value = await predicate()
            if value:
                return value
        except Exception as exc:
            deadline.last_error = exc
        deadline.check()
        await asyncio.sleep(interval)
