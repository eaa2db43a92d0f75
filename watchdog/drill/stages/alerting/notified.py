"""Did an Alertmanager replica send the drill alert on? Evidence from its own API and counters.

Alertmanager's API does not say whether an alert was notified. What it does say: which
receivers the alert routes to (``receivers`` in ``GET /api/v2/alerts``), whether it is
silenced or inhibited (``status``), each receiver's integrations (its config, ``GET
/api/v2/status``), and how many notifications each integration sent and failed
(``alertmanager_notifications_total`` / ``alertmanager_notifications_failed_total{integration}``
on ``/metrics``). With ``--hold`` longer than the route's ``group_wait``, the drill compares the
counters before the alert was sent and after the hold:

* every integration of the routed receivers sent at least one notification and none failed:
  **notified** ("sent on to its receivers"; that a person read it is not something this shows);
* routed only to receivers without integrations (a ``null`` receiver), silenced, inhibited, a
  failed notification, or nothing sent during the hold: the check fails and says which;
* the evidence could not be read (no ``/metrics`` access): not verified, said as such.

The counters count every alert the replica notified, not only the drill's: with other alerts
flowing they prove the integration works, not that this very alert went out.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import yaml

from watchdog.config.alerting import AlertmanagerConfig
from watchdog.drill.alert import DrillAlert
from watchdog.durations import format_duration
from watchdog.exposition import ExpositionError, parse_exposition
from watchdog.httperrors import describe_http_failure

__all__ = ["Counters", "NotifyVerdict", "judge_notification", "read_counters"]

_BODY_LIMIT = 8 * 1024 * 1024
_SENT = "alertmanager_notifications_total"
_FAILED = "alertmanager_notifications_failed_total"


class EvidenceError(Exception):
    """The replica's evidence could not be read; the message says why."""


@dataclass(frozen=True)
class Counters:
    """Notifications sent and failed per integration, as the replica counted them."""

    sent: dict[str, float]
    failed: dict[str, float]


@dataclass(frozen=True)
class NotifyVerdict:
    """``ok``: notified; ``verified`` False: the evidence was missing (not a failure)."""

    ok: bool
    verified: bool
    detail: str


async def _get(
    session: aiohttp.ClientSession, config: AlertmanagerConfig, path: str, limit: float, **kw: Any
) -> bytes:
    try:
        async with asyncio.timeout(limit):
            async with session.get(
                config.url_for(path),
                headers=config.request_headers(),
                ssl=config.ssl_context() or True,
                server_hostname=config.server_hostname,
                allow_redirects=False,
                **kw,
            ) as response:
                body = await response.content.read(_BODY_LIMIT)
                if response.status != 200:
                    raise EvidenceError(f"{path} answered HTTP {response.status}")
                return body
    except TimeoutError:
        raise EvidenceError(f"{path}: no answer within {limit:.3g}s") from None
    except (aiohttp.ClientError, OSError) as exc:
        reason = describe_http_failure(exc) or type(exc).__name__
        raise EvidenceError(f"{path}: {reason}") from None


async def read_counters(
    session: aiohttp.ClientSession, config: AlertmanagerConfig, limit: float
) -> Counters:
    """The replica's notification counters (EvidenceError when unreadable)."""
    body = await _get(session, config, "/metrics", limit)
    try:
        samples = parse_exposition(body.decode("utf-8", errors="replace"))
    except ExpositionError as exc:
        raise EvidenceError(f"/metrics is not valid exposition text: {exc}") from None
    sent: dict[str, float] = {}
    failed: dict[str, float] = {}
    for sample in samples:
        integration = sample.labels.get("integration")
        if integration is None:
            continue
        if sample.name == _SENT:
            sent[integration] = sent.get(integration, 0.0) + sample.value
        elif sample.name == _FAILED:
            failed[integration] = failed.get(integration, 0.0) + sample.value
    if not sent:
        raise EvidenceError(f"/metrics has no {_SENT}: not an Alertmanager?")
    return Counters(sent, failed)


async def _routing(
    session: aiohttp.ClientSession, config: AlertmanagerConfig, drill: DrillAlert, limit: float
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The drill alert as listed, and each receiver's integrations from the replica's config."""
    params = [("filter", f'drill="{drill.id}"')]
    alerts: Any = json.loads(await _get(session, config, "/api/v2/alerts", limit, params=params))
    mine = [
        a for a in alerts if isinstance(a, dict) and a.get("labels", {}).get("drill") == drill.id
    ]
    if not mine:
        raise EvidenceError("the drill alert is no longer listed")
    status: Any = json.loads(await _get(session, config, "/api/v2/status", limit))
    original = status.get("config", {}).get("original", "") if isinstance(status, dict) else ""
    parsed: Any = yaml.safe_load(original) if isinstance(original, str) else None
    receivers = parsed.get("receivers", []) if isinstance(parsed, dict) else []
    integrations = {
        str(r.get("name")): sorted(
            k.removesuffix("_configs") for k, v in r.items() if k.endswith("_configs") and v
        )
        for r in receivers
        if isinstance(r, dict)
    }
    return mine[0], integrations


async def judge_notification(
    session: aiohttp.ClientSession,
    config: AlertmanagerConfig,
    drill: DrillAlert,
    before: Counters,
    *,
    hold: float,
    limit: float,
) -> NotifyVerdict:
    """Compare the evidence after the hold with the counters from before the send."""
    try:
        alert, integrations = await _routing(session, config, drill, limit)
        after = await read_counters(session, config, limit)
    except (EvidenceError, ValueError) as exc:
        return NotifyVerdict(False, False, f"notification not verified: {exc}")
    state = alert.get("status", {}) if isinstance(alert.get("status"), dict) else {}
    if state.get("silencedBy"):
        return NotifyVerdict(False, True, f"silenced by {', '.join(state['silencedBy'])}")
    if state.get("inhibitedBy"):
        return NotifyVerdict(False, True, f"inhibited by {', '.join(state['inhibitedBy'])}")
    names = [str(r.get("name")) for r in alert.get("receivers", []) if isinstance(r, dict)]
    used = sorted({i for name in names for i in integrations.get(name, [])})
    routed = ", ".join(names) or "no receiver"
    if not used:
        return NotifyVerdict(
            False, True, f"routed to {routed}, which has no integration: nobody is notified"
        )
    parts, problems = [], []
    for integration in used:
        sent = after.sent.get(integration, 0.0) - before.sent.get(integration, 0.0)
        failed = after.failed.get(integration, 0.0) - before.failed.get(integration, 0.0)
        parts.append(f"{integration}: {sent:g} sent, {failed:g} failed")
        if failed > 0:
            problems.append(f"{integration} failed {failed:g} notification(s)")
        elif sent < 1:
            problems.append(
                f"{integration} sent nothing during the {format_duration(hold)} hold"
                " (is --hold longer than the route's group_wait?)"
            )
    counted = "; ".join(parts)
    if problems:
        return NotifyVerdict(False, True, f"routed to {routed}: {'; '.join(problems)} ({counted})")
    return NotifyVerdict(
        True,
        True,
        f"sent on to {routed} during the hold ({counted}; counters cover every alert of the"
        " replica); that a person read it is not verified",
    )
