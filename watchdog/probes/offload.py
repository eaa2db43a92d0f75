"""Run blocking work (hvac calls, hashing big files) off the event loop, boundedly.

Why not ``asyncio.to_thread``: a hung Vault or a stuck network file system would keep
adding threads to the shared default executor, one per probe interval, and its worker
threads are joined at interpreter exit, so shutdown would hang. Here each pool has a fixed
number of *daemon* threads, a job is single-flight per key (a probe that finds its previous
job still running waits for that one instead of starting another), and a full pool is
reported instead of queued.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from pathlib import Path
from typing import Generic, TypeVar

from watchdog.probes.base import ProbeError

__all__ = ["OffloadBusyError", "OffloadTimeoutError", "Offloader", "read_small_file"]

T = TypeVar("T")


class OffloadBusyError(Exception):
    """Every worker thread of the pool is busy (with earlier, probably hung, jobs)."""


class OffloadTimeoutError(Exception):
    """The job did not finish within the caller's budget; it keeps running in its thread."""


class Offloader(Generic[T]):
    """A small pool of daemon threads with one in-flight job per key."""

    def __init__(self, name: str, max_threads: int) -> None:
        self.name = name
        self.max_threads = max_threads
        self._slots = threading.BoundedSemaphore(max_threads)
        self._jobs: dict[Hashable, Future[T]] = {}
        self._lock = threading.Lock()

    def in_flight(self) -> int:
        """Jobs currently running."""
        with self._lock:
            return len(self._jobs)

    def submit(self, key: Hashable, work: Callable[[], T]) -> Future[T]:
        """Start ``work`` for ``key``, or return the job already running for ``key``."""
        with self._lock:
            running = self._jobs.get(key)
            # A finished job may still be listed for a moment (its thread removes it after
            # handing over the result): joining it would return a stale result.
            if running is not None and not running.done():
                return running
            if not self._slots.acquire(blocking=False):
                raise OffloadBusyError(
                    f"all {self.max_threads} {self.name} threads are busy with earlier jobs"
                )
            job: Future[T] = Future()
            job.set_running_or_notify_cancel()
            self._jobs[key] = job
        thread = threading.Thread(
            target=self._work, args=(key, job, work), daemon=True, name=f"{self.name}-worker"
        )
        thread.start()
        return job

    def _work(self, key: Hashable, job: Future[T], work: Callable[[], T]) -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting probe, never lost
            job.set_exception(exc)
        else:
            job.set_result(result)
        finally:
            with self._lock:
                if self._jobs.get(key) is job:
                    del self._jobs[key]
            self._slots.release()

    async def run(self, key: Hashable, work: Callable[[], T], budget: float) -> T:
        """Run (or join) the job for ``key`` and wait at most ``budget`` seconds for it."""
        job = self.submit(key, work)
        try:
            async with asyncio.timeout(max(budget, 0.0)):
                # shield: giving up waiting must not cancel a job another probe may join.
                return await asyncio.shield(asyncio.wrap_future(job))
        except TimeoutError:
            raise OffloadTimeoutError(
                f"still running after {budget:.3g}s (continues in the background)"
            ) from None

    async def run_in_probe(
        self, key: Hashable, work: Callable[[], T], budget: float, doing: str
    ) -> T:
        """``run``, with a job that cannot start or finish turned into a ProbeError that
        says what was being done (``doing``, e.g. ``reading /etc/ssl/ca.crl``)."""
        try:
            return await self.run(key, work, budget)
        except OffloadTimeoutError:
            raise ProbeError(f"{doing} did not finish within {budget:.3g}s") from None
        except OffloadBusyError as exc:
            raise ProbeError(f"{doing}: {exc}") from None


def read_small_file(path: Path, limit: int) -> bytes:
    """Read a file of at most ``limit`` bytes (blocking); ProbeError says what went wrong."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ProbeError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ProbeError(f"{path} is a directory") from None
    except PermissionError:
        raise ProbeError(f"{path} is not readable by this user") from None
    except OSError as exc:
        raise ProbeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ProbeError(f"{path} is over the {limit}-byte limit")
    return data
