"""The ``alerting`` stage: the drill's test alert through every delivery channel.

Each Alertmanager replica, emergency receiver and the outgoing heartbeat is exercised on its
own, at the same time. Nothing in production is stopped, so it is never disruptive; its
settings are the ``alerting`` section itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from watchdog.config.errors import KeyPath
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.drill.stage import DrillContext, DrillJob
from watchdog.drill.stages.alerting.alertmanager import alertmanager_channel, drill_alertmanager
from watchdog.drill.stages.alerting.receivers import (
    drill_heartbeat,
    drill_receiver,
    heartbeat_channel,
    receiver_channel,
)
from watchdog.journal import ANCHOR_FILE, LocalAnchor
from watchdog.notify.ping import PingAnchor
from watchdog.notify.receivers import RECEIVERS, build_channels

__all__ = ["STAGE", "AlertingStage"]


class AlertingStage:
    """Post, verify and resolve on each replica; trigger and resolve on each receiver; ping."""

    name = "alerting"
    title = "Channels"
    unit = "channels"
    needs = "an alert channel (alerting.alertmanagers, alerting.emergency, alerting.heartbeat)"
    key = "alerting"
    settings: type[BaseModel] | None = None

    def count(self, config: LoadedConfig) -> int:
        """Replicas, receivers and the heartbeat."""
        alerting = config.model.alerting
        return (
            len(alerting.alertmanagers) + len(alerting.emergency) + (alerting.heartbeat is not None)
        )

    def disruption(self, config: LoadedConfig) -> str | None:
        """Never: a labelled test alert disturbs nothing (the on-call should know, though)."""
        return None

    def plan(self, config: LoadedConfig) -> list[str]:
        """Each channel and what it gets."""
        alerting = config.model.alerting
        lines = [
            f"post the test alert to {alertmanager_channel(am).channel}, see it listed, resolve it"
            for am in alerting.alertmanagers
        ]
        channels = build_channels(alerting.emergency)
        for channel, receiver in zip(channels, alerting.emergency, strict=True):
            shown = receiver_channel(channel, receiver)
            resolves = RECEIVERS[channel.kind].can_resolve or channel.send_resolved
            then = ", then resolve it" if resolves else ""
            lines.append(f"send the test alert to {shown.channel} ({shown.target}){then}")
        if alerting.heartbeat is not None:
            lines.append(f"ping the heartbeat ({heartbeat_channel(alerting.heartbeat).target})")
        return lines

    def cross_check(
        self, settings: Any, targets: Sequence[TargetSpec]
    ) -> list[tuple[KeyPath, str]]:
        """Nothing to relate: its settings are the alerting section."""
        return []

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        """One job per channel."""
        alerting, drill, session = ctx.config.model.alerting, ctx.drill, ctx.session
        jobs: list[DrillJob] = []
        for am in alerting.alertmanagers:
            result = alertmanager_channel(am)
            job = drill_alertmanager(
                result, am, drill, session=session, budget=ctx.budget, hold=ctx.hold
            )
            jobs.append((result, job))
        channels = build_channels(alerting.emergency)
        for channel, receiver in zip(channels, alerting.emergency, strict=True):
            result = receiver_channel(channel, receiver)
            job = drill_receiver(
                result, channel, drill, session=session, budget=ctx.budget, hold=ctx.hold
            )
            jobs.append((result, job))
        if (heartbeat := alerting.heartbeat) is not None:
            result = heartbeat_channel(heartbeat)
            anchor = _journal_anchor(ctx.config)
            job = drill_heartbeat(
                result, heartbeat, session=session, budget=ctx.budget, anchor=anchor
            )
            jobs.append((result, job))
        return jobs


def _journal_anchor(config: LoadedConfig) -> PingAnchor | None:
    """The daemon's last verified journal anchor (from state_dir), for the drill's ping."""
    path = config.model.state_dir / ANCHOR_FILE
    anchor, _problem = LocalAnchor(path, config.model.journal.keys()).read()
    return PingAnchor(anchor) if anchor is not None else None


STAGE = AlertingStage()
