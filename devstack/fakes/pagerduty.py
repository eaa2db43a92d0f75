"""A fake PagerDuty Events API v2 that opens, deduplicates and resolves incidents.

Reproduces (developer.pagerduty.com "Events API v2 Overview" and "Send an Alert Event"):

* ``POST /v2/enqueue`` with JSON ``routing_key`` (32 characters for a real integration; here
  any key in ``routing_keys``), ``event_action`` ``trigger`` | ``acknowledge`` | ``resolve``,
  ``dedup_key`` (at most 255 characters; generated for a trigger without one). A trigger
  needs ``payload.summary`` (at most 1024 characters), ``payload.source`` and
  ``payload.severity`` (critical, error, warning, info). Accepted → 202 ``{"status":
  "success", "message": "Event processed", "dedup_key": …}``; invalid → 400 ``{"status":
  "invalid event", "message": "Event object is invalid", "errors": [...]}``; an unknown
  routing key → 400 too (``"errors": ["Invalid routing key"]``).
* **Deduplication**: a trigger whose ``dedup_key`` matches an open incident adds an alert to
  it instead of opening another; ``resolve`` closes it (a resolve for nothing open is
  accepted and ignored, as the service does).
* ``POST /v2/change/enqueue``: change events (``payload.summary``, ``payload.source``), 202,
  no incident.

Faults (see ``FakeServer``) make it hang or answer 429/5xx for retry tests.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devstack.fakes.server import FakeServer

__all__ = ["FakePagerDuty", "Incident"]

_SEVERITIES = {"critical", "error", "warning", "info"}


@dataclass
class Incident:
    """An incident as PagerDuty keeps it."""

    dedup_key: str
    summary: str
    severity: str
    status: str = "triggered"
    alerts: int = 1
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakePagerDuty(FakeServer):
    """PagerDuty's Events API v2 on loopback."""

    routing_keys: set[str] = field(default_factory=lambda: {"R0UT1NGKEY0000000000000000000000"})
    incidents: list[Incident] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def routes(self, app: web.Application) -> None:
        """The Events API routes."""
        app.router.add_post("/v2/enqueue", self._enqueue)
        app.router.add_post("/v2/change/enqueue", self._change)

    def open_incidents(self) -> list[Incident]:
        """Incidents not resolved."""
        return [i for i in self.incidents if i.status != "resolved"]

    async def _enqueue(self, request: web.Request) -> web.Response:
        event, errors = await _parse(request)
        if event is not None and not errors:
            errors = self._check(event)
        if errors or event is None:
            return _invalid(errors)
        action = event["event_action"]
        key = event.get("dedup_key") or str(uuid.uuid4())
        incident = next((i for i in self.open_incidents() if i.dedup_key == key), None)
        if action == "trigger":
            payload = event["payload"]
            if incident is None:
                incident = Incident(key, payload["summary"], payload["severity"])
                self.incidents.append(incident)
            else:
                incident.alerts += 1
        elif incident is not None:
            incident.status = "resolved" if action == "resolve" else "acknowledged"
        if incident is not None:
            incident.events.append(event)
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": key}, status=202
        )

    def _check(self, event: dict[str, Any]) -> list[str]:
        errors = []
        if event.get("routing_key") not in self.routing_keys:
            return ["Invalid routing key"]
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        key = event.get("dedup_key")
        if key is not None and (not isinstance(key, str) or len(key) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if action != "trigger":
            if not key:
                errors.append("'dedup_key' is required for acknowledge and resolve")
            return errors
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return [*errors, "'payload' is missing or invalid"]
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 1024:
            errors.append("'payload.summary' is missing or longer than 1024 characters")
        if not payload.get("source"):
            errors.append("'payload.source' is missing")
        if payload.get("severity") not in _SEVERITIES:
            errors.append("'payload.severity' is invalid")
        return errors

    async def _change(self, request: web.Request) -> web.Response:
        event, errors = await _parse(request)
        if event is not None and event.get("routing_key") not in self.routing_keys:
            errors = ["Invalid routing key"]
        payload = event.get("payload") if event else None
        if not isinstance(payload, dict) or not payload.get("summary"):
            errors.append("'payload.summary' is missing")
        if errors or event is None:
            return _invalid(errors)
        self.changes.append(event)
        return web.json_response(
            {"status": "success", "message": "Change event processed"}, status=202
        )


async def _parse(request: web.Request) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        event = json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, ["Could not parse JSON"]
    if not isinstance(event, dict):
        return None, ["Event must be a JSON object"]
    return event, []


def _invalid(errors: list[str]) -> web.Response:
    return web.json_response(
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
        status=400,
    )
