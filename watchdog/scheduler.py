"""One asyncio task per target: jittered, aligned ticks; lag measured; failures isolated."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from watchdog.clock import Clock
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.probes import PROBES
from watchdog.probes.base import TargetMemory
from watchdog.probes.metrics import ProbeMetrics
from watchdog.probes.runner import ProbeOutcome, probe_target
from watchdog.store import SampleStore
from watchdog.target_state import TargetState

__all__ = ["FIRST_ROUND_SPREAD", "ProbeListener", "Scheduler", "tick_offset"]

FIRST_ROUND_SPREAD = 2.0
"""Seconds over which the first probe of every target is spread at start-up."""
_UNDECLARED_REMEMBERED = 1000
"""Undeclared (kind, name) pairs remembered so each is counted and logged once."""

ConfigT = TypeVar("ConfigT", bound=TargetBase)
ProbeListener = Callable[[ConfigT, ProbeOutcome], None]
"""Called after every probe of a target whose config is of the subscribed type."""


def tick_offset(key: str, interval: float) -> float:
    """A stable offset in ``[0, interval)`` so targets spread over the interval."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * interval


@dataclass
class _Running:
    spec: TargetSpec
    task: asyncio.Task[None]


class Scheduler:
    """Runs every target on its own schedule and feeds outcomes to the store."""

    def __init__(
        self,
        *,
        store: SampleStore,
        metrics: ProbeMetrics,
        session: aiohttp.ClientSession,
        state_dir: Path,
        clock: Clock,
        health: LoopHealth,
        body_size_limit: int,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._session = session
        self._state_dir = state_dir
        self._clock = clock
        self._health = health
        self._body_size_limit = body_size_limit
        self._listeners: list[tuple[type[TargetBase], ProbeListener[Any]]] = []
        self._running: dict[str, _Running] = {}
        self._memory: dict[str, TargetMemory] = {}
        self._undeclared: set[tuple[str, str]] = set()
        self.states: dict[str, TargetState] = {}
        self._first_round = asyncio.Event()
        self._log = get_logger("scheduler")

    @property
    def first_round_done(self) -> bool:
        """True once every configured target has been probed at least once."""
        return self._first_round.is_set()

    async def wait_first_round(self) -> None:
        """Wait until every configured target has been probed once."""
        await self._first_round.wait()

    def subscribe(self, config_type: type[ConfigT], listener: ProbeListener[ConfigT]) -> None:
        """Call ``listener`` after every probe of a ``config_type`` target (after the store has
        the samples), e.g. ``subscribe(AlertmanagerTarget, ...)`` for Alertmanager health."""
        self._listeners.append((config_type, listener))

    async def apply(self, specs: Iterable[TargetSpec], body_size_limit: int | None = None) -> None:
        """Run exactly ``specs``: unchanged targets keep their task, schedule and state."""
        if body_size_limit is not None:
            self._body_size_limit = body_size_limit
        wanted = {spec.key: spec for spec in specs}
        for key in [
            k
            for k, run in self._running.items()
            if k not in wanted or wanted[k].fingerprint != run.spec.fingerprint
        ]:
            old_kind = self._running[key].spec.kind
            await self._stop_target(key, forget=key not in wanted)
            if key in wanted and wanted[key].kind != old_kind:
                self._memory.pop(key, None)  # what one kind remembered means nothing to another
        for key, spec in wanted.items():
            if key not in self._running:
                self.states.setdefault(key, TargetState(spec)).spec = spec
                task = asyncio.create_task(self._loop(spec), name=f"probe:{key}")
                self._running[key] = _Running(spec, task)
        self._metrics.config_targets.set(len(wanted))
        self._check_first_round()

    async def stop(self) -> None:
        """Cancel every target task and wait for them to finish."""
        for key in list(self._running):
            await self._stop_target(key, forget=False)

    async def _stop_target(self, key: str, *, forget: bool) -> None:
        running = self._running.pop(key)
        running.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running.task
        if forget:
            spec = running.spec
            self.states.pop(key, None)
            self._memory.pop(key, None)
            self._store.drop_source(key, self._clock.now())
            self._metrics.forget_target(spec.job, spec.instance, spec.kind)
            self._health.forget(f"target:{key}")
            self._forget_probe_state(spec)

    def _forget_probe_state(self, spec: TargetSpec) -> None:
        forget = PROBES[spec.kind].forget
        if forget is None:
            return
        try:
            forget(self._state_dir, spec.key)
        except OSError as exc:
            self._log.warning("removed target's probe state kept", target=spec.key, error=str(exc))

    async def _loop(self, spec: TargetSpec) -> None:
        # Expect a first probe within the start-up spread: a target whose loop never gets to
        # probe must make the daemon unhealthy, not be invisible to the health check.
        self._health.tick(
            f"target:{spec.key}", within=FIRST_ROUND_SPREAD + 2 * spec.interval + spec.timeout
        )
        # Kept across changes of the target's settings; dropped when the target is removed.
        memory = self._memory.setdefault(spec.key, TargetMemory())
        loop = asyncio.get_running_loop()
        offset = tick_offset(spec.key, spec.interval)
        base = loop.time()
        planned = base + offset * min(1.0, FIRST_ROUND_SPREAD / spec.interval)
        aligned = base + offset
        on_grid = False
        while True:
            await asyncio.sleep(max(0.0, planned - loop.time()))
            lag = max(0.0, loop.time() - planned)
            self._metrics.scheduler_lag.observe(lag)
            self._health.record_lag(lag)
            outcome = await probe_target(
                spec,
                self._session,
                self._state_dir,
                self._clock,
                self._body_size_limit,
                memory,
            )
            self._record(spec, outcome)
            # Next tick on the aligned grid; ticks that already passed are counted and skipped.
            now = loop.time()
            next_tick = aligned + spec.interval * (int((now - aligned) // spec.interval) + 1)
            if on_grid:
                missed = round((next_tick - planned) / spec.interval) - 1
                if missed > 0:
                    self._metrics.scheduler_missed.inc(missed)
            planned, on_grid = next_tick, True

    def _record(self, spec: TargetSpec, outcome: ProbeOutcome) -> None:
        labels = (spec.job, spec.instance, spec.kind)
        self._metrics.probes.labels(*labels).inc()
        self._metrics.probe_duration.labels(*labels).set(outcome.duration)
        self._metrics.target_up.labels(*labels).set(1 if outcome.up else 0)
        if not outcome.success:
            self._metrics.probe_failures.labels(*labels).inc()
        self._note_undeclared(spec.kind, outcome.undeclared)
        # A failed probe carries only up/duration/success, so everything else goes stale at once.
        self._store.ingest(spec.key, outcome.started, outcome.series)
        self._health.tick(f"target:{spec.key}", within=2 * spec.interval + spec.timeout)

        state = self.states.setdefault(spec.key, TargetState(spec))
        previous = state.update(outcome)
        if previous is not None and (previous != "unknown" or not outcome.up):
            log = self._log.warning if not outcome.up else self._log.info
            log(
                "target health changed",
                job=spec.job,
                instance=spec.instance,
                kind=spec.kind,
                previous=previous,
                health=state.health,
                error=outcome.error,
            )
        for config_type, listener in self._listeners:
            if not isinstance(spec.config, config_type):
                continue
            try:
                listener(spec.config, outcome)
            except Exception:
                self._log.exception("outcome listener failed", target=spec.key)
        self._check_first_round()

    def _note_undeclared(self, kind: str, names: frozenset[str]) -> None:
        for name in sorted(names):
            if (kind, name) in self._undeclared or len(self._undeclared) >= _UNDECLARED_REMEMBERED:
                continue
            self._undeclared.add((kind, name))
            self._metrics.undeclared_names.labels(kind).inc()
            self._log.warning(
                "probe returned a metric its kind does not declare; the rule lint cannot see it",
                kind=kind,
                metric=name,
            )

    def _check_first_round(self) -> None:
        if not self._first_round.is_set() and all(
            self.states.get(key) is not None and self.states[key].probes > 0
            for key in self._running
        ):
            self._first_round.set()
