"""The ``alerting`` section: Alertmanager replicas, emergency receivers, heartbeats, outbox."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, model_validator

from watchdog.config.httpclient import BasicAuth, HttpClientConfig
from watchdog.config.tls import TLSConfig
from watchdog.config.types import (
    Duration,
    HttpUrl,
    Model,
    Secret,
    SecretFile,
    check_http_url,
    pick_secret,
)
from watchdog.redact import register_url_secret

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
    "PagerDutyReceiver",
    "SlackReceiver",
    "WebhookReceiver",
    "receiver_names",
]


def _secret_url(value: Any) -> SecretStr:
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str):
        raise ValueError("expected a URL string")
    # Tokens usually live in the path or query (Slack, healthchecks): hide those on their own too.
    register_url_secret(raw)
    try:
        check_http_url(raw)
    except ValueError:
        raise ValueError("must be an http:// or https:// URL with a host") from None
    return SecretStr(raw)


SecretUrl = Annotated[SecretStr, BeforeValidator(_secret_url)]
"""A URL that may embed a credential (Slack, healthchecks): validated, never printed."""


class AlertmanagerConfig(HttpClientConfig):
    """One Alertmanager replica; alerts go to every replica."""

    timeout: Duration = 10.0


def _reveal(inline: SecretStr | None, from_file: SecretStr | None) -> str:
    chosen = inline if inline is not None else from_file
    assert chosen is not None, "validated as required"
    return chosen.get_secret_value()


class WebhookReceiver(Model):
    """Generic webhook: the body is an Alertmanager webhook payload (version 4)."""

    kind: Literal["webhook"]
    name: str | None = None
    url: SecretUrl | None = None
    url_file: SecretFile | None = None
    hmac_secret: Secret | None = None
    hmac_secret_file: SecretFile | None = None
    max_alerts: int = Field(default=0, ge=0)
    send_resolved: bool = True
    timeout: Duration = 10.0
    tls: TLSConfig | None = None

    @model_validator(mode="after")
    def _check(self) -> WebhookReceiver:
        pick_secret(self.url, self.url_file, "url", required=True)
        pick_secret(self.hmac_secret, self.hmac_secret_file, "hmac_secret", required=False)
        return self

    def target(self) -> str:
        """The URL to post to (a secret)."""
        return _reveal(self.url, self.url_file)

    def hmac_key(self) -> str | None:
        """The HMAC-SHA256 signing secret, if any."""
        chosen = self.hmac_secret or self.hmac_secret_file
        return chosen.get_secret_value() if chosen is not None else None


class SlackReceiver(Model):
    """Slack incoming webhook."""

    kind: Literal["slack"]
    name: str | None = None
    url: SecretUrl | None = None
    url_file: SecretFile | None = None
    channel: str | None = None
    send_resolved: bool = True
    timeout: Duration = 10.0
    tls: TLSConfig | None = None

    @model_validator(mode="after")
    def _check(self) -> SlackReceiver:
        pick_secret(self.url, self.url_file, "url", required=True)
        return self

    def target(self) -> str:
        """The incoming-webhook URL (a secret)."""
        return _reveal(self.url, self.url_file)


class PagerDutyReceiver(Model):
    """PagerDuty Events API v2."""

    kind: Literal["pagerduty"]
    name: str | None = None
    routing_key: Secret | None = None
    routing_key_file: SecretFile | None = None
    url: HttpUrl = "https://events.pagerduty.com/v2/enqueue"
    source: str | None = None
    send_resolved: bool = True
    timeout: Duration = 10.0
    tls: TLSConfig | None = None

    @model_validator(mode="after")
    def _check(self) -> PagerDutyReceiver:
        pick_secret(self.routing_key, self.routing_key_file, "routing_key", required=True)
        return self

    def target(self) -> str:
        """The Events API URL (not a secret; the routing key is)."""
        return self.url

    def key(self) -> str:
        """The integration's routing key (a secret)."""
        return _reveal(self.routing_key, self.routing_key_file)


EmergencyReceiver = Annotated[
    WebhookReceiver | SlackReceiver | PagerDutyReceiver, Field(discriminator="kind")
]


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
            raise ValueError("interval must be positive")
        return self

    def target(self) -> str:
        """The ping URL (a secret)."""
        return _reveal(self.url, self.url_file)


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
            raise ValueError("window must be positive")
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
        if not 0 < self.initial <= self.max:
            raise ValueError("initial must be positive and not above max")
        return self


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
            raise ValueError("repeat_interval must be positive")
        return self


def receiver_names(
    receivers: list[WebhookReceiver | SlackReceiver | PagerDutyReceiver],
) -> list[str]:
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
