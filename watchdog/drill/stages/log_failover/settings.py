"""Settings of the ``log-failover`` stage (``drill.log_failover``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from watchdog.config.types import Duration, Model
from watchdog.drill.settings import CommandConfig

__all__ = ["FailoverTargets", "LogFailoverSettings"]


class FailoverTargets(Model):
    """``secondary``: each outage canary must reach every secondary backend this soon after it
    was emitted (the seed: 30 s). ``recovery``: after the start command, the primary must
    receive a new canary — and its backlog, the outage canaries — within this."""

    secondary: Duration = 30.0
    recovery: Duration = 300.0

    @model_validator(mode="after")
    def _positive(self) -> FailoverTargets:
        if self.secondary <= 0 or self.recovery <= 0:
            raise ValueError("secondary and recovery must be positive")
        return self


class LogFailoverSettings(Model):
    """Stop the primary log backend, prove the secondaries still receive, start it again."""

    canary: str = Field(min_length=1)
    """Job of the ``logcanary`` target whose emitter and backends the drill uses."""
    primary: str | None = None
    """Backend (by name) to stop; default: the target's primary."""
    secondaries: list[str] = Field(default_factory=list)
    """Backends that must keep receiving; default: every other backend of the target."""
    stop: CommandConfig
    """Stops the primary: ``[kubectl, scale, statefulset, loki, --replicas=0, -n, monitoring]``."""
    start: CommandConfig
    """Starts it again; always run, even when the stage fails or the drill is interrupted."""
    canaries: int = Field(default=3, ge=1, le=50)
    """Canaries emitted during the outage."""
    spacing: Duration = 5.0
    """Time between them."""
    poll: Duration = 1.0
    """How often the backends are searched."""
    backlog_required: bool = True
    """The primary must also get the outage canaries once it is back (the shipper buffered
    them); False reports a lost backlog as a finding instead of a failure."""
    targets: FailoverTargets = Field(default_factory=FailoverTargets)

    @model_validator(mode="after")
    def _check(self) -> LogFailoverSettings:
        if self.spacing < 0 or self.poll <= 0:
            raise ValueError("spacing must not be negative and poll must be positive")
        if self.primary is not None and self.primary in self.secondaries:
            raise ValueError(f"the primary {self.primary!r} cannot be a secondary too")
        return self
