"""Retry timing shared by every channel: exponential backoff with jitter, and Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.config.alerting import BackoffConfig


__all__ = ["Backoff", "parse_retry_after"]


@dataclass
class Backoff:
    """Consecutive-failure counter that says how long to wait before the next attempt.

    The delay after the n-th consecutive failure is ``initial * multiplier**(n-1)``, capped at
    ``max``, then shortened by up to ``jitter`` (a fraction) so that many senders that failed
    together do not retry together. A server's ``Retry-After`` wins when it asks for longer,
    up to ``max_retry_after``.
    """

    config: BackoffConfig
    rng: Callable[[], float] = field(default=random.random)
    failures: int = 0

    def reset(self) -> None:
        """The channel accepted: start over."""
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record a failure and return the seconds to wait before retrying."""
        self.failures += 1
        cfg = self.config
        base = min(cfg.max, cfg.initial * cfg.multiplier ** (self.failures - 1))
        delay = base * (1.0 - cfg.jitter * self.rng())
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, cfg.max_retry_after)
        return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
