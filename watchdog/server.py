"""The daemon's HTTP server: /metrics, health, readiness, and the routes subsystems add.

It listens through ``serverguard``: a connection limit inside the file descriptor budget,
header/body/idle deadlines, bounded bodies and a safety net around every handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from aiohttp import web

from watchdog.config.model import ServerConfig, split_listen
from watchdog.logs import get_logger
from watchdog.metrics import MetricsRegistry
from watchdog.serverguard import (
    ConnectionGuard,
    bounded_body,
    plan_fd_budget,
    raise_nofile_limit,
    safety_net,
)
from watchdog.serverguard.metrics import ServerMetrics
from watchdog.webconfig.enforce import WebSecurity

__all__ = ["CONTENT_TYPE_TEXT", "WebServer"]

CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8"
_MAX_HEADERS = 100
"""Header lines per request (aiohttp's default is 128; none of our clients sends 20)."""
_SHUTDOWN_TIMEOUT = 2.0


class WebServer:
    """An aiohttp server bound to one address; routes can be added before ``start``."""

    def __init__(
        self,
        listen: str,
        metrics: MetricsRegistry,
        readiness: Callable[[], str | None],
        settings: ServerConfig | None = None,
        security: WebSecurity | None = None,
    ) -> None:
        self._listen = listen
        self._metrics = metrics
        self._readiness = readiness
        self.settings = settings = settings or ServerConfig()
        guard_metrics = ServerMetrics(metrics)
        self.guard = ConnectionGuard(
            limit=settings.max_connections,
            header_timeout=settings.header_timeout,
            idle_timeout=settings.idle_timeout,
            metrics=guard_metrics,
        )
        self.security = security or WebSecurity(None)
        self.guard.tls = self.security.tls_policy
        self._app = web.Application(
            client_max_size=settings.max_body_size,
            middlewares=[
                safety_net(guard_metrics),
                self.security.middleware(guard_metrics),
                bounded_body(
                    self.guard,
                    max_body_size=settings.max_body_size,
                    body_timeout=settings.body_timeout,
                    metrics=guard_metrics,
                ),
            ],
        )
        self._app.add_routes(
            [
                web.get("/metrics", self._handle_metrics),
                web.get("/-/healthy", self._handle_healthy),
                web.get("/-/ready", self._handle_ready),
            ]
        )
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
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
        """Plan the descriptor budget, bind and serve."""
        host, port = split_listen(self._listen)
        budget = plan_fd_budget(
            raise_nofile_limit(), self.settings.max_connections, self.settings.reserved_fds
        )
        self.guard.limit = budget.connection_limit
        if budget.warning:
            self._log.warning("file descriptor limit too low", detail=budget.warning)
        self._runner = web.AppRunner(
            self._app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.settings.idle_timeout,
            max_headers=_MAX_HEADERS,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await self._runner.setup()
        assert self._runner.server is not None
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            self.guard.wrap(self._runner.server),
            host,
            port,
            reuse_address=True,
            backlog=budget.accept_batch,
        )
        self.guard.accept_errors.install(loop)
        self.port = self._listener.sockets[0].getsockname()[1]
        web_config = self.security.config
        self._log.info(
            "listening",
            address=f"{host}:{self.port}",
            tls=web_config is not None and web_config.tls,
            basic_auth=web_config is not None and bool(web_config.users),
            max_connections=budget.connection_limit,
            fd_limit=budget.nofile,
            fds_reserved=budget.reserved,
        )

    async def stop(self) -> None:
        """Close the listener, let requests under way finish briefly, then drop the rest."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.guard.close_all()
        self.guard.accept_errors.uninstall()
        self.security.close()

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
