"""A hung worker thread cannot keep a one-shot command from returning."""

from __future__ import annotations

import asyncio
import threading

from watchdog.once.loop import run_bounded


def test_returns_while_an_offloaded_call_still_hangs() -> None:
    """The coroutine gives up on a stuck ``to_thread`` call; run_bounded returns anyway."""
    release = threading.Event()

    async def main() -> str:
        stuck = asyncio.create_task(asyncio.to_thread(release.wait))
        done, _ = await asyncio.wait({stuck}, timeout=0.05)
        return "gave up" if not done else "finished"

    try:
        assert run_bounded(main()) == "gave up"
        worker = next(t for t in threading.enumerate() if t.name == "oneshot-worker")
        assert worker.daemon, "a daemon thread does not hold up interpreter exit"
    finally:
        release.set()


def test_results_and_errors_of_offloaded_calls_come_back() -> None:
    """Ordinary offloaded calls behave as with the standard executor."""

    def fail() -> None:
        raise ValueError("boom")

    async def main() -> tuple[int, str]:
        value = await asyncio.to_thread(sum, [1, 2, 3])
        try:
            await asyncio.to_thread(fail)
        except ValueError as exc:
            return value, str(exc)
        return value, ""

    assert run_bounded(main()) == (6, "boom")
