"""When does delivery fall back from Alertmanager to the emergency receivers, and why.

Each replica has a ``ReplicaHealth`` fed by its own send outcomes and by the daemon's
``alertmanager`` probes. A replica counts as failed when

- ``after_failures`` consecutive sends failed, or
- sends have kept failing, or one send has gone unanswered, for ``after`` seconds, or
- a probe of it failed and it has not accepted a send since.

Fallback is active while every replica counts as failed (or none is configured). It ends the
moment any replica accepts a send again. A probe that succeeds again clears only what a
probe said: failed sends are cleared by an accepted send, not by a probe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from watchdog.alerts import iso_time
from watchdog.config.alerting import FallbackConfig
from watchdog.durations import format_duration

__all__ = ["FallbackState", "ReplicaHealth", "assess", "same_endpoint"]


@dataclass
class ReplicaHealth:
    """What is known about one Alertmanager replica's willingness to accept alerts."""

    name: str
    consecutive_failures: int = 0
    failing_since: float | None = None
    last_error: str | None = None
    last_success: float | None = None
    attempt_started: float | None = None
    probe_down_since: float | None = None
    probe_error: str | None = None

    def sending(self, now: float) -> None:
        """A send started."""
        self.attempt_started = now

    def succeeded(self, now: float) -> None:
        """A send was accepted."""
        self.consecutive_failures = 0
        self.failing_since = None
        self.last_error = None
        self.last_success = now
        self.attempt_started = None

    def failed(self, now: float, error: str) -> None:
        """A send failed (network, timeout or 5xx)."""
        self.consecutive_failures += 1
        if self.failing_since is None:
            self.failing_since = self.attempt_started or now
        self.last_error = error
        self.attempt_started = None

    def answered(self) -> None:
        """A send got an answer that says nothing about availability (a rejected batch)."""
        self.attempt_started = None

    def probed(self, now: float, up: bool, error: str | None) -> None:
        """The daemon's own probe of this replica finished."""
        if up:
            self.probe_down_since, self.probe_error = None, None
        elif self.probe_down_since is None:
            self.probe_down_since, self.probe_error = now, error or "probe failed"
        else:
            self.probe_error = error or self.probe_error

    def failure(self, now: float, cfg: FallbackConfig) -> str | None:
        """Why this replica counts as failed right now, or None while it counts as available."""
        if self.consecutive_failures >= cfg.after_failures:
            return (
                f"{self.last_error} ({self.consecutive_failures} consecutive failed sends"
                f" since {_when(self.failing_since)})"
            )
        if self.failing_since is not None and now - self.failing_since >= cfg.after:
            return f"{self.last_error} (sends failing since {_when(self.failing_since)})"
        if self.attempt_started is not None and now - self.attempt_started >= cfg.after:
            return f"no answer to a send for {format_duration(now - self.attempt_started)}"
        probe_down = self.probe_down_since
        if probe_down is not None and (self.last_success is None or self.last_success < probe_down):
            return f"probe reports it down since {_when(probe_down)}: {self.probe_error}"
        return None


@dataclass(frozen=True)
class FallbackState:
    """The delivery path decision at one instant."""

    active: bool
    failures: tuple[str, ...] = field(default_factory=tuple)

    def reason(self) -> str:
        """One sentence for messages: which Alertmanagers failed and how."""
        if not self.failures:
            return "no Alertmanager is configured"
        return "no Alertmanager accepts alerts: " + "; ".join(self.failures)


def assess(replicas: Sequence[ReplicaHealth], now: float, cfg: FallbackConfig) -> FallbackState:
    """Fallback is active when there is no replica or every replica counts as failed."""
    if not replicas:
        return FallbackState(active=True)
    failures: list[str] = []
    for health in replicas:
        why = health.failure(now, cfg)
        if why is None:
            return FallbackState(active=False)
        failures.append(f"{health.name}: {why}")
    return FallbackState(active=True, failures=tuple(failures))


def same_endpoint(probe_url: str, replica_url: str) -> bool:
    """Does a probe target's URL point at this replica (same origin, path at or under it)?"""
    probe, replica = _origin_and_path(probe_url), _origin_and_path(replica_url)
    if probe is None or replica is None or probe[0] != replica[0]:
        return False
    return probe[1] == replica[1] or probe[1].startswith(replica[1] + "/")


def _origin_and_path(url: str) -> tuple[tuple[str, str, int], str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host in ("localhost", "::1"):
        host = "127.0.0.1"
    return (parts.scheme.lower(), host, port), parts.path.rstrip("/")


def _when(ts: float | None) -> str:
    return iso_time(ts) if ts is not None else "start-up"
