"""Emergency receivers, one module per kind, each with a pure ``build_body`` and a ``KIND``.

``RECEIVERS`` maps a receiver ``kind`` to its ``ReceiverKind`` (config model, channel,
capabilities); the ``alerting.emergency`` config union is built from it. Adding a kind means
one module and one line here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from watchdog.notify.receivers import email, opsgenie, pagerduty, slack, webhook
from watchdog.notify.receivers.base import (
    AlertGroup,
    EmergencyChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
)
from watchdog.notify.routing import Route

__all__ = [
    "RECEIVERS",
    "AlertGroup",
    "EmergencyChannel",
    "Message",
    "ReceiverConfig",
    "ReceiverKind",
    "Request",
    "RoutedChannel",
    "build_channels",
    "receiver_names",
    "routed_channels",
]

RECEIVERS: dict[str, ReceiverKind] = {
    kind.name: kind
    for kind in (webhook.KIND, slack.KIND, pagerduty.KIND, email.KIND, opsgenie.KIND)
}


def receiver_names(receivers: Sequence[ReceiverConfig]) -> list[str]:
    """Each receiver's name: its ``name``, else its kind (numbered when a kind repeats)."""
    counts: dict[str, int] = {}
    for receiver in receivers:
        counts[receiver.kind] = counts.get(receiver.kind, 0) + 1
    seen: dict[str, int] = {}
    names: list[str] = []
    for receiver in receivers:
        seen[receiver.kind] = seen.get(receiver.kind, 0) + 1
        if receiver.name:
            names.append(receiver.name)
        elif counts[receiver.kind] > 1:
            names.append(f"{receiver.kind}-{seen[receiver.kind]}")
        else:
            names.append(receiver.kind)
    return names


def build_channels(receivers: Sequence[ReceiverConfig]) -> list[EmergencyChannel]:
    """One channel per configured receiver, named as in metrics and the journal."""
    names = receiver_names(receivers)
    return [
        RECEIVERS[cfg.kind].channel(name, cfg) for name, cfg in zip(names, receivers, strict=True)
    ]


class RoutedChannel(NamedTuple):
    """A channel with its route, and whether it gets resolves (``send_resolved``, or always
    where the kind ``can_resolve``: what a trigger opened there must be closed)."""

    channel: EmergencyChannel
    route: Route
    takes_resolves: bool


def routed_channels(receivers: Sequence[ReceiverConfig]) -> list[RoutedChannel]:
    """Every configured receiver as a channel with its route."""
    names = receiver_names(receivers)
    return [
        RoutedChannel(
            channel,
            cfg.route(name),
            cfg.send_resolved or RECEIVERS[cfg.kind].can_resolve,
        )
        for name, cfg, channel in zip(names, receivers, build_channels(receivers), strict=True)
    ]
