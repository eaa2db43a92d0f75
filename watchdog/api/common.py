"""The Prometheus API envelope: ``{"status": "success", "data": ...}``, written as Go writes it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from watchdog.alerts import iso_time
from watchdog.api.gojson import go_json

__all__ = ["ERROR_STATUS", "api_error", "api_success", "rfc3339"]

ERROR_STATUS = {
    "bad_data": 400,
    "not_found": 404,
    "execution": 422,
    "internal": 500,
    "timeout": 503,
    "unavailable": 503,
}
"""The HTTP status Prometheus answers with for each ``errorType``."""


def api_success(data: Any, warnings: list[str] | None = None) -> web.Response:
    """A successful API answer (``warnings`` only when there are some, as Prometheus does)."""
    body: dict[str, Any] = {"status": "success", "data": data}
    if warnings:
        body["warnings"] = warnings
    return web.Response(text=go_json(body), content_type="application/json")


def api_error(status: int, error_type: str, message: str) -> web.Response:
    """A failed API answer."""
    body = {"status": "error", "errorType": error_type, "error": message}
    return web.Response(text=go_json(body), status=status, content_type="application/json")


def rfc3339(ts: float | None) -> str:
    """A timestamp as Prometheus' API prints it; the zero time when unknown."""
    return iso_time(ts) if ts is not None else "0001-01-01T00:00:00Z"
