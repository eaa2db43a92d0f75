"""One run of the ``logcanary`` probe: emit this interval's canary, look for every pending one.

A run never waits for a canary to arrive. It emits at most one new canary (rate-limited), asks
every backend once — concurrently, each bounded by the run's time budget — for all canaries still
pending there, records what was found, declares lost what passed its deadline, saves the state
and reports. Lag is therefore measured with the resolution of the probe interval: a canary is
"seen" at the time of the run whose search first returns it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from watchdog.probes.base import ProbeContext, ProbeResult
from watchdog.probes.kinds.logcanary.config import Backend, LogCanaryTarget
from watchdog.probes.kinds.logcanary.emit import EmitError, emit
from watchdog.probes.kinds.logcanary.line import make_canary
from watchdog.probes.kinds.logcanary.persist import StateFile
from watchdog.probes.kinds.logcanary.report import BackendRun, build_report
from watchdog.probes.kinds.logcanary.search import judge, search
from watchdog.probes.kinds.logcanary.state import CanaryState
from watchdog.probes.kinds.logcanary.window import SearchError, SearchWindow

__all__ = ["CanaryMemory", "forget_target", "probe_logcanary"]

_EMIT_SHARE = 0.4
"""Share of the run's time budget the emission may use; the searches get the rest."""
_BUDGET_SHARE = 0.9
"""Share of the target timeout the run plans for, leaving room to save and report."""


@dataclass
class CanaryMemory:
    """The target's canary state between runs (a slot of its ``TargetMemory``); loaded from
    ``state_dir`` on the first run."""

    state: CanaryState | None = None


def forget_target(state_dir: Path, target_key: str) -> None:
    """A reload removed the target: delete its saved canaries from ``state_dir``.

    Re-adding the target later then starts fresh instead of counting canaries emitted before
    its removal as lost (the scheduler drops the in-memory state with the target).
    """
    StateFile(state_dir, target_key).path.unlink(missing_ok=True)


async def probe_logcanary(ctx: ProbeContext[LogCanaryTarget]) -> ProbeResult:
    """Emit, search, decide, save, report."""
    cfg = ctx.config
    loop = asyncio.get_running_loop()
    started = loop.time()
    budget = ctx.timeout * _BUDGET_SHARE
    state_file = StateFile(ctx.state_dir, ctx.spec.key)
    notes: dict[str, str] = {}
    memory = ctx.memory.get(CanaryMemory)
    state = memory.state
    if state is None:
        state, problem = state_file.load(ctx.clock.now())
        if problem:
            ctx.log.warning("log canary state reset", reason=problem)
            notes["state"] = problem
        memory.state = state
    state.sync_backends(b.name for b in cfg.backends)

    emit_error = await _maybe_emit(ctx, state, started + budget * _EMIT_SHARE, notes)
    runs = await asyncio.gather(
        *(_search_backend(ctx, state, backend, started + budget) for backend in cfg.backends)
    )
    now = ctx.clock.now()
    lost = state.expire(now, cfg.deadline)
    state.update_divergence(cfg.primary_name)
    report = build_report(state, cfg, runs, now, emit_error, lost)
    state.prune(now, cfg.loss_window)
    try:
        await asyncio.to_thread(state_file.save, state)
    except OSError as exc:
        ctx.log.warning("log canary state not saved", path=str(state_file.path), error=str(exc))
        notes["state"] = f"not saved: {exc.strerror or exc}"
    return ProbeResult(report.samples, report.failure, {**report.facts, **notes})


async def _maybe_emit(
    ctx: ProbeContext[LogCanaryTarget], state: CanaryState, until: float, notes: dict[str, str]
) -> str | None:
    """Emit one canary unless rate-limited; the error text when emission failed."""
    cfg = ctx.config
    now = ctx.clock.now()
    blocked = state.emit_blocked(now, cfg.min_emit_interval, cfg.max_outstanding)
    if blocked is not None:
        notes["emit"] = blocked
        return None
    canary = make_canary(cfg.tag, f"{ctx.spec.job}/{ctx.spec.instance}", now)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout_at(until):
            await emit(ctx.session, cfg.emit, canary, min(ctx.body_size_limit, 64 * 1024))
    except EmitError as exc:
        state.last_emit_ok = False
        return str(exc)
    except TimeoutError:
        state.last_emit_ok = False
        return f"emitting the canary timed out after {loop.time() - t0:.1f}s"
    state.add(canary)
    state.last_emit_ok = True
    notes["emitted"] = canary.id
    return None


async def _search_backend(
    ctx: ProbeContext[LogCanaryTarget], state: CanaryState, backend: Backend, until: float
) -> BackendRun:
    """Search one backend for its pending canaries and record the verdicts."""
    cfg = ctx.config
    pending = state.pending(backend.name)
    if not pending:
        return BackendRun(backend.name, ok=True)
    now = ctx.clock.now()
    window = SearchWindow(
        ids=[c.id for c in pending],
        start=min(c.emitted_at for c in pending) - cfg.max_clock_skew,
        end=now + cfg.max_clock_skew,
        body_limit=min(ctx.body_size_limit, cfg.max_response_bytes),
    )
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout_at(until):
            result = await search(ctx.session, backend, window)
    except SearchError as exc:
        return BackendRun(backend.name, ok=False, error=str(exc))
    except TimeoutError:
        return BackendRun(
            backend.name, ok=False, error=f"search timed out after {loop.time() - t0:.1f}s"
        )
    verdicts = judge(result.texts, cfg.tag, window.ids)
    state.record(backend.name, verdicts, ctx.clock.now())
    found = sum(1 for v in verdicts.values() if v.value != "absent")
    return BackendRun(backend.name, ok=result.warning is None, error=result.warning, found=found)
