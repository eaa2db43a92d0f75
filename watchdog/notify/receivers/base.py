"""What every emergency receiver shares: the message it renders and the channel it posts to."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from watchdog.alerts import Notification
from watchdog.config.httpclient import ssl_context_for
from watchdog.config.tls import TLSConfig
from watchdog.notify.http import HttpRequest

__all__ = [
    "DELIVERY_ANNOTATION",
    "REASON_ANNOTATION",
    "EmergencyChannel",
    "HttpChannel",
    "Message",
    "Request",
    "mark_fallback",
]

DELIVERY_ANNOTATION = "watchdog_delivery"
REASON_ANNOTATION = "watchdog_fallback_reason"


@dataclass(frozen=True)
class Message:
    """One emergency delivery: the due alerts of one evaluation round, and why they come here.

    ``reason`` says why the emergency path carries them (which Alertmanagers failed and how).
    ``notice`` marks a message about delivery itself (Alertmanager is back), not about alerts.
    """

    receiver: str
    group: str
    alerts: Sequence[Notification]
    reason: str
    external_url: str = ""
    notice: bool = False

    @property
    def status(self) -> str:
        """``firing`` if any alert fires, else ``resolved`` (Alertmanager's group status)."""
        return "firing" if any(a.status == "firing" for a in self.alerts) else "resolved"


@dataclass(frozen=True)
class Request:
    """One HTTP request and the alerts it carries (partial success is tracked per request)."""

    http: HttpRequest
    alerts: Sequence[Notification]


class EmergencyChannel(Protocol):
    """A configured emergency receiver."""

    name: str
    kind: str
    send_resolved: bool
    timeout: float
    ssl_context: ssl.SSLContext | None

    def requests(self, message: Message) -> list[Request]:
        """The HTTP requests that deliver ``message``."""
        ...


def mark_fallback(alert: Notification, reason: str) -> Notification:
    """The alert with annotations saying it came via the fallback path, and why."""
    annotations = {**alert.annotations, DELIVERY_ANNOTATION: "fallback", REASON_ANNOTATION: reason}
    return replace(alert, annotations=annotations)


class ReceiverSettings(Protocol):
    """What every emergency receiver's config offers."""

    @property
    def send_resolved(self) -> bool:
        """Whether resolved notices go to this receiver."""
        ...

    @property
    def timeout(self) -> float:
        """Seconds one request may take."""
        ...

    @property
    def tls(self) -> TLSConfig | None:
        """TLS settings for https targets."""
        ...

    def target(self) -> str:
        """Where requests go (a secret: never printed)."""
        ...


ConfigT = TypeVar("ConfigT", bound=ReceiverSettings)


@dataclass
class HttpChannel(Generic[ConfigT]):
    """A receiver reached over HTTP(S): name, config, and what follows from the config."""

    name: str
    config: ConfigT

    def __post_init__(self) -> None:
        self.send_resolved = self.config.send_resolved
        self.timeout = self.config.timeout
        self.ssl_context: ssl.SSLContext | None = ssl_context_for(
            self.config.target(), self.config.tls
        )
