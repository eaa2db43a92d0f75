"""The scheduler: isolated targets, aligned ticks, reconfiguration that keeps what is unchanged."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from aiohttp import web

from devstack.polling import async_wait_for
from tests.support.probe_harness import load_spec
from tests.support.webapp import serve
from watchdog.clock import SystemClock
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.health import LoopHealth
from watchdog.httpsession import make_session
from watchdog.metrics import MetricsRegistry
from watchdog.probes import PROBES
from watchdog.probes.base import ProbeContext, ProbeKind, ProbeResult
from watchdog.probes.metrics import ProbeMetrics
from watchdog.samples import Sample
from watchdog.scheduler import Scheduler, tick_offset
from watchdog.store import Matcher, SampleStore

STARTS: dict[str, list[float]] = {}
RUNS: dict[str, list[int]] = {}


class BehaviourTarget(TargetBase):
    """A test target whose probe behaves as told."""

    kind: Literal["behaviour"]
    behaviour: str


@dataclass
class _Runs:
    """A slot of the target's memory: how often it ran."""

    count: int = 0


async def _behave(ctx: ProbeContext[BehaviourTarget]) -> ProbeResult:
    STARTS.setdefault(ctx.spec.key, []).append(asyncio.get_running_loop().time())
    runs = ctx.memory.get(_Runs)
    runs.count += 1
    RUNS.setdefault(ctx.spec.key, []).append(runs.count)
    if ctx.config.behaviour == "hang":
        await asyncio.Event().wait()
    if ctx.config.behaviour == "raise":
        raise RuntimeError("probe bug")
    return ProbeResult([Sample("healthy_value", float(len(STARTS[ctx.spec.key])))])


@pytest.fixture(autouse=True)
def behaviour_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the test kind."""
    STARTS.clear()
    RUNS.clear()
    monkeypatch.setitem(PROBES, "behaviour", ProbeKind("behaviour", BehaviourTarget, _behave, ""))


@pytest.fixture
async def huge_server() -> AsyncIterator[str]:
    """Serves a 100 MB body."""

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"y" * (1024 * 1024))
        return response

    app = web.Application()
    app.router.add_get("/", huge)
    async with serve(app) as url:
        yield url


def _spec(tmp_path: Path, job: str, **target: object) -> TargetSpec:
    return load_spec({"job": job, "interval": "300ms", "timeout": "250ms", **target}, tmp_path)


def _scheduler(
    store: SampleStore,
    metrics: ProbeMetrics,
    session: object,
    tmp_path: Path,
    body_limit: int = 1024 * 1024,
) -> Scheduler:
    return Scheduler(
        store=store,
        metrics=metrics,
        session=session,  # type: ignore[arg-type]
        state_dir=tmp_path,
        clock=SystemClock(),
        health=LoopHealth(),
        body_size_limit=body_limit,
    )


async def test_bad_targets_cost_only_their_own_probes(tmp_path: Path, huge_server: str) -> None:
    """Hanging, crashing and 100 MB targets fail alone; the healthy one keeps pace with them."""
    specs = [
        _spec(tmp_path, "healthy", kind="behaviour", behaviour="ok"),
        _spec(tmp_path, "hang", kind="behaviour", behaviour="hang"),
        _spec(tmp_path, "raise", kind="behaviour", behaviour="raise"),
        _spec(tmp_path, "huge", kind="http", url=huge_server),
    ]
    store, metrics = SampleStore(), ProbeMetrics(MetricsRegistry())
    async with make_session() as session:
        scheduler = _scheduler(store, metrics, session, tmp_path)
        await scheduler.apply(specs)

        async def enough() -> bool:
            return all(s.probes >= 6 for s in scheduler.states.values())

        await async_wait_for(enough, timeout=30, message="six probes of every target")
        await scheduler.stop()

    states = {s.spec.job: s for s in scheduler.states.values()}
    assert states["healthy"].health == "up" and states["healthy"].failures == 0
    assert states["hang"].last_error == "probe timed out after 0.25s"
    assert states["raise"].last_error == "probe crashed: RuntimeError: probe bug"
    assert (
        states["huge"].last_error == f"{huge_server}: response body exceeds the 1048576-byte limit"
    )
    # Same interval, so if a bad target held up the loop the healthy one would fall behind.
    # Comparing counts (not times) keeps this true on a loaded machine.
    counts = {job: state.probes for job, state in states.items()}
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    [up] = store.instant(
        [Matcher("__name__", "=", "up"), Matcher("job", "=", "hang")], SystemClock().now()
    )
    assert up.value == 0.0


async def test_apply_keeps_unchanged_targets_and_drops_removed(tmp_path: Path) -> None:
    """Reconfiguring keeps unchanged tasks and state, restarts changed ones, forgets removed."""
    keep = _spec(tmp_path, "keep", kind="behaviour", behaviour="ok")
    change = _spec(tmp_path, "change", kind="behaviour", behaviour="ok")
    drop = _spec(tmp_path, "drop", kind="behaviour", behaviour="ok")
    store, metrics = SampleStore(), ProbeMetrics(MetricsRegistry())
    async with make_session() as session:
        scheduler = _scheduler(store, metrics, session, tmp_path)
        await scheduler.apply([keep, change, drop])
        await scheduler.wait_first_round()
        task_before = scheduler._running[keep.key].task
        probes_before = scheduler.states[keep.key].probes
        changed = _spec(tmp_path, "change", kind="behaviour", behaviour="raise")
        await scheduler.apply([keep, changed])
        assert scheduler._running[keep.key].task is task_before
        assert scheduler.states[keep.key].probes >= probes_before
        assert scheduler._running[changed.key].spec.fingerprint == changed.fingerprint
        assert drop.key not in scheduler.states
        assert store.source_series(drop.key) == set()
        now = SystemClock().now()
        assert store.instant([Matcher("job", "=", "drop")], now + 0.001) == []

        async def changed_failed() -> bool:
            return scheduler.states[changed.key].last_error is not None

        await async_wait_for(changed_failed, message="the changed target to run its new config")
        await scheduler.stop()
    assert metrics.config_targets._value.get() == 2


async def test_removing_a_target_lets_its_kind_forget_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a removed target is forgotten; a failing hook is logged, not fatal."""
    forgotten: list[tuple[Path, str]] = []

    def forget(state_dir: Path, key: str) -> None:
        forgotten.append((state_dir, key))
        if key.startswith("broken"):
            raise PermissionError(13, "Permission denied")

    kind = ProbeKind("behaviour", BehaviourTarget, _behave, "", forget=forget)
    monkeypatch.setitem(PROBES, "behaviour", kind)
    keep = _spec(tmp_path, "keep", kind="behaviour", behaviour="ok")
    change = _spec(tmp_path, "change", kind="behaviour", behaviour="ok")
    drop = _spec(tmp_path, "drop", kind="behaviour", behaviour="ok")
    broken = _spec(tmp_path, "broken", kind="behaviour", behaviour="ok")
    async with make_session() as session:
        scheduler = _scheduler(SampleStore(), ProbeMetrics(MetricsRegistry()), session, tmp_path)
        await scheduler.apply([keep, change, drop, broken])
        await scheduler.wait_first_round()
        changed = _spec(tmp_path, "change", kind="behaviour", behaviour="raise")
        await scheduler.apply([keep, changed])
        assert sorted(forgotten) == sorted([(tmp_path, drop.key), (tmp_path, broken.key)])
        assert set(scheduler._running) == {keep.key, changed.key}
        await scheduler.stop()
    assert len(forgotten) == 2  # stopping the daemon keeps every state


async def test_probe_memory_survives_changes_and_goes_with_the_target(tmp_path: Path) -> None:
    """A target's memory carries over when its settings change; removed and re-added, it is new."""
    spec = _spec(tmp_path, "mem", kind="behaviour", behaviour="ok")
    changed = _spec(tmp_path, "mem", kind="behaviour", behaviour="ok", labels={"v": "2"})

    async def runs_reach(count: int) -> bool:
        return len(RUNS.get(spec.key, [])) >= count

    async with make_session() as session:
        scheduler = _scheduler(SampleStore(), ProbeMetrics(MetricsRegistry()), session, tmp_path)
        await scheduler.apply([spec])
        await async_wait_for(lambda: runs_reach(2), message="two probes")
        await scheduler.apply([changed])
        before = len(RUNS[spec.key])
        await async_wait_for(lambda: runs_reach(before + 1), message="a probe after the change")
        await scheduler.apply([])
        removed_at = len(RUNS[spec.key])
        await scheduler.apply([spec])
        await async_wait_for(lambda: runs_reach(removed_at + 1), message="a probe once re-added")
        await scheduler.stop()
    counts = RUNS[spec.key]
    assert counts[:removed_at] == list(range(1, removed_at + 1)), "one memory through the change"
    assert counts[removed_at] == 1, "a re-added target starts with an empty memory"


class OtherTarget(TargetBase):
    """A second test kind that behaves the same."""

    kind: Literal["other"]
    behaviour: str


async def test_a_target_that_changes_kind_starts_with_an_empty_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same job and instance, another kind: what the first kind remembered is not handed over."""
    monkeypatch.setitem(PROBES, "other", ProbeKind("other", OtherTarget, _behave, ""))
    spec = _spec(tmp_path, "same", kind="behaviour", behaviour="ok")
    other = _spec(tmp_path, "same", kind="other", behaviour="ok")

    async def runs_reach(count: int) -> bool:
        return len(RUNS.get(spec.key, [])) >= count

    async with make_session() as session:
        scheduler = _scheduler(SampleStore(), ProbeMetrics(MetricsRegistry()), session, tmp_path)
        await scheduler.apply([spec])
        await async_wait_for(lambda: runs_reach(2), message="two probes")
        await scheduler.apply([other])
        switched_at = len(RUNS[spec.key])
        await async_wait_for(lambda: runs_reach(switched_at + 1), message="a probe of the new kind")
        await scheduler.stop()
    assert RUNS[spec.key][switched_at] == 1


async def test_undeclared_metrics_are_counted_once_per_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind returning a name it does not declare raises the counter once, not every probe."""
    kind = ProbeKind("behaviour", BehaviourTarget, _behave, "", produces=frozenset({"other"}))
    monkeypatch.setitem(PROBES, "behaviour", kind)
    spec = _spec(tmp_path, "loose", kind="behaviour", behaviour="ok")
    registry = MetricsRegistry()
    async with make_session() as session:
        scheduler = _scheduler(SampleStore(), ProbeMetrics(registry), session, tmp_path)
        await scheduler.apply([spec])

        async def three() -> bool:
            return len(RUNS.get(spec.key, [])) >= 3

        await async_wait_for(three, message="three probes")
        await scheduler.stop()
    counted = registry.get_sample_value(
        "watchdog_probe_undeclared_names_total", {"kind": "behaviour"}
    )
    assert counted == 1.0  # healthy_value, once


def test_tick_offsets_spread_and_are_stable() -> None:
    """Offsets are deterministic per target and spread across the interval."""
    offsets = [tick_offset(f"job/{i}", 10.0) for i in range(1000)]
    assert offsets == [tick_offset(f"job/{i}", 10.0) for i in range(1000)]
    assert all(0 <= o < 10 for o in offsets)
    buckets = [sum(1 for o in offsets if k <= o < k + 1) for k in range(10)]
    assert min(buckets) > 50  # no tenth of the interval is left empty


async def test_targets_are_expected_by_the_health_check_before_their_first_probe(
    tmp_path: Path,
) -> None:
    """A started target registers with LoopHealth at once, so one that never probes shows."""
    spec = _spec(tmp_path, "late", kind="behaviour", behaviour="ok", interval="10s")
    health = LoopHealth()
    async with make_session() as session:
        scheduler = Scheduler(
            store=SampleStore(),
            metrics=ProbeMetrics(MetricsRegistry()),
            session=session,
            state_dir=tmp_path,
            clock=SystemClock(),
            health=health,
            body_size_limit=1024,
        )
        await scheduler.apply([spec])

        async def registered() -> bool:
            return health.expected() == [f"target:{spec.key}"]

        await async_wait_for(registered, message="the target to register with the health check")
        assert health.healthy()  # registered with a deadline still ahead
        await scheduler.stop()
