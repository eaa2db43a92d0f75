"""The ``log-failover`` stage: stop the primary log backend, prove the secondaries keep
receiving (the seed: within 30 s), start it again and see it catch up. See ``failover``.

**Disruptive**: it stops a production backend, so it runs only when configured *and* named
with ``--stage log-failover``; its start command always runs, even when the drill is
interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from watchdog.config.errors import KeyPath
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.drill.command import shown_command
from watchdog.drill.outcome import ChannelResult
from watchdog.drill.stage import DrillContext, DrillJob
from watchdog.drill.stages.log_failover.canaries import CanaryRun
from watchdog.drill.stages.log_failover.failover import Failover, drill_log_failover
from watchdog.drill.stages.log_failover.settings import LogFailoverSettings
from watchdog.durations import format_duration
from watchdog.probes.kinds.logcanary.config import Backend, LogCanaryTarget

__all__ = ["STAGE", "LogFailoverStage"]


def _target(targets: Sequence[TargetSpec], job: str) -> TargetSpec | None:
    return next(
        (s for s in targets if s.job == job and isinstance(s.config, LogCanaryTarget)), None
    )


def _backends(
    target: LogCanaryTarget, settings: LogFailoverSettings
) -> tuple[Backend, list[Backend]]:
    """The primary and the secondaries, as configured (names checked by ``cross_check``)."""
    primary_name = settings.primary or target.primary_name
    primary = next(b for b in target.backends if b.name == primary_name)
    names = settings.secondaries or [b.name for b in target.backends if b.name != primary_name]
    return primary, [b for b in target.backends if b.name in names]


class LogFailoverStage:
    """Primary down, secondaries still receiving, primary back with its backlog."""

    name = "log-failover"
    title = "Log pipeline failover"
    unit = "failovers"
    needs = "drill.log_failover (canary: a logcanary target's job, stop, start)"
    key = "log_failover"
    settings: type[BaseModel] | None = LogFailoverSettings

    def _settings(self, config: LoadedConfig) -> LogFailoverSettings | None:
        return config.drill.settings(self.key, LogFailoverSettings)

    def _resolved(self, config: LoadedConfig) -> tuple[LogFailoverSettings, TargetSpec]:
        """The settings and the canary target (both checked when the config was loaded)."""
        settings = self._settings(config)
        if settings is None:
            raise ValueError("log-failover is not configured")
        spec = _target(config.targets, settings.canary)
        if spec is None:
            raise ValueError(f"no logcanary target {settings.canary!r}")
        return settings, spec

    def count(self, config: LoadedConfig) -> int:
        """One failover when configured."""
        return 1 if self._settings(config) is not None else 0

    def disruption(self, config: LoadedConfig) -> str | None:
        """It stops the primary backend."""
        settings = self._settings(config)
        assert settings is not None
        return f"stops the primary log backend: {shown_command(settings.stop.command)}"

    def plan(self, config: LoadedConfig) -> list[str]:
        """What is stopped, emitted and awaited, for how long."""
        settings, spec = self._resolved(config)
        assert isinstance(spec.config, LogCanaryTarget)
        primary, secondaries = _backends(spec.config, settings)
        names = ", ".join(b.name for b in secondaries)
        targets = settings.targets
        return [
            f"baseline: one canary through {spec.key}'s emitter must reach {primary.name}"
            f" and {names} (else nothing is stopped)",
            f"stop {primary.name}: `{shown_command(settings.stop.command)}`"
            f" (timeout {format_duration(settings.stop.timeout)})",
            f"emit {settings.canaries} canaries {format_duration(settings.spacing)} apart;"
            f" each must reach {names} within {format_duration(targets.secondary)}, and"
            f" {primary.name} must not get them",
            f"start {primary.name}: `{shown_command(settings.start.command)}`"
            f" (timeout {format_duration(settings.start.timeout)}; always, also when"
            " interrupted)",
            f"{primary.name} must receive a new canary and the backlog within"
            f" {format_duration(targets.recovery)}",
        ]

    def cross_check(
        self, settings: Any, targets: Sequence[TargetSpec]
    ) -> list[tuple[KeyPath, str]]:
        """The canary target exists; the backends named are its backends."""
        assert isinstance(settings, LogFailoverSettings)
        spec = _target(targets, settings.canary)
        if spec is None:
            jobs = ", ".join(s.job for s in targets if isinstance(s.config, LogCanaryTarget))
            return [
                (
                    ("canary",),
                    f"no logcanary target with job {settings.canary!r}"
                    f" (logcanary targets: {jobs or 'none configured'})",
                )
            ]
        assert isinstance(spec.config, LogCanaryTarget)
        names = [b.name for b in spec.config.backends]
        problems: list[tuple[KeyPath, str]] = []
        if settings.primary is not None and settings.primary not in names:
            problems.append((("primary",), f"not a backend of {settings.canary}: {names}"))
        for index, name in enumerate(settings.secondaries):
            if name not in names:
                problems.append(
                    (("secondaries", index), f"not a backend of {settings.canary}: {names}")
                )
        primary = settings.primary or spec.config.primary_name
        if not problems and not [n for n in settings.secondaries or names if n != primary]:
            problems.append((("secondaries",), "no secondary backend to fail over to"))
        return problems

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        """The one failover."""
        settings, spec = self._resolved(ctx.config)
        assert isinstance(spec.config, LogCanaryTarget)
        primary, secondaries = _backends(spec.config, settings)
        where = f"{primary.name} → {', '.join(b.name for b in secondaries)}"
        result = ChannelResult("log failover", "log-failover", where)
        canaries = CanaryRun(
            ctx.session,
            spec.config,
            ctx.drill.id,
            spec.config.max_response_bytes,
            spec.timeout,
        )
        failover = Failover(
            settings, result, canaries, primary, secondaries, ctx.config.source.parent
        )
        return [(result, drill_log_failover(failover))]


STAGE = LogFailoverStage()
