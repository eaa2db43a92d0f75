"""Drill every configured channel at once, each independently; a crash costs one channel only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from watchdog.app import make_session
from watchdog.config.alerting import AlertingConfig
from watchdog.config.model import LoadedConfig
from watchdog.drill.alert import DrillAlert, new_drill
from watchdog.drill.alertmanager import alertmanager_channel, drill_alertmanager
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.receivers import (
    drill_heartbeat,
    drill_receiver,
    heartbeat_channel,
    receiver_channel,
)
from watchdog.journal import ANCHOR_FILE, LocalAnchor
from watchdog.notify.ping import PingAnchor
from watchdog.notify.receivers import build_channels
from watchdog.redact import redact

__all__ = ["DrillRun", "channel_count", "run_drill"]


@dataclass(frozen=True)
class DrillRun:
    """The drill and what came of it on every channel."""

    drill: DrillAlert
    results: list[ChannelResult]
    finished_at: float

    @property
    def passed(self) -> bool:
        """Every channel passed."""
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def summary(self) -> str:
        """``4 of 5 channels passed``."""
        good = sum(r.passed for r in self.results)
        return f"{good} of {len(self.results)} channels passed"


def channel_count(alerting: AlertingConfig) -> int:
    """How many channels a drill would exercise."""
    return len(alerting.alertmanagers) + len(alerting.emergency) + (alerting.heartbeat is not None)


async def run_drill(config: LoadedConfig, *, budget: float, hold: float = 0.0) -> DrillRun:
    """Send the drill through every configured channel concurrently; collect the results."""
    alerting = config.model.alerting
    drill = new_drill(time.time(), config.external_labels, lasts=2 * budget + hold)
    async with make_session() as session:
        jobs: list[tuple[ChannelResult, Coroutine[Any, Any, None]]] = []
        for am in alerting.alertmanagers:
            result = alertmanager_channel(am)
            job = drill_alertmanager(result, am, drill, session=session, budget=budget, hold=hold)
            jobs.append((result, job))
        channels = build_channels(alerting.emergency)
        for channel, receiver in zip(channels, alerting.emergency, strict=True):
            result = receiver_channel(channel, receiver)
            job = drill_receiver(result, channel, drill, session=session, budget=budget, hold=hold)
            jobs.append((result, job))
        if (heartbeat := alerting.heartbeat) is not None:
            result = heartbeat_channel(heartbeat)
            anchor = _journal_anchor(config)
            job = drill_heartbeat(result, heartbeat, session=session, budget=budget, anchor=anchor)
            jobs.append((result, job))
        await asyncio.gather(*(_guarded(result, job) for result, job in jobs))
    return DrillRun(drill, [result for result, _ in jobs], time.time())


def _journal_anchor(config: LoadedConfig) -> PingAnchor | None:
    """The daemon's last verified journal anchor (from state_dir), for the drill's ping."""
    path = config.model.state_dir / ANCHOR_FILE
    anchor, _problem = LocalAnchor(path, config.model.journal.keys()).read()
    return PingAnchor(anchor) if anchor is not None else None


async def _guarded(result: ChannelResult, job: Coroutine[Any, Any, None]) -> None:
    try:
        await job
    except Exception as exc:  # a bug in one channel's drill must not hide the others' results
        result.add(Step("drill", False, None, redact(f"crashed: {type(exc).__name__}: {exc}")))
