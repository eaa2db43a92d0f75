"""Run the selected drill stages, one after the other; within a stage, every check at once and
independently, so a crash costs one check only. An interruption (SIGINT/SIGTERM, see
``interrupt``) ends the running stage — after its jobs undid what they changed — and skips the
rest; the run still returns, so the report is written."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from watchdog.config.model import LoadedConfig
from watchdog.drill.alert import DrillAlert, new_drill
from watchdog.drill.interrupt import Interrupt
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.stage import DrillContext, DrillStage, SkippedStage, StageResult
from watchdog.drill.stages import STAGES
from watchdog.httpsession import make_session
from watchdog.redact import redact

__all__ = ["DrillRun", "applicable_checks", "run_drill"]


@dataclass(frozen=True)
class DrillRun:
    """The drill and what came of it in every stage it ran (and which it left out)."""

    drill: DrillAlert
    stages: list[StageResult]
    finished_at: float
    skipped: list[SkippedStage] = field(default_factory=list)
    interrupted: str | None = None
    """The signal that interrupted the drill, if one did."""

    @property
    def results(self) -> list[ChannelResult]:
        """Every stage's results, in stage order."""
        return [result for stage in self.stages for result in stage.results]

    @property
    def passed(self) -> bool:
        """Every stage ran and passed (met every target), and nothing interrupted it."""
        return (
            bool(self.stages)
            and self.interrupted is None
            and all(stage.passed for stage in self.stages)
        )

    @property
    def summary(self) -> str:
        """``4 of 5 channels passed`` (one stage), else one such part per stage."""
        if len(self.stages) == 1:
            text = self.stages[0].summary
        else:
            text = "; ".join(f"{stage.name}: {stage.summary}" for stage in self.stages)
        return f"{text}; interrupted by {self.interrupted}" if self.interrupted else text


def applicable_checks(config: LoadedConfig, stages: Sequence[DrillStage] = STAGES) -> int:
    """How many checks a drill of ``config`` would run, over every stage."""
    return sum(stage.count(config) for stage in stages)


async def run_drill(
    config: LoadedConfig,
    *,
    budget: float,
    hold: float = 0.0,
    stages: Sequence[DrillStage] = STAGES,
    skipped: Sequence[SkippedStage] = (),
    interrupt: Interrupt | None = None,
) -> DrillRun:
    """Run each of ``stages`` that applies to ``config``, in order; collect the results."""
    interrupt = interrupt or Interrupt()
    drill = new_drill(time.time(), config.external_labels, lasts=2 * budget + hold)
    done: list[StageResult] = []
    left_out = list(skipped)
    async with make_session() as session:
        ctx = DrillContext(config, drill, session, budget, hold)
        for stage in stages:
            if stage.count(config) == 0:
                continue
            if interrupt.signal is not None:
                left_out.append(SkippedStage(stage.name, f"not run: {interrupt.signal}"))
                continue
            jobs = stage.jobs(ctx)
            await _run_jobs(jobs, interrupt)
            done.append(StageResult(stage.name, stage.title, stage.unit, [r for r, _ in jobs]))
    return DrillRun(drill, done, time.time(), left_out, interrupt.signal)


async def _run_jobs(
    jobs: list[tuple[ChannelResult, Coroutine[Any, Any, None]]], interrupt: Interrupt
) -> None:
    """All jobs at once; a signal cancels them, and this returns once each has cleaned up."""
    gathered = asyncio.gather(
        *(_guarded(result, job, interrupt) for result, job in jobs), return_exceptions=True
    )
    interrupt.guard(gathered)
    try:
        await gathered
    except asyncio.CancelledError:
        if interrupt.signal is None:
            raise  # cancelled from outside, not by a signal: not ours to swallow
    finally:
        interrupt.release()


async def _guarded(
    result: ChannelResult, job: Coroutine[Any, Any, None], interrupt: Interrupt
) -> None:
    try:
        await job
    except asyncio.CancelledError:
        if interrupt.signal is None:
            raise
        result.add(Step("interrupted", False, None, f"the drill got {interrupt.signal}"))
    except Exception as exc:  # a bug in one check must not hide the others' results
        result.add(Step("drill", False, None, redact(f"crashed: {type(exc).__name__}: {exc}")))
