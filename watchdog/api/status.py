"""``GET /api/v1/status/buildinfo``: what Grafana and other Prometheus clients ask first.

``version`` is the Prometheus API the daemon speaks (2.42.0), so clients enable the features
that version has; ``revision`` says what actually answers: monitor-watchdog and its version.
``goVersion`` carries the Python version (there is no Go here), the build fields are empty.
"""

from __future__ import annotations

import platform

from aiohttp import web

from watchdog import __version__
from watchdog.api.common import api_success

__all__ = ["PROMETHEUS_API_VERSION", "buildinfo", "status_routes"]

PROMETHEUS_API_VERSION = "2.42.0"


def buildinfo() -> dict[str, str]:
    """The ``data`` of the buildinfo answer."""
    return {
        "version": PROMETHEUS_API_VERSION,
        "revision": f"monitor-watchdog {__version__}",
        "branch": "",
        "buildUser": "",
        "buildDate": "",
        "goVersion": f"python{platform.python_version()}",
    }


def status_routes() -> list[web.RouteDef]:
    """The status routes."""

    async def handle(_request: web.Request) -> web.Response:
        return api_success(buildinfo())

    return [web.get("/api/v1/status/buildinfo", handle)]
