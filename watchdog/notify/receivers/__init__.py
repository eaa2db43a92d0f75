"""Emergency receivers, one module per kind, each with a pure ``build_body``.

``CHANNELS`` maps a receiver ``kind`` to the class that posts to it; adding a kind means one
module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from watchdog.config.alerting import EmergencyReceiver, receiver_names
from watchdog.notify.receivers import pagerduty, slack, webhook
from watchdog.notify.receivers.base import EmergencyChannel, Message, Request

__all__ = ["CHANNELS", "EmergencyChannel", "Message", "Request", "build_channels"]

CHANNELS: dict[str, Callable[[str, Any], EmergencyChannel]] = {
    "webhook": webhook.WebhookChannel,
    "slack": slack.SlackChannel,
    "pagerduty": pagerduty.PagerDutyChannel,
}


def build_channels(receivers: list[EmergencyReceiver]) -> list[EmergencyChannel]:
    """One channel per configured receiver, named as in metrics and the journal."""
    names = receiver_names(receivers)
    return [CHANNELS[cfg.kind](name, cfg) for name, cfg in zip(names, receivers, strict=True)]
