"""Hard bounds on parsing and expanding one template, and the budget one expansion spends.

A label or annotation template is code written by whoever edits rule files; it runs on the
event loop of the process that must page when everything else is down. So every way a template
can cost time or memory is bounded, and every limit hit is an error naming that limit (which
Prometheus turns into the ``<error expanding template: ...>`` text; the alert still fires).
The defaults are two or more orders of magnitude above what real rule templates need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["DEFAULT_LIMITS", "Budget", "LimitExceeded", "TemplateLimits"]


class LimitExceeded(Exception):  # noqa: N818 - it is a limit, not a bug
    """A template went over one of its limits; the message names the limit."""


@dataclass(frozen=True)
class TemplateLimits:
    """The bounds; one instance is shared by every expansion."""

    max_nesting: int = 100
    """Parse: depth of if/with/range blocks plus parenthesised pipelines."""
    max_steps: int = 100_000
    """Commands (function calls and operands of pipelines) and range iterations of one
    expansion."""
    max_output: int = 65_536
    """Characters one label or annotation may expand to."""
    max_string: int = 65_536
    """Characters of any single value a function returns; also caps printf width/precision."""
    max_text: int = 4 * 1024 * 1024
    """Characters produced by all function calls of one expansion together."""
    max_seconds: float = 0.5
    """Wall-clock time of one expansion, its ``query`` calls included."""
    max_rule_seconds: float = 2.0
    """Wall-clock time of all expansions of one rule evaluation (every alert's labels and
    annotations); what is left of it bounds each expansion too."""
    max_query_samples: int = 1_000_000
    """Samples one ``query`` call may touch (the PromQL engine counts them)."""
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    """Monotonic seconds; tests inject a fake one."""


DEFAULT_LIMITS = TemplateLimits()


@dataclass
class Budget:
    """What one expansion may still spend; the executor charges every unit of work here."""

    limits: TemplateLimits
    deadline: float
    steps: int = 0
    text: int = 0

    @classmethod
    def start(cls, limits: TemplateLimits, deadline: float | None = None) -> Budget:
        """A fresh budget ending at ``max_seconds`` from now or at ``deadline``, if sooner."""
        own = limits.clock() + limits.max_seconds
        return cls(limits, own if deadline is None else min(own, deadline))

    def step(self) -> None:
        """Charge one step; raise when the step or time limit is reached.

        The clock is read at the first and then every 8th step: no step costs more than a few
        string operations of at most ``max_string`` characters, so the deadline is still seen
        promptly, and an expansion begun after the rule's shared deadline stops at once.
        """
        self.steps += 1
        if self.steps & 7 and self.steps != 1:
            return
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(
                f"template exceeds its limit of {self.limits.max_steps} execution steps"
            )
        if self.limits.clock() > self.deadline:
            raise LimitExceeded(self.time_message())

    def produced(self, size: int) -> None:
        """Charge ``size`` characters a function produced; raise over the limits."""
        if size > self.limits.max_string:
            raise LimitExceeded(
                f"value of {size} characters exceeds the template string limit of "
                f"{self.limits.max_string} characters"
            )
        self.text += size
        if self.text > self.limits.max_text:
            raise LimitExceeded(
                f"template produced more than its limit of {self.limits.max_text} characters"
            )

    def seconds_left(self) -> float:
        """Time left before the deadline (never negative)."""
        return max(0.0, self.deadline - self.limits.clock())

    def time_message(self) -> str:
        """The error text for a reached deadline."""
        return (
            f"template exceeds its time limit ({self.limits.max_seconds:g}s per expansion, "
            f"{self.limits.max_rule_seconds:g}s for all expansions of one rule evaluation)"
        )
