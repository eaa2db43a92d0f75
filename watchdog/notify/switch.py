"""The delivery path switch: Alertmanager or the emergency receivers, each change told once.

Wraps the pure ``assess`` with what a change means for the daemon: the ``fallback_active`` and
per-replica availability metrics, one journal entry and one log line per switch, and the
episode (since when, why, how much went to the emergency receivers) that the "Alertmanager
is back" notice reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.config.alerting import FallbackConfig
from watchdog.journal import JournalWriter
from watchdog.logs import get_logger
from watchdog.notify.fallback import FallbackState, ReplicaHealth, assess
from watchdog.notify.metrics import DeliveryMetrics

__all__ = ["Episode", "FallbackSwitch"]


@dataclass
class Episode:
    """One period of fallback delivery."""

    since: float
    reason: str
    delivered: int = 0


class FallbackSwitch:
    """Re-assesses the path and reports a finished episode when delivery returns."""

    def __init__(
        self,
        replicas: Sequence[tuple[str, ReplicaHealth]],
        config: FallbackConfig,
        *,
        metrics: DeliveryMetrics,
        journal: JournalWriter,
        emergency_configured: bool,
    ) -> None:
        self._replicas = list(replicas)  # (metric label, health)
        self._config = config
        self._metrics = metrics
        self._journal = journal
        self._emergency = emergency_configured
        self.state = FallbackState(active=False)
        self.episode: Episode | None = None
        self._log = get_logger("notify")

    @property
    def active(self) -> bool:
        """True while alerts go to the emergency receivers."""
        return self.state.active

    def available(self, now: float) -> list[str]:
        """Names of the replicas that count as accepting alerts."""
        return [h.name for _, h in self._replicas if h.failure(now, self._config) is None]

    def update(self, now: float) -> Episode | None:
        """Re-assess at ``now``; returns the episode that just ended, if delivery returned."""
        new = assess([h for _, h in self._replicas], now, self._config)
        for label, health in self._replicas:
            up = health.failure(now, self._config) is None
            self._metrics.alertmanager_available.labels(label).set(int(up))
        was_active, self.state = self.state.active, new
        self._metrics.fallback_active.set(int(new.active))
        if new.active and not was_active:
            self._activated(now)
        elif was_active and not new.active:
            return self._recovered(now)
        return None

    def _activated(self, now: float) -> None:
        reason = self.state.reason()
        if not self._replicas:  # a choice of configuration, not an outage
            self._log.info("no Alertmanager configured: emergency receivers deliver every alert")
            return
        self.episode = Episode(now, reason)
        self._metrics.fallback_transitions.labels("emergency").inc()
        self._journal.record("fallback", {"active": True, "reason": reason}, now)
        if self._emergency:
            self._log.warning("delivery falls back to emergency receivers", reason=reason)
        else:
            self._log.error(
                "fallback needed but no emergency receivers are configured;"
                " notifications wait in the outbox",
                reason=reason,
            )

    def _recovered(self, now: float) -> Episode:
        episode, self.episode = self.episode, None
        back = self.available(now)
        self._metrics.fallback_transitions.labels("alertmanager").inc()
        self._journal.record("fallback", {"active": False, "alertmanagers": back}, now)
        self._log.info("delivery returned to Alertmanager", alertmanagers=back)
        return episode or Episode(now, "")
