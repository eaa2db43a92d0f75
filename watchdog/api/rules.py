"""``GET /api/v1/alerts`` and ``GET /api/v1/rules`` in the shapes of Prometheus' HTTP API.

Key for key as Prometheus 2.42 answers (``tests/api/test_prometheus_shapes.py`` compares
them with a real one): Go's key order, whole-number durations without a fraction, ``labels``
and ``lastError`` left out of a recording rule when empty, ``lastError`` of an alerting rule
likewise, ``keepFiringSince`` only while an alert is kept firing. Maps (labels, annotations)
are sorted by key, as Go sorts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from watchdog.api.common import api_error, api_success, rfc3339
from watchdog.rules.alerting import Alert, AlertState
from watchdog.rules.group import GroupState, RuleStatus
from watchdog.rules.model import AlertingRule
from watchdog.rules.templates.gofmt import shortest_e

__all__ = ["alert_to_json", "rule_routes", "rules_to_json"]


def _sorted(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items()))


def alert_to_json(alert: Alert) -> dict[str, Any]:
    """One active alert as Prometheus prints it."""
    out: dict[str, Any] = {
        "labels": _sorted(alert.labels),
        "annotations": _sorted(alert.annotations),
        "state": alert.state.value,
        "activeAt": rfc3339(alert.active_at),
    }
    if alert.keep_firing_since is not None:
        out["keepFiringSince"] = rfc3339(alert.keep_firing_since)
    out["value"] = shortest_e(alert.value)
    return out


def _health(status: RuleStatus) -> dict[str, Any]:
    out: dict[str, Any] = {"health": status.health}
    if status.last_error:
        out["lastError"] = status.last_error
    out["evaluationTime"] = status.evaluation_time
    out["lastEvaluation"] = rfc3339(status.last_evaluation)
    return out


def _rule_json(status: RuleStatus) -> dict[str, Any]:
    rule = status.rule
    if not isinstance(rule, AlertingRule):
        out: dict[str, Any] = {"name": rule.name, "query": rule.expr}
        if rule.labels:
            out["labels"] = _sorted(rule.labels)
        return {**out, **_health(status), "type": "recording"}
    alerts = status.alerts.alerts() if status.alerts is not None else []
    states = {a.state for a in alerts}
    state = (
        "firing"
        if AlertState.FIRING in states
        else "pending"
        if AlertState.PENDING in states
        else "inactive"
    )
    return {
        "state": state,
        "name": rule.name,
        "query": rule.expr,
        "duration": rule.for_,
        "keepFiringFor": rule.keep_firing_for,
        "labels": _sorted({k: t.text for k, t in rule.labels.items()}),
        "annotations": _sorted({k: t.text for k, t in rule.annotations.items()}),
        "alerts": [alert_to_json(a) for a in alerts],
        **_health(status),
        "type": "alerting",
    }


def rules_to_json(
    groups: Iterable[GroupState],
    kind: str | None = None,
    names: set[str] | None = None,
    group_names: set[str] | None = None,
    files: set[str] | None = None,
) -> dict[str, Any]:
    """The ``data`` of ``/api/v1/rules``, filtered like Prometheus."""
    out = []
    for state in groups:
        group = state.group
        file = str(group.file) if group.file is not None else ""
        if (group_names and group.name not in group_names) or (files and file not in files):
            continue
        rules = [
            _rule_json(status)
            for status in state.rules
            if (kind is None or status.rule.kind == kind)
            and (not names or status.rule.name in names)
        ]
        if (kind or names) and not rules:
            continue
        out.append(
            {
                "name": group.name,
                "file": file,
                "rules": rules,
                "interval": group.interval,
                "limit": group.limit or 0,
                "evaluationTime": state.evaluation_time,
                "lastEvaluation": rfc3339(state.last_eval_ts),
            }
        )
    return {"groups": out}


FallbackStatus = Callable[[Mapping[str, str]], dict[str, Any]]
"""How the fallback path would treat an alert with these labels (receivers, silences,
inhibitions)."""


def rule_routes(
    groups: Callable[[], Iterable[GroupState]], fallback: FallbackStatus | None = None
) -> list[web.RouteDef]:
    """Routes serving alerts and rules from a live view of the rule manager; with
    ``fallback``, each alert of ``/api/v1/alerts`` also says how the fallback path treats it
    (``fallback``: ``receivers``, ``state`` active/suppressed, ``silencedBy``,
    ``inhibitedBy``)."""

    async def alerts(_request: web.Request) -> web.Response:
        found = []
        for state in groups():
            for status in state.rules:
                for alert in status.alerts.alerts() if status.alerts is not None else ():
                    shown = alert_to_json(alert)
                    if fallback is not None:
                        shown["fallback"] = fallback(alert.labels)
                    found.append(shown)
        return api_success({"alerts": found})

    async def rules(request: web.Request) -> web.Response:
        wanted = request.query.get("type", "").lower()
        kinds = {"": None, "alert": "alerting", "record": "recording"}
        if wanted not in kinds:
            return api_error(
                400, "bad_data", f'invalid parameter "type": not supported value "{wanted}"'
            )
        query = request.query
        data = rules_to_json(
            groups(),
            kinds[wanted],
            set(query.getall("rule_name[]", [])),
            set(query.getall("rule_group[]", [])),
            set(query.getall("file[]", [])),
        )
        return api_success(data)

    return [web.get("/api/v1/alerts", alerts), web.get("/api/v1/rules", rules)]
