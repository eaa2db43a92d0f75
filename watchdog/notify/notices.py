"""Notices about delivery itself, sent through the emergency receivers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from watchdog.alerts import Notification, iso_time
from watchdog.durations import format_duration

__all__ = ["FOLLOWUP_NOTE", "RESTORED_ALERTNAME", "restored_notice"]

RESTORED_ALERTNAME = "WatchdogFallbackDelivery"
FOLLOWUP_NOTE = (
    "this alert was delivered here via the fallback path while Alertmanager was unreachable;"
    " Alertmanager accepts alerts again and has the resolved notice too"
)


def restored_notice(
    alertmanagers: Sequence[str],
    since: float,
    now: float,
    delivered: int,
    reason: str,
    external_labels: Mapping[str, str],
) -> Notification:
    """The one notice that says delivery returned to Alertmanager (a resolved pseudo-alert)."""
    names = ", ".join(alertmanagers) or "an Alertmanager"
    description = (
        f"{names} accepted alerts again at {iso_time(now)}. Fallback delivery was active from"
        f" {iso_time(since)} for {format_duration(max(0.0, now - since))}; {delivered}"
        f" notification(s) went to the emergency receivers meanwhile. It started because"
        f" {reason}."
    )
    return Notification(
        labels={**external_labels, "alertname": RESTORED_ALERTNAME, "severity": "info"},
        annotations={
            "summary": "Alertmanager accepts alerts again; delivery returned to it",
            "description": description,
        },
        starts_at=since,
        ends_at=now,
        status="resolved",
        group="monitor-watchdog",
        extra={"notice": "restored"},
    )
