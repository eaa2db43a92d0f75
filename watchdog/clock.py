"""An injectable clock, so time-based logic can be tested exactly."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """Wall-clock seconds since the epoch."""

    def now(self) -> float:
        """Current time in seconds since the epoch."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        """Current time from ``time.time()``."""
        return time.time()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        """The frozen current time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward and return the new time."""
        self._now += seconds
        return self._now

    def set(self, when: float) -> None:
        """Jump to an absolute time."""
        self._now = when
