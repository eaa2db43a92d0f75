"""The ``ca-outage`` stage: the seed's "certificate renewal under CA failure". See ``outage``.

**Disruptive** when it has a stop command (it takes the CA away): it then runs only when
configured *and* named with ``--stage ca-outage``, and its start command always runs, even
when the drill is interrupted. Without one it checks a CA that is already down.
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
from watchdog.drill.stages.ca_outage.certificates import CERT_KINDS
from watchdog.drill.stages.ca_outage.outage import Outage, drill_ca_outage
from watchdog.drill.stages.ca_outage.settings import CaOutageSettings
from watchdog.durations import format_duration

__all__ = ["STAGE", "CaOutageStage"]


def _certificates(targets: Sequence[TargetSpec], settings: CaOutageSettings) -> list[TargetSpec]:
    """The certificate targets to check: the named jobs, or every tls/certfile/crl target."""
    kinds = [s for s in targets if s.kind in CERT_KINDS]
    return [s for s in kinds if s.job in settings.certificates] if settings.certificates else kinds


def _renewal_targets(targets: Sequence[TargetSpec], settings: CaOutageSettings) -> list[TargetSpec]:
    condition = settings.renewal
    if condition.certificate is not None:
        return [s for s in targets if s.job == condition.certificate]
    return [s for s in targets if s.job in condition.targets]


class CaOutageStage:
    """CA away: certificates stay valid; CA back: renewal recovers."""

    name = "ca-outage"
    title = "Certificates under a CA outage"
    unit = "outages"
    needs = "drill.ca_outage (stop and start, or ca_url; renewal)"
    key = "ca_outage"
    settings: type[BaseModel] | None = CaOutageSettings

    def _settings(self, config: LoadedConfig) -> CaOutageSettings:
        settings = config.drill.settings(self.key, CaOutageSettings)
        if settings is None:
            raise ValueError("ca-outage is not configured")
        return settings

    def count(self, config: LoadedConfig) -> int:
        """One outage when configured."""
        return 1 if config.drill.settings(self.key, CaOutageSettings) is not None else 0

    def disruption(self, config: LoadedConfig) -> str | None:
        """It stops the CA when it has a stop command."""
        settings = self._settings(config)
        if settings.stop is None:
            return None
        return f"stops the CA: {shown_command(settings.stop.command)}"

    def plan(self, config: LoadedConfig) -> list[str]:
        """What is stopped, checked and awaited, for how long."""
        settings = self._settings(config)
        certificates = ", ".join(s.key for s in _certificates(config.targets, settings))
        lines = []
        if settings.stop is not None:
            lines.append(
                f"stop the CA: `{shown_command(settings.stop.command)}`"
                f" (timeout {format_duration(settings.stop.timeout)})"
            )
        if settings.ca_url is not None:
            lines.append(f"confirm the CA at {settings.ca_url} no longer answers")
        lines.append(
            f"for {format_duration(settings.outage)}, every {format_duration(settings.interval)}:"
            f" probe {certificates or 'no certificate target'}; each certificate must stay valid"
            f" at least {format_duration(settings.margin)}"
        )
        if settings.start is not None:
            lines.append(
                f"start the CA: `{shown_command(settings.start.command)}` (always, also when"
                " interrupted)"
            )
        condition = settings.renewal
        what = (
            f"`{condition.query}` over {', '.join(condition.targets)}"
            if condition.query is not None
            else f"the notAfter of {condition.certificate} moving forward"
        )
        lines.append(
            f"renewal must recover within {format_duration(settings.targets.renewal)}: {what}"
        )
        return lines

    def cross_check(
        self, settings: Any, targets: Sequence[TargetSpec]
    ) -> list[tuple[KeyPath, str]]:
        """Named certificate and renewal jobs exist and are of the right kinds."""
        assert isinstance(settings, CaOutageSettings)
        problems: list[tuple[KeyPath, str]] = []
        kinds = {s.job: s.kind for s in targets}
        for index, job in enumerate(settings.certificates):
            if kinds.get(job) not in CERT_KINDS:
                problems.append(
                    (("certificates", index), f"{job!r} is not a tls, certfile or crl target")
                )
        condition = settings.renewal
        if condition.certificate is not None and kinds.get(condition.certificate) not in (
            "tls",
            "certfile",
        ):
            problems.append(
                (
                    ("renewal", "certificate"),
                    f"{condition.certificate!r} is not a tls or certfile target",
                )
            )
        for index, job in enumerate(condition.targets):
            if job not in kinds:
                problems.append((("renewal", "targets", index), f"no target with job {job!r}"))
        if not settings.certificates and not [s for s in targets if s.kind in CERT_KINDS]:
            problems.append((("certificates",), "no tls, certfile or crl target to check"))
        return problems

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        """The one outage."""
        settings = self._settings(ctx.config)
        targets = ctx.config.targets
        certificates = _certificates(targets, settings)
        result = ChannelResult(
            "ca outage", "ca-outage", f"{len(certificates)} certificate target(s)"
        )
        outage = Outage(
            settings,
            result,
            ctx.session,
            certificates,
            _renewal_targets(targets, settings),
            ctx.config.source.parent,
            ctx.config.global_.body_size_limit,
        )
        return [(result, drill_ca_outage(outage))]


STAGE = CaOutageStage()
