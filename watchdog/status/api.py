"""The page's JSON twins: ``GET /api/v1/status/{page,verdict,alerts,targets,delivery,peers,
drills}``, each the view the page renders, in the Prometheus API envelope.

Filters: ``alerts?fingerprint=F``, ``targets?job=J[&instance=I]``. Times are RFC 3339;
a target's ``history`` lists the minutes of the last hour that had probes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from watchdog.api.common import api_success, rfc3339
from watchdog.probe_history import BUCKET_SECONDS, Bucket
from watchdog.status.build import build_status
from watchdog.status.sources import StatusSources
from watchdog.status.views import StatusView, When

__all__ = ["STATUS_API", "status_api_routes", "to_json"]

STATUS_API = "/api/v1/status"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _bucket(bucket: Bucket) -> dict[str, Any]:
    return {
        "start": rfc3339(bucket.minute * BUCKET_SECONDS),
        "ok": bucket.ok,
        "failed": bucket.failed,
        "down": bucket.down,
        "maxDuration": round(bucket.max_duration, 4),
    }


def to_json(value: Any) -> Any:
    """A view as JSON data: camelCase keys, RFC 3339 times, only the probed minutes."""
    if isinstance(value, When):
        return rfc3339(value.ts)
    if isinstance(value, Bucket):
        return _bucket(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for item in dataclasses.fields(value):
            data = getattr(value, item.name)
            if item.name == "history":
                data = [b for b in data if b.probes]
            if item.name == "facts":
                out["facts"] = dict(data)
                continue
            out[_camel(item.name)] = to_json(data)
        return out
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def status_api_routes(sources: StatusSources) -> list[web.RouteDef]:
    """Routes for the JSON twins, reading ``sources`` on every request."""

    async def view(request: web.Request) -> StatusView:
        return await build_status(sources, job=request.query.get("job") or None)

    async def page(request: web.Request) -> web.Response:
        return api_success(to_json(await view(request)))

    async def verdict(request: web.Request) -> web.Response:
        return api_success(to_json((await view(request)).verdict))

    async def alerts(request: web.Request) -> web.Response:
        wanted = request.query.get("fingerprint")
        found = [a for a in (await view(request)).alerts if not wanted or a.fingerprint == wanted]
        return api_success({"alerts": to_json(found)})

    async def targets(request: web.Request) -> web.Response:
        instance = request.query.get("instance")
        groups = (await view(request)).groups
        if instance:
            groups = [
                dataclasses.replace(g, targets=[t for t in g.targets if t.instance == instance])
                for g in groups
            ]
        return api_success({"groups": to_json(groups)})

    async def delivery(request: web.Request) -> web.Response:
        return api_success(to_json((await view(request)).delivery))

    async def peers(request: web.Request) -> web.Response:
        shown = (await view(request)).peers
        return api_success(to_json(shown) if shown is not None else {"configured": False})

    async def drills(request: web.Request) -> web.Response:
        shown = (await view(request)).drills
        return api_success(to_json(shown) if shown is not None else {"configured": False})

    return [
        web.get(f"{STATUS_API}/page", page),
        web.get(f"{STATUS_API}/verdict", verdict),
        web.get(f"{STATUS_API}/alerts", alerts),
        web.get(f"{STATUS_API}/targets", targets),
        web.get(f"{STATUS_API}/delivery", delivery),
        web.get(f"{STATUS_API}/peers", peers),
        web.get(f"{STATUS_API}/drills", drills),
    ]
