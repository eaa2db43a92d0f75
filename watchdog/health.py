"""Is the daemon's own loop healthy? Heartbeats and the systemd watchdog ask this."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["LoopHealth"]


@dataclass
class LoopHealth:
    """Subsystems report progress here; ``healthy()`` says whether all reported recently.

    Uses the monotonic clock on purpose: a wall-clock jump must not make a live loop look dead.
    """

    max_scheduler_lag: float = 5.0
    _deadlines: dict[str, float] = field(default_factory=dict)
    _last_lag: float = 0.0

    def tick(self, subsystem: str, within: float) -> None:
        """``subsystem`` made progress and promises to again within ``within`` seconds."""
        self._deadlines[subsystem] = time.monotonic() + within

    def forget(self, subsystem: str) -> None:
        """Stop expecting progress from ``subsystem``."""
        self._deadlines.pop(subsystem, None)

    def expected(self) -> list[str]:
        """The subsystems that promised progress."""
        return sorted(self._deadlines)

    def record_lag(self, lag: float) -> None:
        """The latest scheduling lag."""
        self._last_lag = lag

    def problems(self) -> list[str]:
        """Why the loop is unhealthy; empty when healthy."""
        now = time.monotonic()
        late = [
            f"{name} overdue by {now - due:.1f}s"
            for name, due in sorted(self._deadlines.items())
            if now > due
        ]
        if self._last_lag > self.max_scheduler_lag:
            late.append(f"scheduler lag {self._last_lag:.1f}s")
        return late

    def healthy(self) -> bool:
        """True when every subsystem is on time."""
        return not self.problems()
