"""One log-failover drill: the seed's "stop primary Loki, logs must appear in the secondary
within 30 s, restart primary".

1. **Baseline**: one canary must reach the primary and every secondary first; otherwise the
   pipeline is already broken, nothing is stopped and the stage fails.
2. **Stop** the primary (the configured command; its exit code and output are kept).
3. **Outage**: ``canaries`` canaries, ``spacing`` apart; every secondary is searched each
   ``poll`` until it holds them all (latency per canary: emission → the search that first
   returned it, so it is as fine as ``poll``). The primary is searched too: it must not receive
   them (a failing search — connection refused — counts as down, and is quoted).
4. **Start** the primary again — always: also when a step failed or the drill is interrupted.
5. **Recovery**: a new canary must reach the primary within ``targets.recovery`` of the start
   command's end, and so must the backlog (the outage canaries the shipper buffered).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.drill.command import run_command
from watchdog.drill.interrupt import uninterrupted
from watchdog.drill.outcome import PASSED, ChannelResult, Step, seconds
from watchdog.drill.stages.log_failover.canaries import CanaryRun, EmitError
from watchdog.drill.stages.log_failover.settings import LogFailoverSettings
from watchdog.durations import format_duration
from watchdog.probes.kinds.logcanary.config import Backend
from watchdog.probes.kinds.logcanary.line import CanaryLine

__all__ = ["Failover", "drill_log_failover"]


@dataclass
class Failover:
    """Everything one failover drill uses."""

    settings: LogFailoverSettings
    result: ChannelResult
    canaries: CanaryRun
    primary: Backend
    secondaries: list[Backend]
    cwd: Path
    emitted: dict[str, float] = field(default_factory=dict)
    """Canary id → when it was emitted (``time.monotonic()``)."""

    def step(self, step: Step) -> None:
        """Record a step."""
        self.result.add(step)


async def drill_log_failover(failover: Failover) -> None:
    """The whole stage, recorded in ``failover.result``."""
    began = time.monotonic()
    if not await _baseline(failover):
        return
    outage: list[CanaryLine] = []
    try:
        stopped = await run_command(
            failover.result, "stop command", failover.settings.stop, cwd=failover.cwd
        )
        if stopped.ok:
            await _outage(failover, outage)
    finally:
        started = await uninterrupted(
            run_command(failover.result, "start command", failover.settings.start, cwd=failover.cwd)
        )
    if started.ok:
        await _recovery(failover, outage, time.monotonic())
    failover.result.latency = time.monotonic() - began
    if failover.result.passed:
        failover.result.outcome = PASSED


async def _emit(failover: Failover, purpose: str) -> CanaryLine | None:
    try:
        canary = await failover.canaries.emit()
    except EmitError as exc:
        failover.step(Step(purpose, False, None, f"cannot emit a canary: {exc}"))
        return None
    failover.emitted[canary.id] = time.monotonic()
    return canary


async def _wait_for(
    failover: Failover, backend: Backend, canaries: list[CanaryLine], until: float
) -> tuple[dict[str, float], str | None]:
    """Poll ``backend`` until it holds every canary or ``until``: when each was first seen
    (monotonic), and the last search error."""
    seen: dict[str, float] = {}
    error = None
    while True:
        missing = [c for c in canaries if c.id not in seen]
        if not missing:
            return seen, error
        sighting = await failover.canaries.look(backend, missing)
        now = time.monotonic()
        seen.update(dict.fromkeys(sighting.found, now))
        error = sighting.error or error
        if len(seen) == len(canaries) or now >= until:
            return seen, error
        await asyncio.sleep(min(failover.settings.poll, max(0.0, until - now)))


async def _baseline(failover: Failover) -> bool:
    canary = await _emit(failover, "baseline")
    if canary is None:
        return False
    until = time.monotonic() + failover.settings.targets.secondary
    backends = [failover.primary, *failover.secondaries]
    found = await asyncio.gather(*(_wait_for(failover, b, [canary], until) for b in backends))
    missing = [
        f"{b.name}" + (f" ({error})" if error else "")
        for b, (seen, error) in zip(backends, found, strict=True)
        if canary.id not in seen
    ]
    if missing:
        detail = (
            f"a canary did not reach {', '.join(missing)} within"
            f" {format_duration(failover.settings.targets.secondary)} before anything was"
            " stopped: the pipeline is already broken; nothing stopped"
        )
        failover.step(Step("baseline", False, None, detail))
        return False
    took = max(seen[canary.id] for seen, _ in found) - failover.emitted[canary.id]
    names = ", ".join(b.name for b in backends)
    failover.step(Step("baseline", True, took, f"a canary reached {names} in {seconds(took)}"))
    return True


async def _outage(failover: Failover, outage: list[CanaryLine]) -> None:
    settings = failover.settings
    target = settings.targets.secondary
    for number in range(settings.canaries):
        if number:
            await asyncio.sleep(settings.spacing)
        canary = await _emit(failover, "emit")
        if canary is None:
            break
        outage.append(canary)
    if not outage:
        return
    until = failover.emitted[outage[-1].id] + target
    found = await asyncio.gather(
        *(_wait_for(failover, b, outage, until) for b in failover.secondaries)
    )
    for backend, (seen, error) in zip(failover.secondaries, found, strict=True):
        lags = [seen[c.id] - failover.emitted[c.id] for c in outage if c.id in seen]
        worst = max(lags) if len(lags) == len(outage) else None
        ok = worst is not None and worst <= target
        detail = f"{len(lags)} of {len(outage)} outage canaries arrived" + (
            f", the slowest after {seconds(worst)}" if worst is not None else ""
        )
        detail += f" (last search error: {error})" if error and not ok else ""
        failover.step(Step(f"{backend.name} receives", ok, worst, detail, target=target))
    # Once the secondaries hold the canaries (or their time is up), the primary must not.
    primary = await failover.canaries.look(failover.primary, outage)
    primary_seen, primary_error = primary.found, primary.error
    name = failover.primary.name
    if primary_seen:
        detail = (
            f"{name} received {len(primary_seen)} of {len(outage)} outage canaries: the stop"
            " command did not stop it, so the drill proved no failover"
        )
        failover.step(Step("primary stopped", False, None, detail))
    else:
        how = f"its searches fail: {primary_error}" if primary_error else "none of them arrived"
        failover.step(Step("primary stopped", True, None, f"{name} received nothing ({how})"))


async def _recovery(failover: Failover, outage: list[CanaryLine], since: float) -> None:
    settings = failover.settings
    target = settings.targets.recovery
    fresh = await _emit(failover, "primary receives again")
    if fresh is None:
        return
    name = failover.primary.name
    seen, error = await _wait_for(failover, failover.primary, [fresh, *outage], since + target)
    if fresh.id in seen:
        took = seen[fresh.id] - since
        detail = f"a new canary reached {name} {seconds(took)} after the start command"
        failover.step(Step("primary receives again", took <= target, took, detail, target=target))
    else:
        last = f"; last search error: {error}" if error else ""
        detail = f"no new canary reached {name} within {format_duration(target)}{last}"
        failover.step(Step("primary receives again", False, None, detail, target=target))
    if not outage:
        return
    arrived = [c for c in outage if c.id in seen]
    if len(arrived) == len(outage):
        took = max(seen[c.id] for c in outage) - since
        detail = f"all {len(outage)} outage canaries reached {name} {seconds(took)} after the start"
        failover.step(Step("backlog", took <= target, took, detail, target=target))
        return
    detail = (
        f"{len(arrived)} of {len(outage)} outage canaries reached {name} within"
        f" {format_duration(target)}: what was logged during the outage is missing from it"
        " (no buffer in the shipper?)"
    )
    required = settings.backlog_required
    failover.step(Step("backlog", False, None, detail, target=target, required=required))
