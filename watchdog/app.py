"""Wiring and lifecycle: build the parts from a config, run them, stop them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
from aiohttp import web

from watchdog import __version__
from watchdog.api.rules import rule_routes
from watchdog.api.targets import target_routes
from watchdog.clock import Clock, SystemClock
from watchdog.config.advice import config_warnings
from watchdog.config.errors import ConfigError
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.metrics import SelfMetrics
from watchdog.notify.heartbeat import HEARTBEAT_PATH
from watchdog.notify.service import JOURNAL_HEAD_PATH, DeliveryService
from watchdog.probes.runner import ProbeOutcome
from watchdog.reload import ReloadResult, reload_daemon
from watchdog.rules.files import builtin_rule_groups
from watchdog.rules.setup import build_rule_manager
from watchdog.scheduler import Scheduler
from watchdog.server import WebServer
from watchdog.store import SampleStore
from watchdog.systemd import SystemdNotifier

__all__ = ["Daemon", "make_session", "prepare_state_dir"]

GC_INTERVAL = 60.0


def make_session() -> aiohttp.ClientSession:
    """The HTTP client every probe shares: no cookies, no env proxies, our own timeouts."""
    connector = aiohttp.TCPConnector(limit=1000, limit_per_host=0, ttl_dns_cache=10)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None),
        headers={"User-Agent": f"monitor-watchdog/{__version__}"},
        trust_env=False,
    )


def prepare_state_dir(path: Path) -> Path:
    """Create the state directory (owner-only) or fail with a clear message."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError.single(path, f"cannot create state_dir: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ConfigError.single(path, "state_dir exists but is not a directory")
    return path


class Daemon:
    """One running daemon: store, scheduler and server built from a loaded config."""

    def __init__(
        self,
        config: LoadedConfig,
        *,
        clock: Clock | None = None,
        listen: str | None = None,
        enable_lifecycle: bool = False,
    ) -> None:
        self.config = config
        self._lifecycle = enable_lifecycle or config.model.server.enable_lifecycle
        self.clock = clock or SystemClock()
        self.metrics = SelfMetrics()
        self.health = LoopHealth()
        self.store = SampleStore()
        self.store.configure_retention(names=(), window=0.0)
        self.state_dir = prepare_state_dir(config.model.state_dir)
        self._listen = listen or config.model.server.listen
        # Delivery opens the outbox and journal now, so a bad state_dir is refused early.
        self.delivery = self._build_delivery(config)
        # --- rules (issue 3): built here so bad rule files are refused before anything starts
        self.rules = build_rule_manager(
            config,
            store=self.store,
            metrics=self.metrics,
            health=self.health,
            clock=self.clock,
            state_dir=self.state_dir,
            listen=self._listen,
            sink=self.delivery.sink,
        )
        self.rules.add_builtin_groups(builtin_rule_groups(self.delivery.builtin_rule_groups()))
        self.rules.on_transition = self.delivery.transition_hook
        # --- end rules
        self._reload_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self.scheduler: Scheduler | None = None
        self.server: WebServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.notifier = SystemdNotifier()
        self._log = get_logger("daemon")

    def _build_delivery(self, config: LoadedConfig) -> DeliveryService:
        return DeliveryService(
            config,
            state_dir=self.state_dir,
            metrics=self.metrics,
            clock=self.clock,
            health=self.health,
            store=self.store,
        )

    def _probe_listener(self, spec: TargetSpec, outcome: ProbeOutcome) -> None:
        # Indirect, so a delivery service swapped in by a reload gets the probe outcomes.
        self.delivery.probe_listener(spec, outcome)

    async def _delivery_route(self, request: web.Request) -> web.StreamResponse:
        # Routes cannot be re-registered after start: dispatch to the current delivery service.
        for route in self.delivery.routes():
            if (
                isinstance(route, web.RouteDef)
                and route.path == request.path
                and route.method == request.method
            ):
                return await route.handler(request)
        return web.Response(status=404, text="incoming heartbeat is not configured\n")

    async def _handle_reload(self, _request: web.Request) -> web.Response:
        if not self._lifecycle:
            return web.Response(status=403, text="Lifecycle API is not enabled.\n")
        result = await self.reload("http")
        return web.Response(status=200 if result.ok else 500, text=result.message + "\n")

    def readiness(self) -> str | None:
        """None when ready; otherwise why not."""
        if self.scheduler is None:
            return "starting"
        if not self.scheduler.first_round_done:
            return "waiting for the first round of probes"
        return None

    def status_line(self) -> str:
        """One line for ``systemctl status``: targets, firing alerts, delivery path."""
        states = list(self.scheduler.states.values()) if self.scheduler else []
        up = sum(1 for s in states if s.health == "up")
        down = sum(1 for s in states if s.health == "down")
        firing = sum(
            1
            for group in self.rules.states.values()
            for status in group.rules
            if status.alerts is not None
            for alert in status.alerts.alerts()
            if alert.state.value == "firing"
        )
        alerting = self.config.model.alerting
        if not alerting.alertmanagers:
            path = "emergency receivers only" if alerting.emergency else "NO RECEIVER CONFIGURED"
        elif self.delivery.chain.switch.active:
            path = "FALLBACK to emergency receivers"
        else:
            path = "via Alertmanager"
        return f"targets: {up} up, {down} down; alerts firing: {firing}; delivery: {path}"

    async def _announce_ready(self) -> None:
        assert self.scheduler is not None
        await self.scheduler.wait_first_round()
        self.notifier.ready(self.status_line())
        self._log.info("ready", status=self.status_line())

    async def start(self) -> None:
        """Build every part and start serving and probing."""
        self._session = make_session()
        self.scheduler = Scheduler(
            store=self.store,
            metrics=self.metrics,
            session=self._session,
            state_dir=self.state_dir,
            clock=self.clock,
            health=self.health,
            body_size_limit=self.config.global_.body_size_limit,
        )
        scheduler = self.scheduler
        self.server = WebServer(
            self._listen, self.metrics, self.readiness, self.config.model.server
        )
        self.server.add_routes(target_routes(lambda: list(scheduler.states.values())))
        self.server.add_routes(rule_routes(lambda: list(self.rules.states.values())))
        scheduler.add_listener(self._probe_listener)
        self.server.add_routes(
            [
                web.post(HEARTBEAT_PATH, self._delivery_route),
                web.get(JOURNAL_HEAD_PATH, self._delivery_route),
                web.post("/-/reload", self._handle_reload),
                web.put("/-/reload", self._handle_reload),
            ]
        )
        await self.delivery.start(self._session)
        await self.server.start()
        now = self.clock.now()
        self.metrics.start_time.set(now)
        self.metrics.config_last_reload_successful.set(1)
        self.metrics.config_last_reload_success_timestamp.set(now)
        await self.scheduler.apply(self.config.targets)
        await self.rules.start()
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        self._tasks.append(asyncio.create_task(self._announce_ready(), name="ready"))
        self._tasks.append(
            asyncio.create_task(
                self.notifier.keep_alive(self.health, self.status_line), name="systemd-watchdog"
            )
        )
        for text in config_warnings(self.config):
            self._log.warning("risky config", warning=text)
        self._log.info(
            "started",
            version=__version__,
            config=str(self.config.source),
            targets=len(self.config.targets),
            listen=self._listen,
        )

    async def stop(self) -> None:
        """Stop probing and serving; bounded even when probes hang."""
        self.notifier.stopping()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.rules.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        # after the producers stop, before the session closes
        await self.delivery.stop(self.config.model.alerting.drain_timeout)
        if self.server is not None:
            await self.server.stop()
        if self._session is not None:
            await self._session.close()
        self._log.info("stopped")

    async def reload(self, trigger: str) -> ReloadResult:
        """Load the config file again and apply it; on any error keep the running one."""
        async with self._reload_lock:
            return await reload_daemon(self, trigger)

    async def swap_delivery(self, config: LoadedConfig) -> None:
        """Replace the delivery service (its settings changed); the outbox carries over."""
        await self.delivery.stop(config.model.alerting.drain_timeout)
        self.delivery = self._build_delivery(config)
        self.rules.sink = self.delivery.sink
        self.rules.on_transition = self.delivery.transition_hook
        if self._session is not None:
            await self.delivery.start(self._session)

    @property
    def listen(self) -> str:
        """The address the server listens on (a restart is needed to change it)."""
        return self._listen

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(GC_INTERVAL)
            removed = self.store.gc(self.clock.now())
            self.metrics.store_series.set(self.store.series_count())
            if removed:
                self._log.debug("store gc", removed=removed)
