"""The silences API: read by anyone who can read the other APIs, written with a token.

- ``GET /api/v1/silences`` (``?state=active|pending|expired`` to filter): every silence the
  fallback path knows, local and mirrored, in Alertmanager's ``gettableSilence`` shape plus
  ``source``.
- ``POST /api/v1/silences`` with Alertmanager's ``postableSilence`` body (``matchers``,
  ``startsAt`` (default: now), ``endsAt``, ``createdBy``, ``comment``): adds a local silence,
  answers ``{"silenceID": …}``.
- ``DELETE /api/v1/silence/{id}``: expires a silence now (a mirrored one locally).

Writes need ``Authorization: Bearer <alerting.silences.api_token>``; without a configured
token they are refused (403) and only ``monitor-watchdog silence`` writes silences.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from typing import Any

from aiohttp import web

from watchdog.alerts import iso_time
from watchdog.api.bodies import BadBodyError, parse_json_body
from watchdog.api.common import api_error, api_success
from watchdog.clock import Clock
from watchdog.logs import get_logger
from watchdog.notify.silences.model import LOCAL, Silence, SilenceError, SilenceNotFoundError
from watchdog.notify.silences.store import SilenceFileError, SilenceStore

__all__ = ["SILENCES_PATH", "silence_routes"]

SILENCES_PATH = "/api/v1/silences"
_STATES = ("active", "pending", "expired")


def silence_routes(
    store: SilenceStore, clock: Clock, token: Callable[[], str | None]
) -> list[web.RouteDef]:
    """The routes; ``token`` gives the current write token (it may change on reload)."""
    log = get_logger("notify.silences")

    def refused(request: web.Request) -> web.Response | None:
        expected = token()
        if expected is None:
            return api_error(
                403,
                "forbidden",
                "silence writes through the API are disabled; set alerting.silences.api_token"
                " (or use `monitor-watchdog silence`)",
            )
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return api_error(401, "unauthorized", "a valid bearer token is required")
        return None

    async def listing(request: web.Request) -> web.Response:
        wanted = request.query.get("state")
        if wanted is not None and wanted not in _STATES:
            return api_error(400, "bad_data", f"state must be one of {', '.join(_STATES)}")
        now = clock.now()
        silences = store.snapshot(now).effective()
        shown = [s.to_api(now) for s in silences if wanted is None or s.state(now) == wanted]
        return api_success(sorted(shown, key=lambda s: (s["endsAt"], s["id"])))

    async def add(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        now = clock.now()
        try:
            body = parse_json_body(await request.read())
            silence = Silence.from_api(_defaults(body, now), source=LOCAL, now=now)
            stored = await asyncio.to_thread(store.add, silence, now)
        except (BadBodyError, SilenceError) as exc:
            return api_error(400, "bad_data", str(exc))
        except SilenceFileError as exc:
            return api_error(500, "internal", str(exc))
        log.info(
            "silence added through the API",
            silence=stored.id,
            matchers=[str(m) for m in stored.matchers],
            ends_at=iso_time(stored.ends_at),
            created_by=stored.created_by,
        )
        return api_success({"silenceID": stored.id})

    async def expire(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        silence_id = request.match_info["id"]
        try:
            ended = await asyncio.to_thread(store.expire, silence_id, clock.now())
        except SilenceNotFoundError as exc:
            return api_error(404, "not_found", str(exc))
        except SilenceError as exc:
            return api_error(400, "bad_data", str(exc))
        except SilenceFileError as exc:
            return api_error(500, "internal", str(exc))
        log.info("silence expired through the API", silence=ended.id, source=ended.source)
        return api_success({"silenceID": ended.id})

    return [
        web.get(SILENCES_PATH, listing),
        web.post(SILENCES_PATH, add),
        web.delete("/api/v1/silence/{id}", expire),
    ]


def _defaults(body: Any, now: float) -> Any:
    if isinstance(body, dict) and not body.get("startsAt"):
        return {**body, "startsAt": iso_time(now)}
    return body
