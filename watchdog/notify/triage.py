"""What of a round each emergency receiver may be told: routing, silences, inhibitions.

Applied to every round before the dispatcher builds per-receiver messages, like
Alertmanager's route → inhibit → silence stages:

- a firing alert matched by an active silence (mirrored or local) or inhibited by another
  firing alert is **muted**: no receiver is told (counted, journaled once per change, shown
  in ``/api/v1/alerts``);
- a firing alert goes to every receiver whose route matches it;
- a resolved alert is never muted or routed away: it goes wherever the receiver was told it
  fired (the dispatcher's notification log decides), so no incident stays open. Alertmanager
  mutes the resolve of a silenced alert; here that would leave a page without its end;
- notices about delivery itself go to every receiver.

Inhibition sources are the alerts firing now (the rule engine's picture) plus the round's
own firing alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from watchdog.alerts import Notification
from watchdog.journal import JournalWriter
from watchdog.notify.inhibit import Inhibitor
from watchdog.notify.metrics import SilenceMetrics
from watchdog.notify.outbox import OutboxRow
from watchdog.notify.routing import Route
from watchdog.notify.silences import SilenceStore, Snapshot

__all__ = ["Muting", "RoundPlan", "Triage"]

Picture = Callable[[], Sequence[Notification]]


@dataclass(frozen=True)
class Muting:
    """Why an alert is not sent on the fallback path (nothing: it is sent)."""

    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()

    @property
    def muted(self) -> bool:
        """Silenced or inhibited."""
        return bool(self.silenced_by or self.inhibited_by)

    def to_json(self) -> dict[str, Any]:
        """Alertmanager's alert status shape: state, silencedBy, inhibitedBy."""
        return {
            "state": "suppressed" if self.muted else "active",
            "silencedBy": list(self.silenced_by),
            "inhibitedBy": list(self.inhibited_by),
        }


NOT_MUTED = Muting()


@dataclass(frozen=True)
class RoundPlan:
    """One round after triage: the muted alerts, and what each route may carry."""

    rows: Sequence[OutboxRow]
    muting: Mapping[str, Muting] = field(default_factory=dict)

    def rows_for(self, route: Route) -> list[OutboxRow]:
        """The rows ``route``'s receiver may be told about (the log decides what is due)."""
        return [row for row in self.rows if self.carries(route, row)]

    def carries(self, route: Route, row: OutboxRow) -> bool:
        """Whether ``route``'s receiver may be told about ``row``."""
        alert = row.notification
        if row.kind == "notice" or alert.status == "resolved":
            return True
        muted = self.muting.get(alert.fingerprint, NOT_MUTED).muted
        return not muted and route.matches(alert.labels)

    @property
    def muted(self) -> dict[str, Muting]:
        """The firing alerts nobody is told about, by fingerprint."""
        return {fp: m for fp, m in self.muting.items() if m.muted}


class Triage:
    """Routing, silences and inhibitions of the fallback path, with their bookkeeping."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        inhibitor: Inhibitor,
        silences: SilenceStore | None,
        metrics: SilenceMetrics,
        journal: JournalWriter,
        picture: Picture = lambda: [],
    ) -> None:
        self.routes = list(routes)
        self.picture = picture
        self._inhibitor = inhibitor
        self._silences = silences
        self._metrics = metrics
        self._journal = journal
        self._last: dict[str, Muting] = {}
        self._seen_snapshot: Snapshot | None = None
        self._next_change: float | None = None

    def snapshot(self, now: float) -> Snapshot:
        """The silences in force (re-read from disk when the files changed)."""
        return self._silences.snapshot(now) if self._silences is not None else Snapshot()

    def muting(
        self,
        labels: Mapping[str, str],
        now: float,
        firing: Sequence[Notification] | None = None,
        snapshot: Snapshot | None = None,
    ) -> Muting:
        """Whether an alert with ``labels`` is silenced or inhibited at ``now``."""
        snapshot = snapshot if snapshot is not None else self.snapshot(now)
        firing = firing if firing is not None else self.picture()
        return Muting(
            tuple(snapshot.silenced_by(labels, now)),
            tuple(self._inhibitor.inhibited_by(labels, firing)),
        )

    def plan(self, rows: Sequence[OutboxRow], now: float) -> RoundPlan:
        """Decide what of ``rows`` is muted at ``now``; count and journal what changed."""
        alerts = [r.notification for r in rows if r.kind != "notice"]
        firing_now = [a for a in alerts if a.status == "firing"]
        if not firing_now:
            self._forget([a for a in alerts if a.status == "resolved"])
            return RoundPlan(rows)
        snapshot = self.snapshot(now)
        sources = {a.fingerprint: a for a in self.picture()}
        sources.update((a.fingerprint, a) for a in firing_now)
        firing = list(sources.values())
        muting = {a.fingerprint: self.muting(a.labels, now, firing, snapshot) for a in firing_now}
        self._record(firing_now, muting, now)
        self._forget([a for a in alerts if a.status == "resolved"])
        return RoundPlan(rows, muting)

    def releases_inhibition(self, rows: Sequence[OutboxRow]) -> bool:
        """Whether a resolved alert in ``rows`` was inhibiting some alert that stays muted."""
        ended = {r.notification.fingerprint for r in rows if r.notification.status == "resolved"}
        return any(ended & set(m.inhibited_by) for m in self._last.values())

    def silences_changed(self, now: float) -> bool:
        """Whether silences changed (files edited, a silence started or ended) since the last
        call: muted alerts may be due now."""
        snapshot = self.snapshot(now)
        moved = snapshot is not self._seen_snapshot or (
            self._next_change is not None and now >= self._next_change
        )
        self._seen_snapshot, self._next_change = snapshot, snapshot.next_change(now)
        self._count(snapshot, now)
        return moved

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        """The receivers whose route matches ``labels``."""
        return [route.receiver for route in self.routes if route.matches(labels)]

    def _record(
        self, alerts: Sequence[Notification], muting: Mapping[str, Muting], now: float
    ) -> None:
        for alert in alerts:
            now_muted = muting[alert.fingerprint]
            if now_muted.silenced_by:
                self._metrics.muted.labels("silenced").inc()
            elif now_muted.inhibited_by:
                self._metrics.muted.labels("inhibited").inc()
            before = self._last.get(alert.fingerprint, NOT_MUTED)
            if now_muted != before:
                self._journal.record(
                    "muted",
                    {
                        "alertname": alert.alertname,
                        "fingerprint": alert.fingerprint,
                        "silencedBy": list(now_muted.silenced_by),
                        "inhibitedBy": list(now_muted.inhibited_by),
                    },
                    now,
                )
            if now_muted.muted:
                self._last[alert.fingerprint] = now_muted
            else:
                self._last.pop(alert.fingerprint, None)

    def _forget(self, resolved: Sequence[Notification]) -> None:
        for alert in resolved:
            self._last.pop(alert.fingerprint, None)

    def _count(self, snapshot: Snapshot, now: float) -> None:
        counts: dict[tuple[str, str], int] = {
            (source, state): 0
            for source in ("local", "mirrored")
            for state in ("active", "pending", "expired")
        }
        for silence in snapshot.effective():
            source = "local" if silence.source == "local" else "mirrored"
            counts[(source, silence.state(now))] += 1
        for (source, state), count in counts.items():
            self._metrics.silences.labels(source, state).set(count)
