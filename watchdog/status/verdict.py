"""The banner: one verdict for the worst hour, and every reason behind it.

Levels, worst first: ``unhealthy`` (the daemon itself: lagging scheduler, overdue probes or
evaluations, a journal that is not intact), ``degraded`` (delivery: fallback active, the
outbox holding notifications for long, no receiver, the incoming heartbeat overdue),
``firing`` (alerts firing), ``ok``. Every reason that applies is listed, whatever the level.
"""

from __future__ import annotations

from watchdog.durations import format_duration
from watchdog.status.views import AlertView, DeliveryView, JobGroup, Level, Verdict, When

__all__ = ["OUTBOX_STUCK", "build_verdict"]

OUTBOX_STUCK = 60.0
"""A notification waiting in the outbox longer than this means delivery is stuck."""


def _delivery_reasons(delivery: DeliveryView, now: float) -> list[str]:
    reasons = []
    fallback = delivery.fallback
    if not fallback.alertmanagers_configured and not fallback.emergency_configured:
        reasons.append("no receiver configured: alerts reach nobody")
    elif fallback.active and fallback.alertmanagers_configured:
        where = (
            "the emergency receivers"
            if fallback.emergency_configured
            else "nobody (no emergency receiver): they wait in the outbox"
        )
        reasons.append(f"fallback active: alerts go to {where}")
    failing = [r.name for r in delivery.receivers if _failing_now(r.last_success, r.last_failure)]
    if failing and fallback.active:
        reasons.append(f"emergency receiver failing: {', '.join(failing)}")
    oldest = delivery.outbox.oldest
    if oldest is not None and now - oldest.ts > OUTBOX_STUCK:
        reasons.append(
            f"outbox: {delivery.outbox.depth} notification(s) waiting, the oldest for"
            f" {format_duration(round(now - oldest.ts))}"
        )
    if delivery.heartbeat_in.overdue:
        reasons.append(
            "incoming heartbeat overdue: the Prometheus → Alertmanager path may be broken"
        )
    if delivery.heartbeat_out.state == "failing":
        reasons.append("dead man's switch: pings fail")
    return reasons


def _failing_now(success: When | None, failure: When | None) -> bool:
    """Did the last send fail (a failure, and no success since)?"""
    if failure is None:
        return False
    return success is None or success.ts < failure.ts


def build_verdict(
    *,
    health_problems: list[str],
    alerts: list[AlertView],
    groups: list[JobGroup],
    delivery: DeliveryView,
    now: float,
) -> Verdict:
    """The banner from the other sections and the daemon's own loop health."""
    firing = sum(1 for a in alerts if a.state == "firing")
    pending = len(alerts) - firing
    up = sum(g.counts["up"] for g in groups)
    total = sum(sum(g.counts.values()) for g in groups)
    unhealthy = [f"watchdog: {p}" for p in health_problems]
    journal = delivery.journal
    if journal.outcome in ("tampered", "unverifiable"):
        unhealthy.append(f"journal {journal.outcome}: {journal.problem or 'see the log'}")
    degraded = _delivery_reasons(delivery, now)
    reasons = [*unhealthy, *degraded]
    level: Level
    if unhealthy:
        level, headline = "unhealthy", "WATCHDOG UNHEALTHY"
    elif degraded:
        level, headline = "degraded", "DELIVERY DEGRADED"
    elif firing:
        level, headline = "firing", f"{firing} ALERT{'S' if firing != 1 else ''} FIRING"
    else:
        level, headline = "ok", "ALL GOOD"
    if level in ("unhealthy", "degraded") and firing:
        reasons.append(f"{firing} alert{'s' if firing != 1 else ''} firing")
    down = total - up
    if down:
        reasons.append(f"{down} of {total} targets not up")
    return Verdict(level, headline, reasons, firing, pending, up, total)
