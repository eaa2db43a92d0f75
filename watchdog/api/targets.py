"""``GET /api/v1/targets``: each target's health, last error and last probe."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from watchdog.api.common import api_success, rfc3339
from watchdog.durations import format_duration
from watchdog.target_state import TargetState

__all__ = ["target_routes", "target_to_json"]


def target_to_json(state: TargetState) -> dict[str, Any]:
    """One target as Prometheus' ``activeTargets`` entries, key for key; then what only the
    daemon has: the probe ``kind``, ``success``, counts and the kind's key ``facts``."""
    spec = state.spec
    endpoint = (
        getattr(spec.config, "url", None)
        or getattr(spec.config, "address", None)
        or getattr(spec.config, "path", None)
        or spec.instance
    )
    return {
        "discoveredLabels": {},
        "labels": dict(sorted(spec.target_labels().items())),
        "scrapePool": spec.job,
        "scrapeUrl": str(endpoint) if not hasattr(endpoint, "get_secret_value") else "",
        "globalUrl": "",
        "lastError": state.last_error or "",
        "lastScrape": rfc3339(state.last_probe),
        "lastScrapeDuration": state.last_duration or 0.0,
        "health": state.health,
        "scrapeInterval": format_duration(spec.interval),
        "scrapeTimeout": format_duration(spec.timeout),
        "kind": spec.kind,
        "success": state.success,
        "probes": state.probes,
        "failures": state.failures,
        "lastSuccess": rfc3339(state.last_success),
        "facts": state.facts,
    }


def target_routes(states: Callable[[], Iterable[TargetState]]) -> list[web.RouteDef]:
    """Routes serving the targets API from a live view of target states."""

    async def handle(request: web.Request) -> web.Response:
        wanted = request.query.get("state", "").lower() or "any"
        active = []
        if wanted in ("active", "any"):  # Prometheus answers "dropped" or a typo with none
            active = [target_to_json(s) for s in sorted(states(), key=lambda s: s.spec.key)]
        return api_success({"activeTargets": active, "droppedTargets": []})

    return [web.get("/api/v1/targets", handle)]
