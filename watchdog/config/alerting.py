"""The ``alerting`` section: Alertmanager replicas, emergency receivers, heartbeats, outbox.

Each emergency receiver's own settings live with its kind in ``watchdog.notify.receivers``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field, model_validator

from watchdog.config.errors import KeyedError
from watchdog.config.httpclient import BasicAuth, HttpClientConfig
from watchdog.config.types import (
    Duration,
    HttpUrl,
    Model,
    Secret,
    SecretFile,
    SecretUrl,
    pick_secret,
    reveal,
)
from watchdog.durations import format_duration
from watchdog.notify.inhibit import InhibitRuleConfig
from watchdog.notify.receivers import RECEIVERS, ReceiverConfig, receiver_names

__all__ = [
    "AlertingConfig",
    "AlertmanagerConfig",
    "BackoffConfig",
    "BasicAuth",
    "EmergencyReceiver",
    "FallbackConfig",
    "HeartbeatConfig",
    "HeartbeatInConfig",
    "OutboxConfig",
    "SilencesConfig",
]


class AlertmanagerConfig(HttpClientConfig):
    """One Alertmanager replica; alerts go to every replica."""

    timeout: Duration = 10.0


if TYPE_CHECKING:
    EmergencyReceiver = ReceiverConfig
else:
    EmergencyReceiver = Annotated[
        Union[tuple(kind.config for kind in RECEIVERS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]
"""One entry of ``alerting.emergency``: the config model of a registered receiver kind."""


class HeartbeatConfig(Model):
    """Outgoing dead man's switch (a Healthchecks.io-style ping URL).

    Every ping carries the journal's anchor in headers; ``method: POST`` also puts it in the
    body, ``anchor_param`` in a query parameter, for services that record only those.
    """

    url: SecretUrl | None = None
    url_file: SecretFile | None = None
    interval: Duration = 60.0
    timeout: Duration = 10.0
    method: Literal["GET", "POST"] = "GET"
    anchor_param: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _check(self) -> HeartbeatConfig:
        pick_secret(self.url, self.url_file, "url", required=True)
        if self.interval <= 0:
            raise KeyedError("interval must be positive", "interval")
        return self

    def target(self) -> str:
        """The ping URL (a secret)."""
        return reveal(self.url, self.url_file)


class HeartbeatInConfig(Model):
    """Incoming heartbeat: Alertmanager posts its always-firing Watchdog alert here.

    A built-in rule fires when no heartbeat arrived within ``window``. When ``bearer_token``
    is set, posts must carry ``Authorization: Bearer <token>`` (Alertmanager's
    ``http_config.authorization``).
    """

    window: Duration = 300.0
    alertname: str = "Watchdog"
    bearer_token: Secret | None = None
    bearer_token_file: SecretFile | None = None

    @model_validator(mode="after")
    def _check(self) -> HeartbeatInConfig:
        pick_secret(self.bearer_token, self.bearer_token_file, "bearer_token", required=False)
        if self.window <= 0:
            raise KeyedError("window must be positive", "window")
        return self

    def token(self) -> str | None:
        """The expected bearer token, if any."""
        chosen = self.bearer_token or self.bearer_token_file
        return chosen.get_secret_value() if chosen is not None else None


class FallbackConfig(Model):
    """When to switch from Alertmanager to the emergency receivers.

    A replica counts as failed after ``after_failures`` consecutive failed sends, or once a
    send has gone unanswered (or kept failing) for ``after``, whichever comes first.
    """

    after_failures: int = Field(default=2, ge=1)
    after: Duration = 10.0


class OutboxConfig(Model):
    """Bounds on notifications waiting for a channel to come back."""

    max_items: int = Field(default=10_000, ge=1)
    max_age: Duration = 86_400.0


class BackoffConfig(Model):
    """Retry timing for every delivery channel: exponential, capped, with jitter."""

    initial: Duration = 0.5
    max: Duration = 10.0
    multiplier: float = Field(default=2.0, ge=1.0)
    jitter: float = Field(default=0.2, ge=0.0, le=1.0)
    max_retry_after: Duration = 300.0

    @model_validator(mode="after")
    def _check(self) -> BackoffConfig:
        if self.initial <= 0:
            raise KeyedError("initial must be positive", "initial")
        if self.initial > self.max:
            raise KeyedError(
                f"initial {format_duration(self.initial)} is above max {format_duration(self.max)}",
                "initial",
                "max",
            )
        return self


class SilencesConfig(Model):
    """Silences on the fallback path: how often Alertmanager's are mirrored, and the token
    that guards the silences API's writes (no token: only the CLI writes silences)."""

    mirror_interval: Duration = 30.0
    api_token: Secret | None = None
    api_token_file: SecretFile | None = None

    @model_validator(mode="after")
    def _check(self) -> SilencesConfig:
        pick_secret(self.api_token, self.api_token_file, "api_token", required=False)
        if self.mirror_interval <= 0:
            raise ValueError("mirror_interval must be positive")
        return self

    def token(self) -> str | None:
        """The bearer token the silences API wants for writes, if any."""
        chosen = self.api_token or self.api_token_file
        return chosen.get_secret_value() if chosen is not None else None


class AlertingConfig(Model):
    """Where alerts go, and how delivery falls back."""

    alertmanagers: list[AlertmanagerConfig] = Field(default_factory=list)
    emergency: list[EmergencyReceiver] = Field(default_factory=list)
    heartbeat: HeartbeatConfig | None = None
    heartbeat_in: HeartbeatInConfig | None = None
    resend_delay: Duration = 60.0
    repeat_interval: Duration = 3600.0
    fallback: FallbackConfig = Field(default_factory=FallbackConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    backoff: BackoffConfig = Field(default_factory=BackoffConfig)
    queue_capacity: int = Field(default=10_000, ge=1)
    batch_size: int = Field(default=64, ge=1, le=10_000)
    drain_timeout: Duration = 5.0
    generator_url: HttpUrl | None = None
    """A Prometheus-style UI whose ``/graph`` alerts link to (their ``generatorURL``)."""
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list)
    silences: SilencesConfig = Field(default_factory=SilencesConfig)

    @model_validator(mode="after")
    def _check(self) -> AlertingConfig:
        names = receiver_names(self.emergency)
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"emergency receiver name {name!r} is used twice")
            seen.add(name)
        urls = [am.url.rstrip("/") for am in self.alertmanagers]
        if len(set(urls)) != len(urls):
            raise ValueError("an Alertmanager URL is listed twice")
        if self.repeat_interval <= 0:
            raise KeyedError("repeat_interval must be positive", "repeat_interval")
        return self
