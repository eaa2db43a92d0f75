"""What came of one drill check: its steps (timed, some measured against a target), the
commands it ran, the furthest stage reached, pass or fail."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from watchdog.notify.http import Attempt

__all__ = [
    "ACCEPTED",
    "FAILED",
    "NOTIFIED",
    "PASSED",
    "VERIFIED",
    "ChannelResult",
    "CommandRun",
    "Step",
    "answer",
    "seconds",
]

VERIFIED, ACCEPTED, FAILED = "verified", "accepted", "failed"
NOTIFIED = "notified"
"""An Alertmanager replica was seen sending the drill alert on to its receivers."""
PASSED = "passed"
"""A check of a recovery stage that met every target."""


@dataclass(frozen=True)
class Step:
    """One request, command or check (``send``, ``restore``, ``canary readable``, …).

    ``at`` is the wall-clock time the step ended (stamped when it is added). ``target``, when
    set, makes the step a measurement: ``latency`` is the measured time and ``ok`` says
    whether it met the target. A step that is not ``required`` (a snapshot that failed and was
    replaced by the previous one) is reported, but does not fail the check.
    """

    name: str
    ok: bool
    latency: float | None
    detail: str
    at: float | None = None
    target: float | None = None
    required: bool = True

    @property
    def measured(self) -> bool:
        """A measurement against a target."""
        return self.target is not None


@dataclass(frozen=True)
class CommandRun:
    """One configured command the drill ran (stop or start a backend, the CA …).

    ``argv`` and ``output`` are already redacted; ``output`` is the end of what the command
    printed (stdout and stderr together), trimmed.
    """

    purpose: str
    argv: tuple[str, ...]
    exit_code: int | None
    duration: float
    output: str
    started_at: float
    error: str | None = None
    """Why it did not finish with an exit code: not found, timed out, interrupted."""

    @property
    def ok(self) -> bool:
        """It ran to the end and exited 0."""
        return self.error is None and self.exit_code == 0


@dataclass
class ChannelResult:
    """One channel's (or one recovery check's) drill.

    ``outcome`` is the furthest stage reached: for an Alertmanager ``notified`` (seen sending
    the alert to its receivers) or ``accepted`` (answered 2xx and listed the alert: the
    notification itself not verified); for a receiver ``accepted`` (answered 2xx); for a
    recovery stage ``passed``; else ``failed``. A result **passes** when every required step
    succeeded, the clean-up (resolve, start command) included. ``latency`` is the headline
    figure (for an Alertmanager the time until the alert was listed by its API).
    """

    channel: str
    kind: str
    target: str
    steps: list[Step] = field(default_factory=list)
    outcome: str = FAILED
    latency: float | None = None
    commands: list[CommandRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every required step succeeded (and there was at least one)."""
        required = [step for step in self.steps if step.required]
        return bool(required) and all(step.ok for step in required)

    @property
    def error(self) -> str | None:
        """The first failed required step, as ``step: detail``."""
        failed = next((s for s in self.steps if s.required and not s.ok), None)
        return f"{failed.name}: {failed.detail}" if failed else None

    @property
    def warnings(self) -> list[str]:
        """Failed steps that did not fail the check (tolerated, worked around), as
        ``step: detail``."""
        return [f"{s.name}: {s.detail}" for s in self.steps if not s.required and not s.ok]

    @property
    def measures(self) -> list[Step]:
        """The steps measured against a target."""
        return [step for step in self.steps if step.measured]

    @property
    def detail(self) -> str:
        """One line for tables: the error, else what the headline step reported."""
        if self.error is not None:
            return self.error
        if self.measures:
            return ", ".join(
                f"{s.name} {seconds(s.latency) if s.latency is not None else '-'}"
                for s in self.measures
            )
        headline = next((s for s in self.steps if s.name == "notify" and s.ok), None)
        headline = headline or next((s for s in self.steps if s.name == "verify"), None)
        return (headline or self.steps[0]).detail if self.steps else ""

    def add(self, step: Step) -> Step:
        """Record a step (stamped with the time now unless it carries one) and return it."""
        if step.at is None:
            step = dataclasses.replace(step, at=time.time())
        self.steps.append(step)
        return step


def answer(attempt: Attempt) -> str:
    """``HTTP 202 in 12ms``, or the precise (already redacted) error."""
    if attempt.ok:
        return f"HTTP {attempt.status} in {seconds(attempt.latency)}"
    return attempt.error or "failed"


def seconds(value: float) -> str:
    """A latency for people: ``35ms`` or ``1.20s``."""
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"
