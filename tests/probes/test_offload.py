"""The bounded, single-flight thread pool that keeps blocking work off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from watchdog.probes.offload import OffloadBusyError, Offloader, OffloadTimeoutError


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """An event that blocked jobs wait on; always released at the end."""
    event = threading.Event()
    yield event
    event.set()


async def test_result_and_exception_reach_the_caller() -> None:
    """A job's value is returned and its exception re-raised in the awaiting probe."""
    pool: Offloader[int] = Offloader("t", 2)
    assert await pool.run("a", lambda: 41 + 1, budget=5) == 42

    def boom() -> int:
        raise ValueError("bad snapshot")

    with pytest.raises(ValueError, match="bad snapshot"):
        await pool.run("b", boom, budget=5)
    assert pool.in_flight() == 0


async def test_a_slow_job_times_out_but_keeps_running_and_can_be_joined(
    gate: threading.Event,
) -> None:
    """Giving up waiting does not start a second job: the next caller joins the first."""
    pool: Offloader[str] = Offloader("t", 2)
    starts: list[int] = []

    def slow() -> str:
        starts.append(1)
        gate.wait(10)
        return "done"

    with pytest.raises(OffloadTimeoutError, match=r"still running after 0\.05s"):
        await pool.run("k", slow, budget=0.05)
    assert pool.in_flight() == 1
    gate.set()
    assert await pool.run("k", slow, budget=5) == "done"
    assert starts == [1]


async def test_a_full_pool_refuses_instead_of_queueing(gate: threading.Event) -> None:
    """With every thread stuck, new work is refused at once: threads never pile up."""
    pool: Offloader[None] = Offloader("hvac", 2)
    for key in ("a", "b"):
        pool.submit(key, lambda: gate.wait(10) and None)
    with pytest.raises(OffloadBusyError, match="all 2 hvac threads are busy"):
        pool.submit("c", lambda: None)
    gate.set()


async def test_worker_threads_are_daemons(gate: threading.Event) -> None:
    """A job stuck forever cannot block interpreter shutdown."""
    pool: Offloader[None] = Offloader("t", 1)
    pool.submit("a", lambda: gate.wait(10) and None)
    workers = [t for t in threading.enumerate() if t.name == "t-worker"]
    assert workers
    assert all(t.daemon for t in workers)


def test_a_finished_job_is_not_joined(gate: threading.Event) -> None:
    """A job that has its result but whose thread has not yet let go of its key is not joined
    by the next run of that key: the next run gets its own, fresh result."""
    pool: Offloader[int] = Offloader("t", 2)
    hold = threading.Event()
    first = pool.submit("k", lambda: 1 if gate.wait(10) else 0)
    first.add_done_callback(lambda _job: hold.wait(10))  # keeps its thread inside set_result
    gate.set()
    first.result(timeout=10)
    second = pool.submit("k", lambda: 2)
    hold.set()
    assert second.result(timeout=10) == 2
