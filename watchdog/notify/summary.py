"""Short, secret-free descriptions of alerts and delivery attempts for the journal and logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from watchdog.alerts import Notification
from watchdog.notify.http import Attempt

__all__ = ["MAX_LISTED", "alert_summaries", "delivery_entry"]

MAX_LISTED = 20


def alert_summaries(alerts: Sequence[Notification]) -> list[str]:
    """``AlertName/fingerprint:status`` for each alert, at most ``MAX_LISTED`` of them."""
    listed = [f"{a.alertname}/{a.fingerprint}:{a.status}" for a in alerts[:MAX_LISTED]]
    if len(alerts) > MAX_LISTED:
        listed.append(f"… {len(alerts) - MAX_LISTED} more")
    return listed


def delivery_entry(
    channel: str, kind: str, attempt: Attempt, alerts: Sequence[Notification]
) -> dict[str, Any]:
    """The journal entry for one delivery attempt: channel, outcome, latency, what it carried."""
    return {
        "channel": channel,
        "kind": kind,
        "outcome": attempt.outcome,
        "latency": round(attempt.latency, 6),
        "status": attempt.status,
        "error": attempt.error,
        "alerts": alert_summaries(alerts),
    }
