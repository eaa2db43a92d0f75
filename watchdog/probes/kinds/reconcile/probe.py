"""One run of the ``reconcile`` probe: pick the windows to check, count them everywhere, judge.

Each backend is asked in its own lane — one query at a time, the streams' windows interleaved,
all lanes concurrently — so a slow or hanging backend costs only its own lane, and no backend
ever sees more than one query of this target at once. A lane stops asking for a stream after
a refused query (the next would be refused too) and stops altogether when the run's time
budget runs out. The content check, where configured, is a second round of lanes for the
windows whose counts allow it. Then every checked window is judged (``state``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from watchdog.probes.base import ProbeContext, ProbeResult
from watchdog.probes.kinds.reconcile.config import (
    Backend,
    HttpCount,
    ReconcileTarget,
    StreamConfig,
)
from watchdog.probes.kinds.reconcile.content import IdList, compare_ids, fetch_ids
from watchdog.probes.kinds.reconcile.counting import CountError, count_records
from watchdog.probes.kinds.reconcile.report import RunNotes, build_report
from watchdog.probes.kinds.reconcile.state import Policy, StreamState, Window

__all__ = ["ReconcileMemory", "probe_reconcile"]

_BUDGET_SHARE = 0.9
"""Share of the target timeout the run plans for, leaving room to judge and report."""

Key = tuple[str, int]
"""(stream name, window start)."""


@dataclass(frozen=True)
class Failure:
    """A query that was made and failed."""

    reason: str


@dataclass
class ReconcileMemory:
    """The target's streams between runs (a slot of its ``TargetMemory``)."""

    streams: dict[str, StreamState] = field(default_factory=dict)


Fetch = Callable[[Backend, StreamConfig, int], Awaitable[object]]


async def probe_reconcile(ctx: ProbeContext[ReconcileTarget]) -> ProbeResult:
    """Advance the windows, count, compare, judge, report."""
    cfg = ctx.config
    deadline = asyncio.get_running_loop().time() + ctx.timeout * _BUDGET_SHARE
    now = ctx.clock.now()
    policy = _policy(cfg)
    states = _sync(ctx.memory.get(ReconcileMemory), cfg)
    plan: dict[str, list[Window]] = {}
    for stream in cfg.streams:
        state = states[stream.name]
        plan[stream.name] = state.select(now, policy, state.advance(now, policy))
    limit = min(ctx.body_size_limit, cfg.max_response_bytes)

    async def count(backend: Backend, stream: StreamConfig, start: int) -> object:
        return await count_records(ctx.session, backend, stream, start, cfg.window_seconds, limit)

    counts = await _lanes(cfg, _count_jobs(cfg, plan), count, deadline)
    notes = RunNotes()
    verdicts: dict[tuple[str, int, str], bool] = {}
    for stream in cfg.streams:
        state = states[stream.name]
        for window in plan[stream.name]:
            _record(state, stream.name, window, cfg.primary_name, counts, now, verdicts)

    async def ids(backend: Backend, stream: StreamConfig, start: int) -> object:
        assert stream.content is not None
        return await fetch_ids(
            ctx.session, backend, stream, stream.content, start, cfg.window_seconds, limit
        )

    wanted = _content_jobs(cfg, plan, verdicts)
    fetched = await _lanes(cfg, wanted, ids, deadline) if wanted else {}
    for stream in cfg.streams:
        state = states[stream.name]
        for window in plan[stream.name]:
            _decide(state, window, stream, cfg, verdicts, fetched, now, notes)
            for name in list(window.waiting):
                if (stream.name, window.start) in counts.get(name, {}) and state.give_up(
                    window, name, now, policy
                ):
                    notes.given_up.append((name, stream.name, window.start))
        notes.expired += state.expire_stale(now, policy)
        state.settle_pending()
    _query_health(cfg, states, counts, fetched)
    report = build_report(cfg, states, now, notes)
    return ProbeResult(report.samples, report.failure, report.facts)


def _policy(cfg: ReconcileTarget) -> Policy:
    return Policy(
        window=cfg.window_seconds,
        settle=cfg.settle,
        max_settle=cfg.max_settle,
        lookback=cfg.lookback_seconds,
        per_run=cfg.max_windows_per_run,
        primary=cfg.primary_name,
        retention={b.name: b.retention for b in cfg.backends},
    )


def _sync(memory: ReconcileMemory, cfg: ReconcileTarget) -> dict[str, StreamState]:
    """The streams' states, fresh for new streams and for streams whose meaning changed."""
    states: dict[str, StreamState] = {}
    for stream in cfg.streams:
        key = cfg.stream_key(stream)
        state = memory.streams.get(stream.name)
        if state is None or state.key != key:
            state = StreamState(key, cfg.window_seconds, cfg.primary_name)
        state.sync_backends(b.name for b in cfg.backends)
        states[stream.name] = state
    memory.streams = states
    return states


def _count_jobs(
    cfg: ReconcileTarget, plan: dict[str, list[Window]]
) -> dict[str, list[tuple[StreamConfig, int]]]:
    """Per backend, the (stream, window) pairs to count, the streams interleaved."""
    jobs: dict[str, list[tuple[StreamConfig, int]]] = {b.name: [] for b in cfg.backends}
    depth = max((len(windows) for windows in plan.values()), default=0)
    for position in range(depth):
        for stream in cfg.streams:
            windows = plan[stream.name]
            if position >= len(windows):
                continue
            window = windows[position]
            for name in (cfg.primary_name, *window.waiting):
                jobs[name].append((stream, window.start))
    return jobs


async def _lanes(
    cfg: ReconcileTarget,
    jobs: dict[str, list[tuple[StreamConfig, int]]],
    fetch: Fetch,
    deadline: float,
) -> dict[str, dict[Key, object]]:
    backends = {b.name: b for b in cfg.backends}
    names = [name for name, listed in jobs.items() if listed]
    done = await asyncio.gather(*(_lane(backends[n], jobs[n], fetch, deadline) for n in names))
    return dict(zip(names, done, strict=True))


async def _lane(
    backend: Backend, jobs: list[tuple[StreamConfig, int]], fetch: Fetch, deadline: float
) -> dict[Key, object]:
    """Ask one backend, one query at a time; a missing key means "not asked in this run"."""
    results: dict[Key, object] = {}
    refused: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    for stream, start in jobs:
        key = (stream.name, start)
        if stream.name in refused:
            results[key] = Failure(refused[stream.name])
            continue
        t0 = loop.time()
        try:
            async with asyncio.timeout_at(deadline):
                results[key] = await fetch(backend, stream, start)
        except CountError as exc:
            refused[stream.name] = str(exc)
            results[key] = Failure(str(exc))
        except TimeoutError:
            if not results:  # not even one answer in the whole budget: the backend is slow
                results[key] = Failure(f"no answer within {loop.time() - t0:.1f}s")
            break
    return results


def _record(
    state: StreamState,
    stream: str,
    window: Window,
    primary_name: str,
    counts: dict[str, dict[Key, object]],
    now: float,
    verdicts: dict[tuple[str, int, str], bool],
) -> None:
    """Store this run's counts of one window; remember each comparison's verdict."""
    key = (stream, window.start)
    window.last_checked = now
    primary = counts.get(primary_name, {}).get(key)
    if isinstance(primary, int):
        state.record_primary(window, primary)
    for name in list(window.waiting):
        found = counts.get(name, {}).get(key)
        if isinstance(found, int):
            verdict = state.record_count(window, name, found)
            if verdict is not None:
                verdicts[(stream, window.start, name)] = verdict


def _content_jobs(
    cfg: ReconcileTarget,
    plan: dict[str, list[Window]],
    verdicts: dict[tuple[str, int, str], bool],
) -> dict[str, list[tuple[StreamConfig, int]]]:
    """Per backend, the windows whose ids are worth fetching in this run."""
    backends = {b.name: b for b in cfg.backends}
    jobs: dict[str, list[tuple[StreamConfig, int]]] = {b.name: [] for b in cfg.backends}
    if isinstance(backends[cfg.primary_name], HttpCount):
        return {}
    for stream in cfg.streams:
        content = stream.content
        if content is None:
            continue
        for window in plan[stream.name]:
            needed = [
                name
                for name, wait in window.waiting.items()
                if (stream.name, window.start, name) in verdicts
                and not isinstance(backends[name], HttpCount)
                and window.primary
                and wait.count is not None
                and max(window.primary, wait.count) <= content.max_records
                and wait.ids_checked_at != (window.primary, wait.count)
            ]
            if needed:
                jobs[cfg.primary_name].append((stream, window.start))
                for name in needed:
                    jobs[name].append((stream, window.start))
    return {name: listed for name, listed in jobs.items() if listed}


def _decide(
    state: StreamState,
    window: Window,
    stream: StreamConfig,
    cfg: ReconcileTarget,
    verdicts: dict[tuple[str, int, str], bool],
    fetched: dict[str, dict[Key, object]],
    now: float,
    notes: RunNotes,
) -> None:
    """Judge every backend compared in this run: counts, then ids where they were fetched."""
    key = (stream.name, window.start)
    primary_ids = fetched.get(cfg.primary_name, {}).get(key)
    for name in list(window.waiting):
        verdict = verdicts.get((stream.name, window.start, name))
        if verdict is None:
            continue
        complete = verdict
        theirs = fetched.get(name, {}).get(key)
        if isinstance(primary_ids, IdList) and isinstance(theirs, IdList) and stream.content:
            wait = window.waiting[name]
            missing, _extra = compare_ids(primary_ids, theirs)
            wait.missing_ids = missing[: stream.content.show]
            wait.missing_id_count = len(missing)
            wait.ids_checked_at = (window.primary or 0, wait.count or 0)
            tally = state.tallies[name]
            if window.start >= tally.content_start:
                tally.content_match = primary_ids.digest() == theirs.digest()
                tally.content_start = window.start
            complete = verdict and not missing
        for failed in (primary_ids, theirs):
            if isinstance(failed, Failure):
                notes.content_errors[(name, stream.name)] = failed.reason
        state.judge(window, name, now, complete)


def _query_health(
    cfg: ReconcileTarget,
    states: dict[str, StreamState],
    counts: dict[str, dict[Key, object]],
    fetched: dict[str, dict[Key, object]],
) -> None:
    """Each (backend, stream)'s query health from this run's answers; the first error kept."""
    for stream in cfg.streams:
        for backend in cfg.backends:
            answers = [
                result
                for source in (counts, fetched)
                for (name, _start), result in source.get(backend.name, {}).items()
                if name == stream.name
            ]
            if not answers:
                continue
            errors = [a.reason for a in answers if isinstance(a, Failure)]
            tally = states[stream.name].tallies[backend.name]
            tally.query_ok = not errors
            tally.query_error = errors[0] if errors else None
