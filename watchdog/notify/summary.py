"""Short, secret-free descriptions of alerts for the journal and logs."""

from __future__ import annotations

from collections.abc import Sequence

from watchdog.alerts import Notification

__all__ = ["MAX_LISTED", "alert_summaries"]

MAX_LISTED = 20


def alert_summaries(alerts: Sequence[Notification]) -> list[str]:
    """``AlertName/fingerprint:status`` for each alert, at most ``MAX_LISTED`` of them."""
    listed = [f"{a.alertname}/{a.fingerprint}:{a.status}" for a in alerts[:MAX_LISTED]]
    if len(alerts) > MAX_LISTED:
        listed.append(f"… {len(alerts) - MAX_LISTED} more")
    return listed
