"""Run a one-shot command's coroutine so that a hung worker thread cannot hold up its exit.

``asyncio.run`` joins the default executor's threads on the way out, and Python joins every
``ThreadPoolExecutor`` thread at interpreter exit. A probe that offloads a blocking call which
then hangs (a file scan on a dead NFS mount) would keep ``once`` from ever finishing, although
the probe itself timed out long ago. Here every offloaded call runs on its own daemon thread
and shutdown does not wait, so the command ends when its coroutine does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

__all__ = ["DaemonThreadExecutor", "run_bounded"]

P = ParamSpec("P")
T = TypeVar("T")


class DaemonThreadExecutor(ThreadPoolExecutor):
    """Each job on a fresh daemon thread; ``shutdown`` never waits for running jobs."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Start ``fn`` on its own daemon thread."""
        future: Future[T] = Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever awaits the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=work, daemon=True, name="oneshot-worker").start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to join: abandoned jobs die with the process."""


def run_bounded(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` with a default executor whose threads never delay the exit."""

    async def wrapped() -> T:
        asyncio.get_running_loop().set_default_executor(DaemonThreadExecutor(max_workers=1))
        return await main

    return asyncio.run(wrapped())
