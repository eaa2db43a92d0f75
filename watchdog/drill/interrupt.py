"""SIGINT/SIGTERM during a drill: stop the running stage, but let it undo what it did first.

The first signal cancels the stage that is running. Cancellation reaches each job at its
current ``await``; a job's ``finally`` then restores what it disturbed (runs the start command,
stops and removes the throw-away server) and the runner records the interruption, skips the
remaining stages and writes the report. Later signals cancel nothing: they only say that the
drill is restoring and will exit when done (everything it still does is bounded by a
timeout). Only SIGKILL can stop it from restoring; the docs say so.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Interrupt", "handle_signals", "uninterrupted"]

T = TypeVar("T")


class Interrupt:
    """Whether (and by which signal) the drill was interrupted, and what to cancel then."""

    def __init__(self) -> None:
        self.signal: str | None = None
        self._current: asyncio.Future[Any] | None = None

    def guard(self, future: asyncio.Future[Any]) -> None:
        """``future`` (a stage's jobs) is what the next signal cancels."""
        self._current = future

    def release(self) -> None:
        """Nothing to cancel right now."""
        self._current = None

    def trigger(self, name: str) -> None:
        """A signal arrived: cancel the running stage the first time, report afterwards."""
        if self.signal is None:
            self.signal = name
            print(
                f"drill: {name}: stopping; first undoing what the running stage changed"
                " (start commands, the throw-away server)",
                file=sys.stderr,
                flush=True,
            )
            if self._current is not None and not self._current.done():
                self._current.cancel()
            return
        print(
            f"drill: {name}: still restoring after {self.signal}; it exits when that is done",
            file=sys.stderr,
            flush=True,
        )


@contextmanager
def handle_signals(interrupt: Interrupt) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``interrupt`` while the running loop runs the drill."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, interrupt.trigger, signal.Signals(signum).name)
        except (NotImplementedError, RuntimeError):  # not the main thread: nothing to route
            continue
        installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def uninterrupted(work: Awaitable[T]) -> T:
    """Run ``work`` to its end even when the drill is interrupted meanwhile (a start command,
    removing the throw-away server, resolving the test alert); the interruption is passed on
    once it is done. ``work`` must bound its own time."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
