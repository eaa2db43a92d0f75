"""Run every drill stage that applies, one after the other; within a stage, every check at
once and independently, so a crash costs one check only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from watchdog.config.model import LoadedConfig
from watchdog.drill.alert import DrillAlert, new_drill
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.stage import DrillContext, DrillStage, StageResult
from watchdog.drill.stages import STAGES
from watchdog.httpsession import make_session
from watchdog.redact import redact

__all__ = ["DrillRun", "applicable_checks", "run_drill"]


@dataclass(frozen=True)
class DrillRun:
    """The drill and what came of it in every stage."""

    drill: DrillAlert
    stages: list[StageResult]
    finished_at: float

    @property
    def results(self) -> list[ChannelResult]:
        """Every stage's results, in stage order."""
        return [result for stage in self.stages for result in stage.results]

    @property
    def passed(self) -> bool:
        """Every stage passed."""
        return bool(self.stages) and all(stage.passed for stage in self.stages)

    @property
    def summary(self) -> str:
        """``4 of 5 channels passed`` (one stage), else one such part per stage."""
        if len(self.stages) == 1:
            return self.stages[0].summary
        return "; ".join(f"{stage.name}: {stage.summary}" for stage in self.stages)


def applicable_checks(config: LoadedConfig, stages: Sequence[DrillStage] = STAGES) -> int:
    """How many checks a drill of ``config`` would run, over every stage."""
    return sum(stage.count(config) for stage in stages)


async def run_drill(
    config: LoadedConfig,
    *,
    budget: float,
    hold: float = 0.0,
    stages: Sequence[DrillStage] = STAGES,
) -> DrillRun:
    """Run each stage that applies to ``config``, in order; collect the results."""
    drill = new_drill(time.time(), config.external_labels, lasts=2 * budget + hold)
    done: list[StageResult] = []
    async with make_session() as session:
        ctx = DrillContext(config, drill, session, budget, hold)
        for stage in stages:
            if stage.count(config) == 0:
                continue
            jobs = stage.jobs(ctx)
            await asyncio.gather(*(_guarded(result, job) for result, job in jobs))
            done.append(StageResult(stage.name, stage.title, stage.unit, [r for r, _ in jobs]))
    return DrillRun(drill, done, time.time())


async def _guarded(result: ChannelResult, job: Coroutine[Any, Any, None]) -> None:
    try:
        await job
    except Exception as exc:  # a bug in one check must not hide the others' results
        result.add(Step("drill", False, None, redact(f"crashed: {type(exc).__name__}: {exc}")))
