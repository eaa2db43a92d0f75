"""Bounds on one evaluation: samples touched and a deadline.

Prometheus bounds every query, rule evaluations included, by ``--query.max-samples`` and
``--query.timeout``. This evaluator runs on the daemon's event loop, so the same two bounds are
what keeps one bad expression (``count_over_time(vector(1)[30d:1ms])``) from wedging probes,
rules and the HTTP server. Both are checked inside the long loops (subquery steps, selector
reads, every node) and fail the evaluation with a :class:`QueryLimitError` naming the limit.

Samples are counted cumulatively over the whole evaluation (every point read from the store,
every point a subquery produces), which bounds CPU as well as memory; Prometheus counts the
samples held at once. A subquery whose step count alone exceeds what is left of the budget is
refused before its first step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from watchdog.promql.errors import PromQLError

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_TIMEOUT",
    "Budget",
    "EvalLimits",
    "QueryLimitError",
    "QueryTimeoutError",
    "TooManySamplesError",
]

DEFAULT_MAX_SAMPLES = 10_000_000
DEFAULT_TIMEOUT = 10.0


class QueryLimitError(PromQLError):
    """An evaluation exceeded one of its :class:`EvalLimits`."""


class TooManySamplesError(QueryLimitError):
    """More samples than ``max_samples`` would be touched."""


class QueryTimeoutError(QueryLimitError):
    """The evaluation ran past its deadline."""


@dataclass(frozen=True, slots=True)
class EvalLimits:
    """The bounds of one evaluation (an instant query, or a whole range query).

    ``max_samples``: samples the evaluation may touch in total; ``timeout``: seconds of wall
    time from its start; ``clock``: a monotonic clock in seconds (injectable for tests).
    """

    max_samples: int = DEFAULT_MAX_SAMPLES
    timeout: float = DEFAULT_TIMEOUT
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def __post_init__(self) -> None:
        if self.max_samples < 1:
            raise ValueError(f"max_samples must be at least 1, got {self.max_samples}")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")


class Budget:
    """What is left of the limits during one evaluation."""

    __slots__ = ("_clock", "deadline", "limits", "samples")

    def __init__(self, limits: EvalLimits) -> None:
        self.limits = limits
        self.samples = 0
        self._clock = limits.clock
        self.deadline = limits.clock() + limits.timeout

    def charge(self, count: int, what: str) -> None:
        """Count ``count`` more samples touched by ``what``; raise when over the limit."""
        self.samples += count
        if self.samples > self.limits.max_samples:
            raise TooManySamplesError(
                f"query processing would load too many samples: {what} brings the total to "
                f"{self.samples}, over the limit of {self.limits.max_samples} (query max_samples)"
            )
        self.check_time(what)

    def require(self, count: int, what: str) -> None:
        """Refuse up front when ``count`` more samples could not fit in what is left."""
        if self.samples + count > self.limits.max_samples:
            raise TooManySamplesError(
                f"query processing would load too many samples: {what} would exceed the limit "
                f"of {self.limits.max_samples} (query max_samples)"
            )

    def check_time(self, what: str) -> None:
        """Raise once the deadline has passed."""
        if self._clock() > self.deadline:
            raise QueryTimeoutError(
                f"query timed out in expression evaluation after {self.limits.timeout:g}s "
                f"(query timeout) while evaluating {what}"
            )
