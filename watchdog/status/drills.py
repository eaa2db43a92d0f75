"""The drills section: the last drill of each stage, and whether the next one is due."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from watchdog.redact import redact
from watchdog.status.views import DrillStageView, DrillsView, When

__all__ = ["QUARTER", "StageRunLike", "build_drills"]

QUARTER = 92 * 86400.0
"""The longest quarter (92 days): a stage drilled longer ago than this is overdue."""


class StageRunLike(Protocol):
    """One stage's outcome in one drill, as the drill history reader gives it."""

    @property
    def stage(self) -> str: ...
    @property
    def finished_at(self) -> float: ...
    @property
    def passed(self) -> bool: ...
    @property
    def summary(self) -> str: ...
    @property
    def report(self) -> Path: ...


def build_drills(runs: Iterable[StageRunLike], unreadable: Iterable[str], now: float) -> DrillsView:
    """Each stage's last run, oldest first (the most overdue on top)."""
    stages = [
        DrillStageView(
            stage=run.stage,
            finished_at=When(run.finished_at),
            passed=run.passed,
            summary=redact(run.summary),
            report=run.report.name,
            overdue=now - run.finished_at > QUARTER,
        )
        for run in runs
    ]
    stages.sort(key=lambda s: (s.finished_at.ts, s.stage))
    return DrillsView(stages=stages, unreadable=[redact(u) for u in unreadable])
