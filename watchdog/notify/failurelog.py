"""Failure logging per channel: one line when it starts failing, one when it recovers, and a
summary every few minutes in between — never one line per attempt.

A receiver that is down is retried every few seconds; logging each attempt buried everything
else (39 lines in 70 s for one receiver). Metrics and the journal still record every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from watchdog.alerts import iso_time
from watchdog.durations import format_duration
from watchdog.logs import get_logger

__all__ = ["SUMMARY_INTERVAL", "FailureLog"]

SUMMARY_INTERVAL = 300.0


@dataclass
class _Failing:
    since: float
    attempts: int
    last_error: str
    permanent: bool
    summarised_at: float


class FailureLog:
    """Tracks which channels fail, and logs only their state changes plus a periodic summary.

    ``what`` names the kind of channel in the log lines (e.g. ``emergency delivery``), ``key``
    the log field that names the channel (e.g. ``receiver``).
    """

    def __init__(
        self, subsystem: str, what: str, key: str, summary_interval: float = SUMMARY_INTERVAL
    ) -> None:
        self._log = get_logger(subsystem)
        self._what = what
        self._key = key
        self._interval = summary_interval
        self._failing: dict[str, _Failing] = {}

    def is_failing(self, name: str) -> bool:
        """Whether ``name``'s last attempt failed."""
        return name in self._failing

    def failed(
        self,
        name: str,
        error: str | None,
        now: float,
        *,
        permanent: bool = False,
        retry_in: float | None = None,
    ) -> None:
        """An attempt failed: log if the channel just started failing (or started refusing)."""
        error = error or "failed"
        state = self._failing.get(name)
        log = self._log.error if permanent else self._log.warning
        extra = {"retry_in": round(retry_in, 3)} if retry_in is not None else {}
        if state is None or state.permanent != permanent:
            log(
                f"{self._what} failing; retried with backoff, logged again when it recovers"
                f" or every {format_duration(self._interval)}",
                **{self._key: name},
                error=error,
                **extra,
            )
            self._failing[name] = _Failing(now, 1, error, permanent, now)
            return
        state.attempts += 1
        state.last_error = error
        if now - state.summarised_at >= self._interval:
            state.summarised_at = now
            log(
                f"{self._what} still failing",
                **{self._key: name},
                since=iso_time(state.since),
                attempts=state.attempts,
                last_error=error,
                **extra,
            )

    def succeeded(self, name: str, now: float) -> None:
        """An attempt succeeded: log the recovery if the channel was failing."""
        state = self._failing.pop(name, None)
        if state is not None:
            self._log.info(
                f"{self._what} recovered",
                **{self._key: name},
                failed_for=format_duration(max(0.0, now - state.since)),
                failed_attempts=state.attempts,
            )
