"""Opsgenie Alert API v2: create an alert while firing, close it once resolved.

``POST <api_url>/v2/alerts`` with ``Authorization: GenieKey <key>`` creates an alert whose
``alias`` is the alert's fingerprint: Opsgenie deduplicates a create with the alias of an
alert that is still open (its count goes up), so repeats never open a second alert, and
``POST /v2/alerts/<alias>/close?identifierType=alias`` closes exactly that one. Opsgenie
answers ``202`` (processed asynchronously). Documented limits are kept: ``message`` at most
130 characters, ``description`` 15000, at most 20 ``tags`` of 50, ``entity`` 512, ``source``
100, ``details`` values stringified. ``priority`` comes from the ``priority`` setting, else
from the ``severity`` label (critical/page → P1, error → P2, warning → P3, info → P5;
unknown → P3, Opsgenie's default). The "Alertmanager is back" notice is not sent: Opsgenie
has no informational event that pages nobody.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, model_validator

from watchdog import __version__
from watchdog.alerts import Notification
from watchdog.config.types import HttpUrl, Model, Secret, SecretFile, pick_secret, reveal
from watchdog.notify.http import HttpRequest
from watchdog.notify.receivers.base import (
    HttpChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
    probe_context,
)
from watchdog.redact import redact_url

__all__ = ["KIND", "LIMITS", "OpsgenieChannel", "OpsgenieReceiver", "build_body", "priority_of"]

LIMITS = {"message": 130, "description": 15000, "tags": 20, "tag": 50, "entity": 512, "source": 100}
_PRIORITIES = {
    "critical": "P1",
    "page": "P1",
    "emergency": "P1",
    "fatal": "P1",
    "error": "P2",
    "high": "P2",
    "major": "P2",
    "warning": "P3",
    "warn": "P3",
    "medium": "P3",
    "minor": "P4",
    "low": "P4",
    "info": "P5",
    "none": "P5",
}


class Responder(Model):
    """Who Opsgenie notifies: a team, user, escalation or schedule, by ``id``, ``name`` or
    ``username``."""

    type: Literal["team", "user", "escalation", "schedule"]
    id: str | None = None
    name: str | None = None
    username: str | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Responder:
        if not (self.id or self.name or self.username):
            raise ValueError("a responder needs id, name or username")
        return self


class OpsgenieReceiver(ReceiverConfig):
    """Opsgenie Alert API v2."""

    kind: Literal["opsgenie"]
    api_key: Secret | None = None
    api_key_file: SecretFile | None = None
    api_url: HttpUrl = "https://api.opsgenie.com/"
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None
    responders: list[Responder] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    entity: str | None = None
    source: str = "monitor-watchdog"

    @model_validator(mode="after")
    def _check(self) -> OpsgenieReceiver:
        pick_secret(self.api_key, self.api_key_file, "api_key", required=True)
        return self

    def target(self) -> str:
        """The API base URL (not a secret; the key is)."""
        return self.api_url

    def shown_target(self) -> str:
        """The API base URL, redacted like any URL shown."""
        return redact_url(self.api_url)

    def key(self) -> str:
        """The integration's API key (a secret)."""
        return reveal(self.api_key, self.api_key_file)


def priority_of(alert: Notification, fixed: str | None = None) -> str:
    """The Opsgenie priority: the configured one, else mapped from the ``severity`` label."""
    return fixed or _PRIORITIES.get(alert.labels.get("severity", "").strip().lower(), "P3")


def build_body(alert: Notification, config: OpsgenieReceiver, reason: str) -> dict[str, Any]:
    """The create-alert request body for a firing alert (the close body for a resolved one)."""
    if alert.status == "resolved":
        return {"source": _clip(config.source, LIMITS["source"]), "note": f"Resolved. {reason}"}
    summary = alert.annotations.get("summary") or alert.alertname
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname")
    lines = [f"{alert.alertname}: {summary}"]
    if alert.annotations.get("description"):
        lines.append(alert.annotations["description"])
    lines.extend(f"{title}: {text}" for title, text in probe_context(alert))
    lines += [
        f"Labels: {labels}",
        f"Delivered by monitor-watchdog's fallback path because {reason}.",
    ]
    if alert.generator_url:
        lines.append(f"Source: {alert.generator_url}")
    tags = [*config.tags, alert.alertname]
    if alert.labels.get("severity"):
        tags.append(alert.labels["severity"])
    body: dict[str, Any] = {
        "message": _clip(f"[FIRING] {alert.alertname}: {summary}", LIMITS["message"]),
        "alias": alert.fingerprint,
        "description": _clip("\n".join(lines), LIMITS["description"]),
        "tags": [_clip(t, LIMITS["tag"]) for t in dict.fromkeys(tags)][: LIMITS["tags"]],
        "details": {
            **{f"label_{k}": v for k, v in alert.labels.items()},
            **alert.annotations,
            "fallback_reason": reason,
        },
        "source": _clip(config.source, LIMITS["source"]),
        "priority": priority_of(alert, config.priority),
        "user": f"monitor-watchdog {__version__}",
    }
    entity = config.entity or alert.labels.get("instance")
    if entity:
        body["entity"] = _clip(entity, LIMITS["entity"])
    if config.responders:
        body["responders"] = [r.model_dump(exclude_none=True) for r in config.responders]
    return body


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class OpsgenieChannel(HttpChannel[OpsgenieReceiver]):
    """A configured Opsgenie API integration."""

    kind: str = "opsgenie"

    def requests(self, message: Message) -> list[Request]:
        """One request per alert: create while firing, close by alias once resolved."""
        if message.notice:
            return []
        base = self.config.api_url.rstrip("/")
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"GenieKey {self.config.key()}",
        }
        out = []
        for alert in message.alerts:
            body = json.dumps(build_body(alert, self.config, message.reason)).encode()
            if alert.status == "resolved":
                alias = quote(alert.fingerprint, safe="")
                url = f"{base}/v2/alerts/{alias}/close?identifierType=alias"
            else:
                url = f"{base}/v2/alerts"
            out.append(Request(HttpRequest(url, body, headers), [alert]))
        return out


KIND = ReceiverKind(
    name="opsgenie",
    config=OpsgenieReceiver,
    channel=OpsgenieChannel,
    summary="Opsgenie Alert API v2: create by alias (deduplicated), close on resolve",
    can_resolve=True,
    dedups_by_key=True,
)
