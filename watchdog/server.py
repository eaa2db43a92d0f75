"""The daemon's HTTP server: /metrics, health, readiness, and the routes subsystems add."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web

from watchdog.config.model import split_listen
from watchdog.logs import get_logger
from watchdog.metrics import MetricsRegistry

__all__ = ["CONTENT_TYPE_TEXT", "WebServer"]

CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class WebServer:
    """An aiohttp server bound to one address; routes can be added before ``start``."""

    def __init__(
        self,
        listen: str,
        metrics: MetricsRegistry,
        readiness: Callable[[], str | None],
    ) -> None:
        self._listen = listen
        self._metrics = metrics
        self._readiness = readiness
        self._app = web.Application(client_max_size=1024 * 1024)
        self._app.add_routes(
            [
                web.get("/metrics", self._handle_metrics),
                web.get("/-/healthy", self._handle_healthy),
                web.get("/-/ready", self._handle_ready),
            ]
        )
        self._runner: web.AppRunner | None = None
        self._log = get_logger("server")
        self.port: int | None = None

    @property
    def app(self) -> web.Application:
        """The aiohttp application (for adding routes)."""
        return self._app

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Register more routes (before ``start``)."""
        self._app.add_routes(list(routes))

    async def start(self) -> None:
        """Bind and serve."""
        host, port = split_listen(self._listen)
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        sockets = self._runner.addresses
        self.port = sockets[0][1] if sockets else port
        self._log.info("listening", address=f"{host}:{self.port}")

    async def stop(self) -> None:
        """Close the listener and in-flight requests."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_TEXT}
        )

    async def _handle_healthy(self, _request: web.Request) -> web.Response:
        return web.Response(text="monitor-watchdog is Healthy.\n")

    async def _handle_ready(self, _request: web.Request) -> web.Response:
        reason = self._readiness()
        if reason is None:
            return web.Response(text="monitor-watchdog is Ready.\n")
        return web.Response(status=503, text=f"monitor-watchdog is not ready: {reason}\n")
