"""Drill one Alertmanager replica: post the alert, see it in the API, resolve it, see it go.

Replicas do not share alerts (gossip carries silences and the notification log), so each is
drilled and verified on its own: ``POST /api/v2/alerts``, then ``GET /api/v2/alerts`` with
``filter=drill="<id>"`` until the alert shows (the time it took is the channel's latency),
then the same alert with ``endsAt`` = now, then the same query until it is gone (Alertmanager's
API leaves resolved alerts out). Being listed shows the replica *accepted* the alert, not that
it notified anyone: that is judged only with ``--hold`` (see ``notified``); otherwise the
result says "accepted by Alertmanager, notification not verified".
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from watchdog.alerts import Notification
from watchdog.config.alerting import AlertmanagerConfig
from watchdog.drill.alert import DRILL_ALERTNAME, DrillAlert
from watchdog.drill.interrupt import uninterrupted
from watchdog.drill.outcome import ACCEPTED, NOTIFIED, ChannelResult, Step, answer, seconds
from watchdog.drill.stages.alerting.notified import EvidenceError, judge_notification, read_counters
from watchdog.httperrors import describe_http_failure
from watchdog.notify.http import Attempt, HttpRequest, send_request
from watchdog.redact import redact, redact_url

__all__ = ["NOT_VERIFIED", "alertmanager_channel", "drill_alertmanager"]

_POLL_FIRST = 0.05
_POLL_MAX = 1.0
_BODY_LIMIT = 1024 * 1024


def alertmanager_channel(config: AlertmanagerConfig) -> ChannelResult:
    """The (empty) result for one replica, named by its redacted URL."""
    shown = redact_url(config.url)
    return ChannelResult(f"alertmanager {shown}", "alertmanager", shown)


async def drill_alertmanager(
    result: ChannelResult,
    config: AlertmanagerConfig,
    drill: DrillAlert,
    *,
    session: aiohttp.ClientSession,
    budget: float,
    hold: float = 0.0,
) -> None:
    """Deliver, verify and resolve the drill alert on one replica (each phase gets ``budget``).

    Without ``hold`` the replica is shown to accept and list the alert, not to notify anyone;
    with it, the notification is judged too (``notified``). The alert is resolved whatever
    happens after it was accepted, an interrupted drill included.
    """
    before = None
    if hold > 0:
        try:
            before = await read_counters(session, config, min(config.timeout, budget))
        except EvidenceError as exc:
            unread = f"notification not verified: {exc}"
            result.add(Step("notify", False, None, unread, required=False))
    started = time.monotonic()
    sent = await _post(session, config, drill.firing(), budget)
    result.add(Step("send", sent.ok, sent.latency, answer(sent)))
    if not sent.ok:
        return
    result.outcome = ACCEPTED
    try:
        verified = result.add(
            await _wait(session, config, drill, present=True, since=started, budget=budget)
        )
        if verified.ok:
            result.latency = verified.latency
        await asyncio.sleep(hold)
        if verified.ok and before is not None:
            verdict = await judge_notification(
                session, config, drill, before, hold=hold, limit=min(config.timeout, budget)
            )
            result.add(Step("notify", verdict.ok, None, verdict.detail, required=verdict.verified))
            if verdict.ok:
                result.outcome = NOTIFIED
        elif verified.ok:
            result.add(Step("notify", True, None, NOT_VERIFIED, required=False))
    finally:
        await uninterrupted(_resolve(result, session, config, drill, budget))


NOT_VERIFIED = "accepted by Alertmanager, notification not verified"


async def _resolve(
    result: ChannelResult,
    session: aiohttp.ClientSession,
    config: AlertmanagerConfig,
    drill: DrillAlert,
    budget: float,
) -> None:
    started = time.monotonic()
    resolved = await _post(session, config, drill.resolved(time.time()), budget)
    result.add(Step("resolve", resolved.ok, resolved.latency, answer(resolved)))
    if resolved.ok:
        result.add(await _wait(session, config, drill, present=False, since=started, budget=budget))


async def _post(
    session: aiohttp.ClientSession, config: AlertmanagerConfig, alert: Notification, limit: float
) -> Attempt:
    body = json.dumps([alert.to_alertmanager()]).encode()
    headers = {"Content-Type": "application/json", **config.request_headers()}
    return await send_request(
        session,
        HttpRequest(config.url_for("/api/v2/alerts"), body, headers),
        time_limit=min(config.timeout, limit),
        ssl_context=config.ssl_context(),
        server_hostname=config.server_hostname,
    )


async def _wait(
    session: aiohttp.ClientSession,
    config: AlertmanagerConfig,
    drill: DrillAlert,
    *,
    present: bool,
    since: float,
    budget: float,
) -> Step:
    """Poll the API until the alert is (or is no longer) listed; timed from ``since``."""
    name, wanted = ("verify", "listed by") if present else ("verify resolved", "gone from")
    until, delay, last = since + budget, _POLL_FIRST, "no answer yet"
    while True:
        left = until - time.monotonic()
        if left <= 0:
            waited = seconds(time.monotonic() - since)
            detail = f"not {wanted} the API {waited} after posting; last answer: {last}"
            return Step(name, False, None, detail)
        listed, last = await _listed(session, config, drill, min(config.timeout, left))
        if listed is present:
            took = time.monotonic() - since
            return Step(name, True, took, f"{wanted} the API {seconds(took)} after posting")
        await asyncio.sleep(min(delay, max(0.0, until - time.monotonic())))
        delay = min(delay * 2, _POLL_MAX)


async def _listed(
    session: aiohttp.ClientSession, config: AlertmanagerConfig, drill: DrillAlert, limit: float
) -> tuple[bool | None, str]:
    """Whether the drill alert is listed (None when the query failed) and what was answered."""
    params = [("filter", f'drill="{drill.id}"'), ("filter", f'alertname="{DRILL_ALERTNAME}"')]
    try:
        async with asyncio.timeout(limit):
            async with session.get(
                config.url_for("/api/v2/alerts"),
                params=params,
                headers=config.request_headers(),
                ssl=config.ssl_context() or True,
                server_hostname=config.server_hostname,
                allow_redirects=False,
            ) as response:
                body = await response.content.read(_BODY_LIMIT)
                status = response.status
    except TimeoutError:
        return None, f"no answer within {limit:.3g}s"
    except (aiohttp.ClientError, OSError) as exc:
        return None, describe_http_failure(exc) or type(exc).__name__
    if status != 200:
        text = redact(body[:200].decode("utf-8", errors="replace").strip())
        return None, f"HTTP {status}" + (f": {text}" if text else "")
    try:
        alerts: Any = json.loads(body)
    except ValueError as exc:
        return None, f"HTTP 200 with invalid JSON: {exc}"
    if not isinstance(alerts, list):
        return None, "HTTP 200 but not a list of alerts"
    found = any(
        isinstance(a, dict)
        and isinstance(a.get("labels"), dict)
        and a["labels"].get("drill") == drill.id
        for a in alerts
    )
    return found, f"HTTP 200, {len(alerts)} matching alert(s)"
