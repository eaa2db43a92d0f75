"""Delivery loops that survive their own bugs: a failing step is logged and retried."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from watchdog.logs import get_logger

__all__ = ["run_forever"]


async def run_forever(
    step: Callable[[], Awaitable[None]], *, name: str, pause: float = 1.0
) -> None:
    """Call ``step`` until cancelled.

    An exception (a bug, a full disk under the outbox) is logged with its traceback and the
    step is retried after ``pause`` seconds: delivery must not stop for good because one
    iteration failed.
    """
    log = get_logger("notify")
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery loop step failed; retrying", loop=name, pause=pause)
            await asyncio.sleep(pause)
