"""The Prometheus API envelope: ``{"status": "success", "data": ...}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from watchdog.alerts import iso_time

__all__ = ["api_error", "api_success", "rfc3339"]


def api_success(data: Any) -> web.Response:
    """A successful API answer."""
    return web.json_response({"status": "success", "data": data})


def api_error(status: int, error_type: str, message: str) -> web.Response:
    """A failed API answer."""
    return web.json_response(
        {"status": "error", "errorType": error_type, "error": message}, status=status
    )


def rfc3339(ts: float | None) -> str:
    """A timestamp as Prometheus' API prints it; the zero time when unknown."""
    return iso_time(ts) if ts is not None else "0001-01-01T00:00:00Z"
