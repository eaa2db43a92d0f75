"""Drill an emergency receiver or the outgoing heartbeat with the daemon's own request builders.

A receiver gets the drill alert firing, built by its real ``build_body`` (webhook: an
Alertmanager v4 payload; Slack: Block Kit; PagerDuty: an Events v2 ``trigger``), then the same
alert resolved: always where the kind ``can_resolve`` (PagerDuty: a ``resolve`` with the same
``dedup_key``, so no incident stays open), for the others when the daemon would resolve there
too (``send_resolved``). The
heartbeat gets one ping, exactly like the daemon's. Success is a 2xx answer: what happens
after the receiver accepted cannot be seen from here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp

from watchdog.alerts import Notification
from watchdog.config.alerting import HeartbeatConfig
from watchdog.drill.alert import DrillAlert
from watchdog.drill.interrupt import uninterrupted
from watchdog.drill.outcome import ACCEPTED, ChannelResult, Step, answer
from watchdog.notify.http import send_request
from watchdog.notify.ping import PingAnchor, ping_request
from watchdog.notify.receivers import RECEIVERS, EmergencyChannel, Message, ReceiverConfig
from watchdog.notify.receivers.base import origin_only

__all__ = [
    "drill_heartbeat",
    "drill_receiver",
    "heartbeat_channel",
    "receiver_channel",
]


async def drill_receiver(
    result: ChannelResult,
    channel: EmergencyChannel,
    drill: DrillAlert,
    *,
    session: aiohttp.ClientSession,
    budget: float,
    hold: float = 0.0,
) -> None:
    """Send the drill alert firing, then resolved, to one emergency receiver."""
    kind = RECEIVERS[channel.kind]
    first = "trigger" if kind.dedups_by_key else "send"
    if not await _deliver(result, first, channel, [drill.firing()], drill, session, budget):
        return
    result.outcome = ACCEPTED
    result.latency = result.steps[0].latency
    # A receiver where the trigger opened an incident is always resolved: no drill stays open,
    # not even when the drill is interrupted during the hold.
    if kind.can_resolve or channel.send_resolved:
        try:
            await asyncio.sleep(hold)
        finally:
            resolved = [drill.resolved(time.time())]
            await uninterrupted(
                _deliver(result, "resolve", channel, resolved, drill, session, budget)
            )


async def _deliver(
    result: ChannelResult,
    step: str,
    channel: EmergencyChannel,
    alerts: Sequence[Notification],
    drill: DrillAlert,
    session: aiohttp.ClientSession,
    budget: float,
) -> bool:
    """Send every request the channel builds for ``alerts``; False at the first failure."""
    try:
        requests = channel.requests(Message(channel.name, "dr-drill", alerts, drill.reason))
    except Exception as exc:  # a receiver's bug is this channel's failure, not the drill's
        result.add(Step(step, False, None, f"cannot build the request: {type(exc).__name__}"))
        return False
    deadline = time.monotonic() + budget
    for request in requests:
        limit = max(0.001, min(channel.timeout, deadline - time.monotonic()))
        attempt = await channel.send(session, request, limit)
        result.add(Step(step, attempt.ok, attempt.latency, answer(attempt)))
        if not attempt.ok:
            return False
    return True


def receiver_channel(channel: EmergencyChannel, receiver: ReceiverConfig) -> ChannelResult:
    """The (empty) result for one receiver, showing only what of its target is not secret."""
    return ChannelResult(channel.name, channel.kind, receiver.shown_target())


def heartbeat_channel(config: HeartbeatConfig) -> ChannelResult:
    """The (empty) result for the outgoing heartbeat."""
    return ChannelResult("heartbeat", "heartbeat", origin_only(config.target()))


async def drill_heartbeat(
    result: ChannelResult,
    config: HeartbeatConfig,
    *,
    session: aiohttp.ClientSession,
    budget: float,
    anchor: PingAnchor | None = None,
) -> None:
    """Ping the dead man's switch once, as the daemon does (with the journal's anchor)."""
    attempt = await send_request(
        session,
        ping_request(config, anchor),
        time_limit=min(config.timeout, budget),
    )
    result.add(Step("ping", attempt.ok, attempt.latency, answer(attempt)))
    if attempt.ok:
        result.outcome, result.latency = ACCEPTED, attempt.latency
