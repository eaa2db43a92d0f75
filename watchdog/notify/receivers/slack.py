"""Slack incoming webhook: Block Kit blocks plus a plain ``text`` fallback.

Layout: a header (what and how many), a context line (delivered via the fallback path and
why), then one section per alert (name, severity, status, since when, summary, and the
probe's error and key facts about its target). Slack's
documented limits are respected: at most 50 blocks per message, header text at most 150
characters, section text at most 3000, at most 10 section fields of at most 2000 each,
context elements at most 10. Extra alerts are summarised in a last section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import model_validator

from watchdog.alerts import Notification, iso_time
from watchdog.config.types import SecretFile, SecretUrl, pick_secret, reveal
from watchdog.notify.http import HttpRequest
from watchdog.notify.receivers.base import (
    HttpChannel,
    Message,
    ReceiverConfig,
    ReceiverKind,
    Request,
    probe_context,
)

__all__ = ["KIND", "LIMITS", "SlackChannel", "SlackReceiver", "build_body"]

LIMITS = {
    "blocks": 50,
    "header_text": 150,
    "section_text": 3000,
    "section_fields": 10,
    "field_text": 2000,
    "context_elements": 10,
    "context_text": 3000,
    "text": 3000,  # Slack truncates very long messages; keep the fallback text readable
}
_FIXED_BLOCKS = 2  # header and context


class SlackReceiver(ReceiverConfig):
    """Slack incoming webhook."""

    kind: Literal["slack"]
    url: SecretUrl | None = None
    url_file: SecretFile | None = None
    channel: str | None = None

    @model_validator(mode="after")
    def _check(self) -> SlackReceiver:
        pick_secret(self.url, self.url_file, "url", required=True)
        return self

    def target(self) -> str:
        """The incoming-webhook URL (a secret)."""
        return reveal(self.url, self.url_file)


def build_body(message: Message, *, channel: str | None = None) -> dict[str, Any]:
    """The incoming-webhook JSON for ``message``."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_headline(message), LIMITS["header_text"])},
        {"type": "context", "elements": [_mrkdwn(_context_line(message), LIMITS["context_text"])]},
    ]
    room = LIMITS["blocks"] - _FIXED_BLOCKS
    alerts = list(message.alerts)
    shown = alerts if len(alerts) <= room else alerts[: room - 1]
    blocks.extend(_alert_section(a) for a in shown)
    if len(shown) < len(alerts):
        rest = alerts[len(shown) :]
        names = ", ".join(sorted({a.alertname for a in rest}))
        text = f"…and {len(rest)} more alerts: {_escape(names)}"
        blocks.append({"type": "section", "text": _mrkdwn(text, LIMITS["section_text"])})
    body: dict[str, Any] = {"text": _fallback_text(message), "blocks": blocks}
    if channel:
        body["channel"] = channel
    return body


def _headline(message: Message) -> str:
    if message.notice:
        return message.alerts[0].annotations.get("summary", "Alert delivery notice")
    firing = sum(1 for a in message.alerts if a.status == "firing")
    resolved = len(message.alerts) - firing
    counts = ", ".join(
        part
        for part in (
            f"{firing} firing" if firing else "",
            f"{resolved} resolved" if resolved else "",
        )
        if part
    )
    names = ", ".join(sorted({a.alertname for a in message.alerts}))
    return f"{counts}: {names}"


def _context_line(message: Message) -> str:
    if message.notice:
        return f"*monitor-watchdog:* {_escape(message.reason)}"
    return f"*Delivered by monitor-watchdog's fallback path* because {_escape(message.reason)}"


def _alert_section(alert: Notification) -> dict[str, Any]:
    severity = alert.labels.get("severity", "none")
    summary = alert.annotations.get("summary") or alert.annotations.get("description") or ""
    status = "FIRING" if alert.status == "firing" else "RESOLVED"
    text = f"*{_escape(alert.alertname)}* — {status}\n{_escape(summary)}".rstrip()
    fields = [
        _mrkdwn(f"*Severity*\n{_escape(severity)}", LIMITS["field_text"]),
        _mrkdwn(f"*Since*\n{iso_time(alert.starts_at)}", LIMITS["field_text"]),
    ]
    if alert.status == "resolved":
        fields.append(_mrkdwn(f"*Resolved at*\n{iso_time(alert.ends_at)}", LIMITS["field_text"]))
    labels = ", ".join(
        f"{k}={v}" for k, v in sorted(alert.labels.items()) if k not in ("alertname", "severity")
    )
    if labels:
        fields.append(_mrkdwn(f"*Labels*\n{_escape(labels)}", LIMITS["field_text"]))
    for title, text in probe_context(alert):
        fields.append(_mrkdwn(f"*{title}*\n{_escape(text)}", LIMITS["field_text"]))
    return {
        "type": "section",
        "text": _mrkdwn(text, LIMITS["section_text"]),
        "fields": fields[: LIMITS["section_fields"]],
    }


def _fallback_text(message: Message) -> str:
    if message.notice:
        text = f"{_headline(message)} — {message.reason}"
    else:
        text = f"[{message.status.upper()}] {_headline(message)} — via monitor-watchdog fallback: "
        text += message.reason
    return _clip(_escape(text), LIMITS["text"])


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": False}


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _clip(text, limit)}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """Slack's three control characters in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class SlackChannel(HttpChannel[SlackReceiver]):
    """A configured Slack incoming webhook."""

    kind: str = "slack"

    def requests(self, message: Message) -> list[Request]:
        """One POST per round."""
        body = json.dumps(build_body(message, channel=self.config.channel)).encode()
        headers = {"Content-Type": "application/json"}
        return [Request(HttpRequest(self.config.target(), body, headers), message.alerts)]


KIND = ReceiverKind(
    name="slack",
    config=SlackReceiver,
    channel=SlackChannel,
    summary="Slack incoming webhook: Block Kit message with a plain-text fallback",
)
