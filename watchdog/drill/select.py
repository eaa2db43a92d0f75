"""Which stages a drill runs: the ones named with ``--stage``, else every configured one that
does not disturb production.

The safety rule: a stage that stops something in production (a log backend, the CA) runs only
when it is configured **and** named on the command line. Without ``--stage`` it is left out,
and the plan and the report say how to run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.config.model import LoadedConfig
from watchdog.config.validation import did_you_mean
from watchdog.drill.stage import DrillStage, SkippedStage
from watchdog.drill.stages import STAGES

__all__ = ["Selection", "SelectionError", "parse_stage_names", "select_stages"]


class SelectionError(ValueError):
    """The stages asked for cannot run: unknown, or not configured."""


@dataclass(frozen=True)
class Selection:
    """The stages to run, in registry order, and the configured ones left out (and why)."""

    run: list[DrillStage]
    skipped: list[SkippedStage]


def parse_stage_names(text: str, stages: Sequence[DrillStage] = STAGES) -> list[str]:
    """``vault-restore,alerting`` → the names, each known (SelectionError otherwise)."""
    known = [stage.name for stage in stages]
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise SelectionError(f"--stage names no stage; stages: {', '.join(known)}")
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known)
            raise SelectionError(f"unknown stage {name!r}{hint}; stages: {', '.join(known)}")
    return names


def select_stages(
    config: LoadedConfig, names: Sequence[str] | None, stages: Sequence[DrillStage] = STAGES
) -> Selection:
    """The stages to run for ``--stage names`` (None: not given)."""
    run: list[DrillStage] = []
    skipped: list[SkippedStage] = []
    for stage in stages:
        configured = stage.count(config) > 0
        if names is not None:
            if stage.name not in names:
                continue
            if not configured:
                raise SelectionError(
                    f"stage {stage.name} is not configured: it needs {stage.needs}"
                )
            run.append(stage)
            continue
        if not configured:
            continue
        disruption = stage.disruption(config)
        if disruption is not None:
            skipped.append(
                SkippedStage(
                    stage.name,
                    f"disruptive ({disruption}): runs only when named, --stage {stage.name}",
                )
            )
            continue
        run.append(stage)
    return Selection(run, skipped)
