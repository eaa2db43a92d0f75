"""What the daemon knows about each target: health, last error, last probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from watchdog.config.targets import TargetSpec
from watchdog.probe_history import ProbeHistory
from watchdog.probes.runner import ProbeOutcome

__all__ = ["Health", "TargetState"]

Health = Literal["unknown", "up", "down"]


@dataclass
class TargetState:
    """Live state of one target, updated after each probe."""

    spec: TargetSpec
    health: Health = "unknown"
    success: bool | None = None
    last_error: str | None = None
    last_probe: float | None = None
    last_duration: float | None = None
    last_success: float | None = None
    """When a probe last succeeded (answered and passed its check)."""
    probes: int = 0
    failures: int = 0
    facts: dict[str, str] = field(default_factory=dict)
    history: ProbeHistory = field(default_factory=ProbeHistory, repr=False, compare=False)

    def update(self, outcome: ProbeOutcome) -> Health | None:
        """Apply a probe outcome; return the previous health if it changed, else None."""
        previous = self.health
        self.health = "up" if outcome.up else "down"
        self.success = outcome.success
        self.last_error = outcome.error
        self.last_probe = outcome.started
        self.last_duration = outcome.duration
        self.probes += 1
        if outcome.success:
            self.last_success = outcome.started
        else:
            self.failures += 1
        self.history.record(
            outcome.started, up=outcome.up, success=outcome.success, duration=outcome.duration
        )
        self.facts = dict(outcome.facts)
        return previous if previous != self.health else None
