"""Emergency receivers, one module per kind, each with a pure ``build_body`` and a ``KIND``.

``RECEIVERS`` maps a receiver ``kind`` to its ``ReceiverKind`` (config model, channel,
capabilities); the ``alerting.emergency`` config union is built from it. Adding a kind means
one module and one line here.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchdog.notify.receivers import pagerduty, slack, webhook
from watchdog.notify.receivers.base import (
    EmergencyChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
)

__all__ = [
    "RECEIVERS",
    "EmergencyChannel",
    "Message",
    "ReceiverConfig",
    "ReceiverKind",
    "Request",
    "build_channels",
    "receiver_names",
]

RECEIVERS: dict[str, ReceiverKind] = {
    kind.name: kind for kind in (webhook.KIND, slack.KIND, pagerduty.KIND)
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
