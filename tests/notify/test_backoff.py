"""Backoff timing and Retry-After parsing, computed exactly with a fixed random source."""

from __future__ import annotations

import pytest

from watchdog.config.alerting import BackoffConfig
from watchdog.notify.backoff import Backoff, parse_retry_after

NOW = 1_700_000_000.0


def _backoff(jitter: float = 0.0, rng: float = 0.0) -> Backoff:
    config = BackoffConfig(
        initial="1s", max="8s", multiplier=2.0, jitter=jitter, max_retry_after="60s"
    )
    return Backoff(config, rng=lambda: rng)


def test_delay_doubles_up_to_the_cap() -> None:
    """Consecutive failures wait 1, 2, 4, 8, 8 … seconds."""
    backoff = _backoff()
    assert [backoff.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_only_shortens_the_delay() -> None:
    """With jitter 0.5 and the random source at its maximum, each delay is halved."""
    backoff = _backoff(jitter=0.5, rng=1.0)
    assert [backoff.next_delay() for _ in range(3)] == [0.5, 1.0, 2.0]


def test_success_resets_the_sequence() -> None:
    """After an accepted send the next failure waits the initial delay again."""
    backoff = _backoff()
    backoff.next_delay()
    backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_retry_after_wins_when_longer_and_is_capped() -> None:
    """A server's Retry-After is honoured above the backoff, but not beyond max_retry_after."""
    backoff = _backoff()
    assert backoff.next_delay(retry_after=30.0) == 30.0
    assert backoff.next_delay(retry_after=0.5) == 2.0
    assert backoff.next_delay(retry_after=3600.0) == 60.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Tue, 14 Nov 2023 22:13:40 GMT", 20.0),
        ("Tue, 14 Nov 2023 22:12:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(header: str | None, expected: float | None) -> None:
    """Delta-seconds and HTTP-dates are understood; anything else is ignored."""
    assert parse_retry_after(header, NOW) == expected
