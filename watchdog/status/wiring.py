"""The status page's sources and routes, taken from a running daemon's parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from aiohttp import web

from watchdog.clock import Clock
from watchdog.config.model import LoadedConfig
from watchdog.drill.metrics import DrillMetrics
from watchdog.health import LoopHealth
from watchdog.notify.service import DeliveryService
from watchdog.page.document import status_page_routes
from watchdog.rules.manager import RuleManager
from watchdog.scheduler import Scheduler
from watchdog.status.api import status_api_routes
from watchdog.status.drills import build_drills
from watchdog.status.sources import AlertMarks, StatusSources
from watchdog.status.views import DrillsView

__all__ = ["DaemonParts", "daemon_status_routes", "daemon_status_sources"]


class DaemonParts(Protocol):
    """What the page reads of ``watchdog.app.Daemon`` (each read anew: reloads swap them)."""

    clock: Clock
    health: LoopHealth
    config: LoadedConfig
    scheduler: Scheduler | None
    rules: RuleManager
    delivery: DeliveryService
    drills: DrillMetrics


def daemon_status_sources(daemon: DaemonParts) -> StatusSources:
    """Live sources over ``daemon``'s parts."""

    def drills() -> DrillsView:
        history = daemon.drills.history()
        return build_drills(history.stages.values(), history.unreadable, daemon.clock.now())

    def marks(labels: Mapping[str, str], now: float) -> AlertMarks:  # the path knows now
        status = daemon.delivery.chain.fallback_status(labels)
        return AlertMarks(
            silenced_by=list(status.get("silencedBy", [])),
            inhibited_by=list(status.get("inhibitedBy", [])),
            receivers=list(status.get("receivers", [])),
        )

    return StatusSources(
        clock=daemon.clock,
        health=daemon.health,
        config=lambda: daemon.config,
        targets=lambda: list(daemon.scheduler.states.values()) if daemon.scheduler else [],
        rule_groups=lambda: list(daemon.rules.states.values()),
        delivery=lambda: daemon.delivery,
        drills=drills,
        alert_marks=marks,
    )


def daemon_status_routes(daemon: DaemonParts) -> list[web.RouteDef]:
    """``GET /`` and the JSON twins for ``daemon``."""
    sources = daemon_status_sources(daemon)
    return [*status_page_routes(sources), *status_api_routes(sources)]
