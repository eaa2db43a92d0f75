"""The delivery section: replicas, fallback, emergency receivers, outbox, heartbeats, journal."""

from __future__ import annotations

from watchdog.notify.service import DeliveryService
from watchdog.redact import redact
from watchdog.status.views import (
    DeliveryView,
    FallbackView,
    HeartbeatInView,
    HeartbeatOutView,
    JournalView,
    OutboxView,
    ReceiverView,
    ReplicaView,
    When,
)

__all__ = ["build_delivery"]


def _when(ts: float | None) -> When | None:
    return When(ts) if ts is not None else None


def _replicas(service: DeliveryService, now: float) -> list[ReplicaView]:
    chain = service.chain
    views = []
    for replica in chain.replicas:
        health = replica.health
        failure = health.failure(now, chain.config.fallback)
        error = health.last_error or health.probe_error
        views.append(
            ReplicaView(
                name=replica.name,
                available=failure is None,
                failure=redact(failure) if failure else None,
                last_accepted=_when(health.last_success),
                last_error=redact(error) if error else None,
                queue=len(replica),
            )
        )
    return views


def _fallback(service: DeliveryService) -> FallbackView:
    chain = service.chain
    switch = chain.switch
    episode = switch.episode
    return FallbackView(
        active=switch.active,
        reason=redact(switch.state.reason()) if switch.active else None,
        since=_when(episode.since) if episode is not None else None,
        delivered=episode.delivered if episode is not None else 0,
        emergency_configured=chain.emergency.configured,
        alertmanagers_configured=bool(chain.replicas),
    )


def _heartbeats(service: DeliveryService, now: float) -> tuple[HeartbeatOutView, HeartbeatInView]:
    out = service.heartbeat_out
    config = service.chain.config.heartbeat
    configured_out = config is not None
    out_view = HeartbeatOutView(
        configured=configured_out,
        state=out.state if out is not None else ("starting" if configured_out else "off"),
        last_success=_when(out.last_success) if out is not None else None,
        interval=service.chain.config.heartbeat.interval
        if service.chain.config.heartbeat
        else None,
    )
    beat_in = service.heartbeat_in
    if beat_in is None:
        return out_view, HeartbeatInView(False, None, None, overdue=False)
    since = beat_in.last_received if beat_in.last_received is not None else beat_in.started
    return out_view, HeartbeatInView(
        configured=True,
        last_received=_when(beat_in.last_received),
        window=beat_in.config.window,
        overdue=now - since > beat_in.config.window,
    )


def _journal(service: DeliveryService) -> JournalView:
    count, head = service.journal.head()
    state = service.journal_guard.state
    return JournalView(
        entries=count,
        head=head,
        anchor=str(state.anchor),
        outcome=state.outcome,
        problem=redact(state.problem) if state.problem else None,
        verified_at=_when(state.verified_at),
    )


def build_delivery(service: DeliveryService, now: float) -> DeliveryView:
    """The delivery section as of ``now``."""
    depth, oldest = service.chain.outbox_stats
    beat_out, beat_in = _heartbeats(service, now)
    return DeliveryView(
        replicas=_replicas(service, now),
        fallback=_fallback(service),
        receivers=[
            ReceiverView(
                name=channel.name,
                kind=channel.kind,
                last_success=_when(channel.last_success),
                last_failure=_when(channel.last_failure),
                last_error=channel.last_error,
            )
            for channel in service.chain.receivers
        ],
        outbox=OutboxView(depth=depth, oldest=_when(oldest)),
        heartbeat_out=beat_out,
        heartbeat_in=beat_in,
        journal=_journal(service),
    )
