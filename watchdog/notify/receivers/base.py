"""What every emergency receiver shares: its kind, config, the message it renders, its channel.

A receiver kind is a ``ReceiverKind``: the config model (a ``ReceiverConfig`` with its own
``kind`` literal), the channel class built from it, and capabilities that code outside the
receiver reads instead of matching kind names.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from watchdog.alerts import Notification
from watchdog.config.httpclient import ssl_context_for
from watchdog.config.tls import TLSConfig
from watchdog.config.types import Duration, Model
from watchdog.notify.http import Attempt, HttpRequest, send_request
from watchdog.notify.matchers import MatcherList, matchers_of
from watchdog.notify.routing import ALL_LABELS, DEFAULT_GROUP_BY, AlertGroup, Route
from watchdog.redact import REDACTED, redact

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "DELIVERY_ANNOTATION",
    "PROBE_ERROR_ANNOTATION",
    "PROBE_FACTS_ANNOTATION",
    "REASON_ANNOTATION",
    "AlertGroup",
    "EmergencyChannel",
    "HttpChannel",
    "Message",
    "ReceiverConfig",
    "ReceiverKind",
    "Request",
    "mark_fallback",
    "origin_only",
    "probe_context",
]

DELIVERY_ANNOTATION = "watchdog_delivery"
REASON_ANNOTATION = "watchdog_fallback_reason"
PROBE_ERROR_ANNOTATION = "watchdog_probe_error"
PROBE_FACTS_ANNOTATION = "watchdog_probe_facts"
_PROBE_TITLES = (
    (PROBE_ERROR_ANNOTATION, "Probe error"),
    (PROBE_FACTS_ANNOTATION, "Probe facts"),
)
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class ReceiverConfig(Model):
    """The settings every receiver has; each kind subclasses it with ``kind: Literal[...]``."""

    kind: str
    name: str | None = None
    send_resolved: bool = True
    timeout: Duration = 10.0
    tls: TLSConfig | None = None
    matchers: MatcherList = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=lambda: list(DEFAULT_GROUP_BY))

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: list[str]) -> list[str]:
        if ALL_LABELS in value and len(value) > 1:
            raise ValueError(f"{ALL_LABELS!r} groups by all labels and must stand alone")
        for name in value:
            if name != ALL_LABELS and not _LABEL_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid label name")
        return value

    def route(self, name: str) -> Route:
        """This receiver's route (matchers and grouping), named ``name``."""
        return Route(name, tuple(matchers_of(self.matchers)), tuple(self.group_by))

    def target(self) -> str:
        """Where requests go (may be a secret: never printed)."""
        raise NotImplementedError

    def shown_target(self) -> str:
        """Where requests go, safe to print: by default only the origin (the URL is a secret)."""
        return origin_only(self.target())


@dataclass(frozen=True)
class Message:
    """One emergency delivery to one receiver: the due alerts of a round, and why they come
    here.

    ``reason`` says why the emergency path carries them (which Alertmanagers failed and how).
    ``notice`` marks a message about delivery itself (Alertmanager is back), not about alerts.
    ``groups`` are the alerts grouped by the receiver's route (Alertmanager's aggregation
    groups: ``groupLabels``, ``groupKey``); empty means one group of all alerts by alert name.
    Receivers that post one body per group (webhook) send one request per group; the others
    render all groups in one message.
    """

    receiver: str
    group: str
    alerts: Sequence[Notification]
    reason: str
    external_url: str = ""
    notice: bool = False
    groups: Sequence[AlertGroup] = ()

    def alert_groups(self) -> Sequence[AlertGroup]:
        """``groups``, or the alerts grouped by ``alertname`` (a receiver without a route)."""
        return self.groups or Route(self.receiver).group(self.alerts)

    @property
    def status(self) -> str:
        """``firing`` if any alert fires, else ``resolved`` (Alertmanager's group status)."""
        return "firing" if any(a.status == "firing" for a in self.alerts) else "resolved"


@dataclass(frozen=True)
class Request:
    """One request and the alerts it carries (partial success is tracked per request).

    ``http`` for receivers reached over HTTP; others (email) carry their own ``payload``.
    """

    http: HttpRequest | None
    alerts: Sequence[Notification]
    payload: object = None


class EmergencyChannel(Protocol):
    """A configured emergency receiver: builds its requests and sends them."""

    name: str
    kind: str
    send_resolved: bool
    timeout: float

    def requests(self, message: Message) -> list[Request]:
        """The requests that deliver ``message``."""
        ...

    async def send(
        self, session: aiohttp.ClientSession, request: Request, time_limit: float
    ) -> Attempt:
        """Send one request within ``time_limit`` seconds; never raises for a failed send."""
        ...


@dataclass(frozen=True)
class ReceiverKind:
    """A registered receiver kind and what it can do.

    ``can_resolve``: a resolve closes what the firing notification opened there (an incident),
    so whoever sends a firing alert must always send its resolve, whatever ``send_resolved``
    says. ``dedups_by_key``: notifications carrying the same key update one incident instead of
    adding messages, so a firing notification is a "trigger" and re-sending it is harmless.
    """

    name: str
    config: type[ReceiverConfig]
    channel: Callable[[str, Any], EmergencyChannel]
    summary: str
    can_resolve: bool = False
    dedups_by_key: bool = False


def mark_fallback(alert: Notification, reason: str) -> Notification:
    """The alert with annotations saying it came via the fallback path, and why."""
    annotations = {**alert.annotations, DELIVERY_ANNOTATION: "fallback", REASON_ANNOTATION: reason}
    return replace(alert, annotations=annotations)


def probe_context(alert: Notification) -> list[tuple[str, str]]:
    """("Probe error", …) and ("Probe facts", …) when the alert carries them (firing only)."""
    shown = []
    if alert.status == "firing":
        for key, title in (
            (PROBE_ERROR_ANNOTATION, "Probe error"),
            (PROBE_FACTS_ANNOTATION, "Probe facts"),
        ):
            if alert.annotations.get(key):
                shown.append((title, alert.annotations[key]))
    return shown


def origin_only(url: str) -> str:
    """``https://hooks.slack.com/<redacted>``: where a secret URL points, not what it holds."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return redact(f"{parts.scheme}://{host}") + f"/{REDACTED}"


ConfigT = TypeVar("ConfigT", bound=ReceiverConfig)


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

    async def send(
        self, session: aiohttp.ClientSession, request: Request, time_limit: float
    ) -> Attempt:
        """POST the request over the shared session, with this receiver's TLS settings."""
        assert request.http is not None, "an HTTP channel builds HTTP requests"
        return await send_request(
            session, request.http, time_limit=time_limit, ssl_context=self.ssl_context
        )
