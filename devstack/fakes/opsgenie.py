"""A fake Opsgenie Alert API v2 that deduplicates by alias like the service.

Reproduces (docs.opsgenie.com "Alert API": Create Alert, Close Alert, Get Request Status):

* Every request needs ``Authorization: GenieKey <key>``; a missing or unknown key → 401
  ``{"message": "Could not authenticate", "took": …, "requestId": …}``.
* ``POST /v2/alerts`` with JSON: ``message`` is required (at most 130 characters), ``alias``
  at most 512, ``description`` 15000, at most 20 ``tags`` of at most 50 characters, ``priority``
  one of P1 to P5 (default P3). A body that breaks these → 422 ``{"message": "Request body is
  not processable. Please check the errors.", "errors": {field: reason}}``. Accepted → 202
  ``{"result": "Request will be processed", "took": …, "requestId": …}``; the request is
  processed asynchronously (here: at once). **Alias deduplication**: while an alert with the
  same alias is open, no new alert is created — its ``count`` goes up and
  ``lastOccurredAt`` moves; once closed, the same alias opens a new alert.
* ``POST /v2/alerts/{identifier}/close?identifierType=id|tiny|alias`` (default ``id``) → 202;
  closing an alert that does not exist is still accepted (202): the failure shows only in
  the request status.
* ``GET /v2/alerts/requests/{requestId}`` → ``{"data": {"success": …, "action": "Create" |
  "Close", "status": …, "alertId": …, "alias": …}}``.

Faults (see ``FakeServer``) make it hang or answer 5xx/429 for retry tests.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devstack.fakes.server import FakeServer

__all__ = ["FakeOpsgenie", "OpsgenieAlert"]

_PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}


@dataclass
class OpsgenieAlert:
    """One alert as Opsgenie keeps it."""

    id: str
    tiny_id: str
    alias: str
    message: str
    priority: str
    body: dict[str, Any]
    status: str = "open"
    count: int = 1
    created_at: float = field(default_factory=time.time)
    last_occurred_at: float = field(default_factory=time.time)


@dataclass
class FakeOpsgenie(FakeServer):
    """Opsgenie's Alert API v2 on loopback; ``api_key`` is the integration key it accepts."""

    api_key: str = "genie-test-key"
    alerts: list[OpsgenieAlert] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    def routes(self, app: web.Application) -> None:
        """The Alert API routes."""
        app.router.add_post("/v2/alerts", self._create)
        app.router.add_post("/v2/alerts/{identifier}/close", self._close)
        app.router.add_get("/v2/alerts/requests/{request_id}", self._status)

    def open_alerts(self) -> list[OpsgenieAlert]:
        """Alerts still open."""
        return [a for a in self.alerts if a.status == "open"]

    def _refused(self, request: web.Request) -> web.Response | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "GenieKey" or key != self.api_key:
            return _answer(401, {"message": "Could not authenticate"})
        return None

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        try:
            body = json.loads(await request.read())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _answer(400, {"message": "Could not parse the request body"})
        errors = _validate(body)
        if errors:
            return _answer(
                422,
                {
                    "message": "Request body is not processable. Please check the errors.",
                    "errors": errors,
                },
            )
        alias = body.get("alias") or body["message"]
        existing = next((a for a in self.open_alerts() if a.alias == alias), None)
        if existing is not None:
            existing.count += 1
            existing.last_occurred_at = time.time()
            alert = existing
        else:
            alert = OpsgenieAlert(
                id=str(uuid.uuid4()),
                tiny_id=str(len(self.alerts) + 1),
                alias=alias,
                message=body["message"],
                priority=body.get("priority", "P3"),
                body=body,
            )
            self.alerts.append(alert)
        return self._processed("Create", True, "Created alert", alert)

    async def _close(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        identifier = request.match_info["identifier"]
        kind = request.query.get("identifierType", "id")
        if kind not in ("id", "tiny", "alias"):
            return _answer(422, {"message": f"Invalid identifierType: {kind}"})
        field_of = {"id": "id", "tiny": "tiny_id", "alias": "alias"}[kind]
        found = next((a for a in self.open_alerts() if getattr(a, field_of) == identifier), None)
        if found is None:
            return self._processed("Close", False, "Alert does not exist", None)
        found.status = "closed"
        return self._processed("Close", True, "Closed alert", found)

    def _processed(
        self, action: str, success: bool, status: str, alert: OpsgenieAlert | None
    ) -> web.Response:
        request_id = str(uuid.uuid4())
        self.statuses[request_id] = {
            "success": success,
            "action": action,
            "processedAt": time.time(),
            "status": status,
            "alertId": alert.id if alert else "",
            "alias": alert.alias if alert else "",
        }
        return _answer(202, {"result": "Request will be processed"}, request_id)

    async def _status(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        status = self.statuses.get(request.match_info["request_id"])
        if status is None:
            return _answer(404, {"message": "Request not found"})
        return _answer(200, {"data": status})


def _validate(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    errors: dict[str, str] = {}
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        errors["message"] = "Message can not be empty."
    elif len(message) > 130:
        errors["message"] = "Message can not be longer than 130 characters."
    limits = {"alias": 512, "description": 15000, "entity": 512, "source": 100}
    for name, limit in limits.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors[name] = f"must be a string of at most {limit} characters"
    tags = body.get("tags", [])
    if (
        not isinstance(tags, list)
        or len(tags) > 20
        or any(not isinstance(t, str) or len(t) > 50 for t in tags)
    ):
        errors["tags"] = "at most 20 tags of at most 50 characters"
    if body.get("priority", "P3") not in _PRIORITIES:
        errors["priority"] = "must be one of P1, P2, P3, P4, P5"
    details = body.get("details", {})
    if not isinstance(details, dict) or any(not isinstance(v, str) for v in details.values()):
        errors["details"] = "must be a map of strings"
    return errors


def _answer(status: int, body: dict[str, Any], request_id: str | None = None) -> web.Response:
    payload = {**body, "took": 0.01, "requestId": request_id or str(uuid.uuid4())}
    return web.json_response(payload, status=status)
