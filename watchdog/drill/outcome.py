"""What came of the drill on one channel: its steps, the furthest stage reached, pass or fail."""

from __future__ import annotations

from dataclasses import dataclass, field

from watchdog.notify.http import Attempt

__all__ = ["ACCEPTED", "FAILED", "VERIFIED", "ChannelResult", "Step", "answer", "seconds"]

VERIFIED, ACCEPTED, FAILED = "verified", "accepted", "failed"


@dataclass(frozen=True)
class Step:
    """One request or check (``send``, ``verify``, ``resolve``, …)."""

    name: str
    ok: bool
    latency: float | None
    detail: str


@dataclass
class ChannelResult:
    """One channel's drill.

    ``outcome`` is the furthest stage reached: ``verified`` (seen in the Alertmanager's API),
    ``accepted`` (the channel answered 2xx) or ``failed``. A channel **passes** when every step
    succeeded, the clean-up (resolve) included: an Alertmanager passes only when verified, a
    receiver or the heartbeat when every request was accepted. ``latency`` is the headline
    figure: for an Alertmanager the time until the alert was visible in its API, otherwise the
    time until the first request was accepted.
    """

    channel: str
    kind: str
    target: str
    steps: list[Step] = field(default_factory=list)
    outcome: str = FAILED
    latency: float | None = None

    @property
    def passed(self) -> bool:
        """Every step succeeded (and there was at least one)."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def error(self) -> str | None:
        """The first failed step, as ``step: detail``."""
        failed = next((s for s in self.steps if not s.ok), None)
        return f"{failed.name}: {failed.detail}" if failed else None

    @property
    def detail(self) -> str:
        """One line for tables: the error, else what the headline step reported."""
        if self.error is not None:
            return self.error
        headline = next((s for s in self.steps if s.name == "verify"), None)
        return (headline or self.steps[0]).detail if self.steps else ""

    def add(self, step: Step) -> Step:
        """Record a step and return it."""
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
