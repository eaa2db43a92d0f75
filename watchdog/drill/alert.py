"""The drill's test alert: unmistakably a drill, unique per run, safe if left behind."""

from __future__ import annotations

import getpass
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime

from watchdog.alerts import Notification, iso_time

__all__ = ["DRILL_ALERTNAME", "DRILL_TTL", "DrillAlert", "new_drill", "operator"]

DRILL_ALERTNAME = "WatchdogDRDrill"
_MILLISECOND = 0.001
DRILL_TTL = 600.0
"""Seconds after the drill's planned end at which Alertmanager resolves the drill alert on its
own, should the drill's own resolve never arrive (the drill was killed, the replica went away)."""


def operator() -> str:
    """``user@host`` of whoever started the drill (the sudo user when run through sudo)."""
    user = os.environ.get("SUDO_USER")
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class DrillAlert:
    """One drill: its id, when and by whom it started, and the alert it sends everywhere."""

    id: str
    started_at: float
    started_by: str
    external_labels: dict[str, str] = field(default_factory=dict)
    ttl: float = DRILL_TTL

    @property
    def labels(self) -> dict[str, str]:
        """The alert's labels (external labels first, so routing sees them; ours win)."""
        return {
            **self.external_labels,
            "alertname": DRILL_ALERTNAME,
            "severity": "none",
            "drill": self.id,
        }

    @property
    def annotations(self) -> dict[str, str]:
        """What a human reading the alert anywhere must understand at once."""
        return {
            "summary": f"DR drill {self.id}: test alert, no action needed",
            "description": (
                f"This is a disaster-recovery drill of monitor-watchdog's alert channels, started"
                f" by {self.started_by} at {iso_time(self.started_at)}. It checks that this"
                " channel delivers and is resolved right after. Nothing is wrong."
            ),
            "drill_started_by": self.started_by,
        }

    @property
    def reason(self) -> str:
        """Why the emergency receivers get it (their bodies carry a reason line)."""
        return f"DR drill {self.id} started by {self.started_by}: testing this channel"

    def firing(self) -> Notification:
        """The alert, firing (ends by itself after ``ttl``)."""
        return self._note("firing", self.started_at + self.ttl)

    def resolved(self, now: float) -> Notification:
        """The same alert, resolved a millisecond before ``now``.

        Times go out at millisecond precision, rounded: an end rounded past the moment it
        arrives is not yet a resolve to Alertmanager, whose merge then keeps the firing
        alert's later end, and the drill alert would stay listed until its TTL.
        """
        return self._note("resolved", now - _MILLISECOND)

    def _note(self, status: str, ends_at: float) -> Notification:
        return Notification(
            labels=self.labels,
            annotations=self.annotations,
            starts_at=self.started_at,
            ends_at=ends_at,
            status=status,  # type: ignore[arg-type]
            group="dr-drill",
        )


def new_drill(
    now: float, external_labels: dict[str, str] | None = None, *, lasts: float = 0.0
) -> DrillAlert:
    """A drill starting at ``now``, planned to take ``lasts`` seconds, with a fresh id (the UTC
    time and a random suffix)."""
    stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    drill_id = f"{stamp}-{secrets.token_hex(3)}"
    return DrillAlert(drill_id, now, operator(), dict(external_labels or {}), lasts + DRILL_TTL)
