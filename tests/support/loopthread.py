"""An asyncio event loop on a daemon thread, for servers that sync tests and subprocesses reach."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["LoopThread"]


class LoopThread:
    """Runs a private loop forever on its own thread until ``stop`` (which also closes it)."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> LoopThread:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    @property
    def closed(self) -> bool:
        """True once ``stop`` has closed the loop."""
        return self.loop.is_closed()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=timeout)

    def call(self, callback: Callable[[], object]) -> None:
        """Schedule a plain callback on the loop."""
        self.loop.call_soon_threadsafe(callback)

    def stop(self) -> None:
        """Stop the loop, join the thread and close the loop."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()
