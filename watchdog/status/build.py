"""Assemble the status view from the daemon's live sources (one call per page or API answer)."""

from __future__ import annotations

import sqlite3

from watchdog.logs import get_logger
from watchdog.notify.outbox import Route
from watchdog.status.alerts import build_alerts
from watchdog.status.delivery import build_delivery
from watchdog.status.sources import StatusSources
from watchdog.status.targets import build_groups
from watchdog.status.verdict import build_verdict
from watchdog.status.views import StatusView, When

__all__ = ["build_status"]

_log = get_logger("status")


async def _waiting(sources: StatusSources) -> dict[str, tuple[Route, float]]:
    service = sources.delivery()
    try:
        return await service.db.call(service.outbox.waiting)
    except (sqlite3.Error, RuntimeError) as exc:  # a delivery service being swapped or stopped
        _log.debug("outbox not readable for the status page", error=str(exc))
        return {}


async def build_status(sources: StatusSources, *, job: str | None = None) -> StatusView:
    """Everything the page shows, as of now; ``job`` limits the components to one job."""
    now = sources.clock.now()
    service = sources.delivery()
    alerts = build_alerts(
        sources.rule_groups(), service.chain, await _waiting(sources), now, sources.alert_marks
    )
    all_groups = build_groups(sources.targets(), now)
    groups = all_groups if job is None else build_groups(sources.targets(), now, job=job)
    delivery = build_delivery(service, now)
    verdict = build_verdict(
        health_problems=sources.health.problems(),
        alerts=alerts,
        groups=all_groups,
        delivery=delivery,
        now=now,
    )
    return StatusView(
        generated_at=When(now),
        verdict=verdict,
        alerts=alerts,
        groups=groups,
        delivery=delivery,
        peers=sources.peers() if sources.peers is not None else None,
        drills=sources.drills() if sources.drills is not None else None,
        job=job,
    )
