"""One probe round: every target once, all at the same time, each bounded by its timeout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.clock import Clock
from watchdog.config.targets import TargetSpec
from watchdog.probes.runner import ProbeOutcome, probe_all
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
    """Probe every target concurrently (``probe_all``) and put the samples into ``store``."""
    outcomes = await probe_all(
        targets, state_dir=state_dir, clock=clock, body_size_limit=body_size_limit
    )
    results = []
    for spec, outcome in zip(targets, outcomes, strict=True):
        store.ingest(spec.key, outcome.started, outcome.series)
        results.append(TargetResult(spec, outcome))
    return results
