"""The emergency side of the delivery chain, built from the ``alerting`` config: receivers
with their routes, triage (silences, inhibitions), the silence mirror and the dispatcher —
and what the rest of the daemon asks of it (the picture, how an alert would be treated)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from watchdog.alerts import Notification
from watchdog.clock import Clock
from watchdog.config.alerting import AlertingConfig
from watchdog.journal import JournalWriter
from watchdog.notify.emergency import EmergencyDispatcher
from watchdog.notify.inhibit import Inhibitor
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.observed import WatchedChannel
from watchdog.notify.outbox import Outbox, OutboxRow
from watchdog.notify.receivers import RoutedChannel, routed_channels
from watchdog.notify.silences import SilenceStore
from watchdog.notify.silences.mirror import SilenceMirror
from watchdog.notify.triage import Triage
from watchdog.sqlitedb import DbWorker

__all__ = ["FallbackPath", "Picture"]

Picture = Callable[[], Sequence[Notification]]
"""Every alert firing now (the rule engine's view), for the picture and for inhibitions."""


class FallbackPath:
    """Triage, mirror and dispatcher of the emergency receivers."""

    def __init__(
        self,
        config: AlertingConfig,
        *,
        db: DbWorker,
        outbox: Outbox,
        metrics: DeliveryMetrics,
        clock: Clock,
        journal: JournalWriter,
        silences: SilenceStore | None,
        external_labels: Mapping[str, str],
        external_url: str,
        on_idle: Callable[[], None],
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._clock = clock
        self._external_labels = dict(external_labels)
        watched = [(WatchedChannel(r.channel, clock), r) for r in routed_channels(config.emergency)]
        self.receivers = [channel for channel, _ in watched]
        """Each receiver's channel with its last success and failure (for the status page)."""
        routed = [RoutedChannel(channel, r.route, r.takes_resolves) for channel, r in watched]
        self.triage = Triage(
            [r.route for r in routed],
            inhibitor=Inhibitor(config.inhibit_rules),
            silences=silences,
            metrics=metrics.silences,
            journal=journal,
        )
        self.mirror = (
            SilenceMirror(
                config.alertmanagers,
                silences,
                clock=clock,
                interval=config.silences.mirror_interval,
                metrics=metrics.silences,
            )
            if silences is not None and config.alertmanagers
            else None
        )
        self.dispatcher = EmergencyDispatcher(
            routed,
            db=db,
            outbox=outbox,
            clock=clock,
            backoff=config.backoff,
            repeat_interval=config.repeat_interval,
            metrics=metrics,
            journal=journal,
            triage=self.triage,
            external_url=external_url.rstrip("/"),
            on_idle=on_idle,
            rng=rng,
        )
        self.picture_due = False
        """The whole picture goes to the receivers at the next pass (fallback started,
        silences changed, an inhibiting alert resolved)."""
        self._status_picture: tuple[float, list[Notification]] | None = None

    @property
    def picture(self) -> Picture:
        """Every alert firing now (set by the daemon to the rule engine's view)."""
        return self.triage.picture

    @picture.setter
    def picture(self, source: Picture) -> None:
        self.triage.picture = source

    def picture_rows(self, label: Callable[[Notification], Notification]) -> list[OutboxRow]:
        """The alerts firing now as rows that exist only in memory (negative ids): the rule
        engine re-creates them, so they need no outbox."""
        now = self._clock.now()
        alerts = [label(n) for n in self.picture()]
        return [
            OutboxRow(-index, 0, a.group, now, "primary", "alert", "", a)
            for index, a in enumerate(alerts, start=1)
        ]

    def status(self, labels: Mapping[str, str]) -> dict[str, Any]:
        """How the fallback path treats an alert with ``labels`` right now: the receivers its
        routes reach, and whether a silence or an inhibition mutes it."""
        full = {**self._external_labels, **labels}
        now = self._clock.now()
        if self._status_picture is None or now - self._status_picture[0] > 1.0:
            self._status_picture = (now, list(self.picture()))  # one per API call, not per alert
        muting = self.triage.muting(full, now, self._status_picture[1])
        return {"receivers": self.triage.receivers_for(full), **muting.to_json()}
