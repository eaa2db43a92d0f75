"""The outgoing heartbeat request, carrying the journal's anchor off the host.

Every ping carries the last journal anchor the daemon verified (``HEAD:COUNT``, see
``journal.anchor``) in the headers ``X-Watchdog-Journal-Anchor`` and
``X-Watchdog-Journal-Outcome`` (``intact``, ``tampered``, ``unverifiable``). Dead man's switch
services do not all record headers, so the same text can travel where they do look:

- ``method: POST`` puts ``monitor-watchdog journal HEAD:COUNT intact`` in the body
  (Healthchecks.io keeps the first 100 kB of a POST body with each ping);
- ``anchor_param: m`` adds it as a query parameter (Dead Man's Snitch keeps ``m``, Cronitor
  ``msg``).

An attacker who later cuts or rewrites the journal cannot reach those records, and
``monitor-watchdog journal verify --against HEAD:COUNT`` compares the journal with any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from watchdog.config.alerting import HeartbeatConfig
from watchdog.journal import Anchor
from watchdog.notify.http import HttpRequest

__all__ = ["ANCHOR_HEADER", "OUTCOME_HEADER", "PingAnchor", "ping_request"]

ANCHOR_HEADER = "X-Watchdog-Journal-Anchor"
OUTCOME_HEADER = "X-Watchdog-Journal-Outcome"


@dataclass(frozen=True)
class PingAnchor:
    """The anchor a ping carries and what the last verification found (None: not known)."""

    anchor: Anchor
    outcome: str | None = None

    def text(self) -> str:
        """``monitor-watchdog journal HEAD:COUNT intact``."""
        return f"monitor-watchdog journal {self.anchor} {self.outcome or ''}".rstrip()


def ping_request(config: HeartbeatConfig, anchor: PingAnchor | None) -> HttpRequest:
    """The request for one heartbeat ping (the URL stays a secret: never print it)."""
    url, body, headers = config.target(), b"", {}
    if anchor is not None:
        headers[ANCHOR_HEADER] = str(anchor.anchor)
        if anchor.outcome is not None:
            headers[OUTCOME_HEADER] = anchor.outcome
        if config.anchor_param:
            url = _with_param(url, config.anchor_param, anchor.text())
        if config.method == "POST":
            body = anchor.text().encode()
            headers["Content-Type"] = "text/plain; charset=utf-8"
    return HttpRequest(url, body, headers, method=config.method)


def _with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))
