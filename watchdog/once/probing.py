"""One probe round: every target once, all at the same time, each bounded by its timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.app import make_session
from watchdog.clock import Clock
from watchdog.config.targets import TargetSpec
from watchdog.probes.runner import ProbeOutcome
from watchdog.scheduler import probe_once
from watchdog.store import SampleStore

__all__ = ["TargetResult", "probe_round"]


@dataclass(frozen=True)
class TargetResult:
    """One target's outcome in this round."""

    spec: TargetSpec
    outcome: ProbeOutcome

    @property
    def health(self) -> str:
        """``up`` (answered and healthy), ``failing`` (answered, unhealthy) or ``down``."""
        if not self.outcome.up:
            return "down"
        return "up" if self.outcome.success else "failing"


async def probe_round(
    targets: Sequence[TargetSpec],
    *,
    store: SampleStore,
    state_dir: Path,
    clock: Clock,
    body_size_limit: int,
) -> list[TargetResult]:
    """Probe every target concurrently and put the samples into ``store``.

    ``run_probe`` bounds each probe by its ``timeout`` and turns every failure (a hang, a
    refused connection, garbage) into a failed outcome, so the round ends within the longest
    timeout plus the time to close connections.
    """
    async with make_session() as session:
        outcomes = await asyncio.gather(
            *(probe_once(spec, session, state_dir, clock, body_size_limit) for spec in targets)
        )
    results = []
    for spec, outcome in zip(targets, outcomes, strict=True):
        store.ingest(spec.key, outcome.started, outcome.series)
        results.append(TargetResult(spec, outcome))
    return results
