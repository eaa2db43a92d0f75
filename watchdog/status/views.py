"""What the status page shows, section by section, as plain data.

The HTML page (``watchdog.page``) and its JSON twins (``watchdog.status.api``) render the same
views, so the page never says something its API does not. Every moment is a ``When`` (the
page shows it relative and in UTC, the API as RFC 3339); every URL in a view went through
``redact_url`` and every text that came from outside through ``redact``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from watchdog.probe_history import Bucket

__all__ = [
    "AlertDelivery",
    "AlertView",
    "DeliveryView",
    "DrillStageView",
    "DrillsView",
    "FallbackView",
    "HeartbeatInView",
    "HeartbeatOutView",
    "JobGroup",
    "JournalView",
    "OutboxView",
    "PeerView",
    "PeersView",
    "ReceiverView",
    "ReplicaView",
    "StatusView",
    "TargetView",
    "Verdict",
    "When",
]

Level = Literal["ok", "firing", "degraded", "unhealthy"]
TargetHealth = Literal["up", "failing", "down", "unknown"]


@dataclass(frozen=True)
class When:
    """A moment (unix seconds)."""

    ts: float


@dataclass(frozen=True)
class Verdict:
    """The banner: the worst of what is wrong, and every reason."""

    level: Level
    headline: str
    reasons: list[str]
    firing: int
    pending: int
    targets_up: int
    targets_total: int


@dataclass(frozen=True)
class AlertDelivery:
    """How an alert reached (or waits to reach) someone."""

    path: Literal["alertmanager", "emergency", "outbox", "not_sent", "unknown"]
    detail: str
    at: When | None = None


@dataclass(frozen=True)
class AlertView:
    """One pending or firing alert."""

    name: str
    state: Literal["firing", "pending"]
    severity: str
    fingerprint: str
    labels: dict[str, str]
    summary: str
    since: When
    for_remaining: float | None
    """Seconds until a pending alert fires (None when firing)."""
    value: str
    group: str
    delivery: AlertDelivery
    silenced_by: list[str] | None = None
    """Silence ids matching it; None when no silence source exists."""
    inhibited_by: list[str] | None = None
    """Alerts inhibiting it; None when no inhibition source exists."""
    fallback_receivers: list[str] | None = None
    """The emergency receivers its fallback routes reach; None when unknown."""


@dataclass(frozen=True)
class TargetView:
    """One target's row."""

    job: str
    instance: str
    kind: str
    endpoint: str
    health: TargetHealth
    error: str | None
    hint: str | None
    """What the error usually means, in plain words."""
    last_probe: When | None
    last_success: When | None
    duration: float | None
    interval: float
    facts: list[tuple[str, str]]
    history: list[Bucket] = field(repr=False)


@dataclass(frozen=True)
class JobGroup:
    """The targets of one job: counts, and the rows the page shows."""

    job: str
    kinds: list[str]
    counts: dict[str, int]
    targets: list[TargetView]
    hidden: int
    """Healthy targets left out of ``targets`` (the job's own view shows them)."""


@dataclass(frozen=True)
class ReplicaView:
    """One Alertmanager replica as delivery sees it."""

    name: str
    available: bool
    failure: str | None
    last_accepted: When | None
    last_error: str | None
    queue: int


@dataclass(frozen=True)
class ReceiverView:
    """One emergency receiver."""

    name: str
    kind: str
    last_success: When | None
    last_failure: When | None
    last_error: str | None


@dataclass(frozen=True)
class FallbackView:
    """Which path alerts take now."""

    active: bool
    reason: str | None
    since: When | None
    delivered: int
    emergency_configured: bool
    alertmanagers_configured: bool


@dataclass(frozen=True)
class OutboxView:
    """Notifications written but not yet taken by any channel."""

    depth: int
    oldest: When | None


@dataclass(frozen=True)
class HeartbeatOutView:
    """The dead man's switch this daemon pings."""

    configured: bool
    state: str
    last_success: When | None
    interval: float | None


@dataclass(frozen=True)
class HeartbeatInView:
    """Prometheus' Watchdog alert arriving through Alertmanager."""

    configured: bool
    last_received: When | None
    window: float | None
    overdue: bool


@dataclass(frozen=True)
class JournalView:
    """The hash-chained journal: its head and its last verification."""

    entries: int
    head: str
    anchor: str
    outcome: str
    problem: str | None
    verified_at: When | None


@dataclass(frozen=True)
class DeliveryView:
    """Everything between the rule engine and a person."""

    replicas: list[ReplicaView]
    fallback: FallbackView
    receivers: list[ReceiverView]
    outbox: OutboxView
    heartbeat_out: HeartbeatOutView
    heartbeat_in: HeartbeatInView
    journal: JournalView


@dataclass(frozen=True)
class PeerView:
    """One HA peer."""

    name: str
    up: bool
    since: When | None
    error: str | None
    clock_skew: float | None


@dataclass(frozen=True)
class PeersView:
    """This instance and its HA peers."""

    me: str
    position: int
    peers: list[PeerView]


@dataclass(frozen=True)
class DrillStageView:
    """The last drill of one stage."""

    stage: str
    finished_at: When
    passed: bool
    summary: str
    report: str
    overdue: bool
    """Older than a quarter: the next drill is due."""


@dataclass(frozen=True)
class DrillsView:
    """The last drill per stage, and reports that could not be read."""

    stages: list[DrillStageView]
    unreadable: list[str]


@dataclass(frozen=True)
class StatusView:
    """The whole page."""

    generated_at: When
    verdict: Verdict
    alerts: list[AlertView]
    groups: list[JobGroup]
    delivery: DeliveryView
    peers: PeersView | None
    """None: no HA peers configured (or the daemon has no HA support)."""
    drills: DrillsView | None
    """None: no drill history source."""
    job: str | None = None
    """The one job this view is limited to, if any."""
