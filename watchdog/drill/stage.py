"""What a drill stage is: a named part of the drill that exercises some things and reports each.

A stage says how many things it would exercise for a config (none: it does not apply), what
it would do (``plan``, for ``--dry-run``), whether that disturbs production (``disruption``:
such a stage runs only when configured *and* named on the command line) and, given the
drill's context, returns one job per thing: an empty ``ChannelResult`` and the coroutine that
fills it. The runner runs a stage's jobs concurrently, each guarded so that a crash costs only
its own result, and the stages one after the other, in registry order.

A stage with settings of its own declares their model (``settings``); they live under
``drill.<key>`` in the config and are validated with the rest of it (``cross_check`` relates
them to the targets, e.g. "this must not be the production Vault").
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from pydantic import BaseModel

from watchdog.config.errors import KeyPath
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.drill.alert import DrillAlert
from watchdog.drill.outcome import ChannelResult

__all__ = ["DrillContext", "DrillJob", "DrillStage", "SkippedStage", "StageResult"]

DrillJob = tuple[ChannelResult, Coroutine[Any, Any, None]]
"""One thing to exercise: its (empty) result and the coroutine that fills it."""


@dataclass(frozen=True)
class DrillContext:
    """What every stage gets: the config, the drill and its test alert, a session, the timing.

    ``budget`` is the time each phase of a check may take; ``hold`` how long to keep what the
    drill raised (the test alert) before taking it back.
    """

    config: LoadedConfig
    drill: DrillAlert
    session: aiohttp.ClientSession
    budget: float
    hold: float = 0.0


class DrillStage(Protocol):
    """A registered drill stage (see ``watchdog.drill.stages.STAGES``)."""

    name: str
    """Short id, in the journal, the JSON report and ``--stage`` (``vault-restore``)."""
    title: str
    """The report's section heading (``Channels``)."""
    unit: str
    """What its results are, plural, for summaries (``channels``)."""
    needs: str
    """What in the config makes it apply, for the message when nothing does."""
    key: str
    """Its section under ``drill:`` (``vault_restore``)."""
    settings: type[BaseModel] | None
    """The model of that section; None when the stage takes its settings from elsewhere."""

    def count(self, config: LoadedConfig) -> int:
        """How many things this stage would exercise (0: it does not apply)."""
        ...

    def disruption(self, config: LoadedConfig) -> str | None:
        """What it would disturb in production (stop a backend, the CA); None if nothing."""
        ...

    def plan(self, config: LoadedConfig) -> list[str]:
        """What it would do, line by line, without touching anything (``--dry-run``)."""
        ...

    def cross_check(
        self, settings: Any, targets: Sequence[TargetSpec]
    ) -> list[tuple[KeyPath, str]]:
        """Problems of its settings against the targets: (key path inside its section, why)."""
        ...

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        """One job per thing to exercise."""
        ...


@dataclass(frozen=True)
class StageResult:
    """What came of one stage: its results in the order its jobs were made."""

    name: str
    title: str
    unit: str
    results: list[ChannelResult]

    @property
    def passed(self) -> bool:
        """Every result passed (and there was at least one)."""
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def summary(self) -> str:
        """``4 of 5 channels passed``."""
        good = sum(r.passed for r in self.results)
        return f"{good} of {len(self.results)} {self.unit} passed"


@dataclass(frozen=True)
class SkippedStage:
    """A configured stage that did not run, and why."""

    name: str
    reason: str
