"""Wiring and lifecycle: build the parts from a config, run them, stop them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
from aiohttp import web

from watchdog import __version__
from watchdog.api.query import QueryAPI
from watchdog.api.rules import rule_routes
from watchdog.api.status import status_routes
from watchdog.api.targets import target_routes
from watchdog.clock import Clock, SystemClock
from watchdog.config.advice import config_warnings
from watchdog.config.errors import ConfigError
from watchdog.config.model import LoadedConfig
from watchdog.drill.metrics import DrillMetrics
from watchdog.health import LoopHealth
from watchdog.httpsession import make_session
from watchdog.logs import get_logger
from watchdog.metrics import DaemonMetrics, MetricsRegistry
from watchdog.notify.heartbeat import HEARTBEAT_PATH
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.notify.probecontext import probe_annotations
from watchdog.notify.service import JOURNAL_HEAD_PATH, DeliveryService
from watchdog.notify.silences import SilenceStore
from watchdog.notify.silences.api import silence_routes
from watchdog.probes.kinds.alertmanager import AlertmanagerTarget
from watchdog.probes.metrics import ProbeMetrics
from watchdog.probes.runner import ProbeOutcome
from watchdog.reload import ReloadPlan, ReloadResult, plan_reload
from watchdog.rules.files import builtin_rule_groups
from watchdog.rules.lintlog import log_lint_findings
from watchdog.rules.metrics import RuleMetrics
from watchdog.rules.setup import build_rule_manager, external_url, generator_links, query_limits
from watchdog.scheduler import Scheduler
from watchdog.server import WebServer
from watchdog.status.wiring import daemon_status_routes
from watchdog.store import SampleStore
from watchdog.systemd import SystemdNotifier
from watchdog.target_state import TargetState
from watchdog.webconfig.enforce import WebSecurity

__all__ = ["Daemon", "prepare_state_dir"]

GC_INTERVAL = 60.0


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
        self.health = LoopHealth()
        self.store = SampleStore()
        self.store.configure_retention(names=(), window=0.0)
        self.registry = MetricsRegistry()
        self.metrics = DaemonMetrics(self.registry, self.store.series_count)
        self._probe_metrics = ProbeMetrics(self.registry)
        self._delivery_metrics = DeliveryMetrics(self.registry)
        # The drill is a process of its own; its reports tell the daemon how the last one went.
        self.drills = DrillMetrics(
            self.registry, lambda: self.config.drill.reports(self.config.model.state_dir)
        )
        self.state_dir = prepare_state_dir(config.model.state_dir)
        self._listen = listen or config.model.server.listen
        # Delivery opens the outbox and journal now, so a bad state_dir is refused early.
        self.delivery = self._build_delivery(config)
        # Built here so bad rule files are refused before anything starts.
        self.rules = build_rule_manager(
            config,
            store=self.store,
            metrics=RuleMetrics(self.registry),
            health=self.health,
            clock=self.clock,
            state_dir=self.state_dir,
            listen=self._listen,
            sink=self.delivery.sink,
        )
        self.rules.add_builtin_groups(builtin_rule_groups(self.delivery.builtin_rule_groups()))
        self._wire_delivery()
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
            metrics=self._delivery_metrics,
            clock=self.clock,
            health=self.health,
            store=self.store,
            external_url=external_url(config, self._listen),
        )

    def _wire_delivery(self) -> None:
        """Connect the delivery service to the rule engine and the targets' state."""
        self.rules.sink = self.delivery.sink
        self.rules.on_transition = self.delivery.transition_hook
        chain = self.delivery.chain
        chain.picture = self.rules.firing_notifications
        chain.target_context = lambda labels: probe_annotations(self._target_states, labels)

    def _target_states(self) -> list[TargetState]:
        return list(self.scheduler.states.values()) if self.scheduler is not None else []

    def _alertmanager_probed(self, target: AlertmanagerTarget, outcome: ProbeOutcome) -> None:
        # Indirect, so a delivery service swapped in by a reload gets the probe outcomes.
        self.delivery.alertmanager_probed(target, outcome)

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

    def _heartbeat_token(self) -> str | None:
        beat_in = self.delivery.heartbeat_in
        return beat_in.config.token() if beat_in is not None else None

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
            metrics=self._probe_metrics,
            session=self._session,
            state_dir=self.state_dir,
            clock=self.clock,
            health=self.health,
            body_size_limit=self.config.global_.body_size_limit,
        )
        scheduler = self.scheduler
        server_config = self.config.model.server
        self.web = WebSecurity(
            self.config.web, unauthenticated=tuple(server_config.unauthenticated_paths)
        )
        self.web.token_paths[HEARTBEAT_PATH] = self._heartbeat_token
        self.server = WebServer(
            self._listen, self.registry, self.readiness, server_config, security=self.web
        )
        self.server.add_routes(target_routes(lambda: list(scheduler.states.values())))
        self.server.add_routes(
            rule_routes(
                lambda: list(self.rules.states.values()),
                lambda labels: self.delivery.chain.fallback_status(labels),
            )
        )
        self.server.add_routes(
            silence_routes(
                SilenceStore(self.state_dir),
                self.clock,
                lambda: self.config.model.alerting.silences.token(),
            )
        )
        self.server.add_routes(
            QueryAPI(self.store, lambda: query_limits(self.config), self.clock).routes()
        )
        self.server.add_routes(status_routes())
        self.server.add_routes(daemon_status_routes(self))
        scheduler.subscribe(AlertmanagerTarget, self._alertmanager_probed)
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
        for text in config_warnings(self.config, listen=self._listen):
            self._log.warning("risky config", warning=text)
        log_lint_findings(self.config, self.rules.file_groups, self.rules.metrics)
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
            self.notifier.reloading()
            try:
                plan = plan_reload(self.config)
            except ConfigError as exc:
                self.metrics.config_last_reload_successful.set(0)
                for issue in exc.issues:
                    self._log.error("reload refused", trigger=trigger, issue=str(issue))
                self.notifier.ready(self.status_line())
                return ReloadResult(False, f"config refused, old config stays in force:\n{exc}")
            except Exception as exc:  # a loader bug must refuse the reload, not kill the task
                self.metrics.config_last_reload_successful.set(0)
                self._log.exception(
                    "reload refused: loading the new config failed", trigger=trigger
                )
                self.notifier.ready(self.status_line())
                reason = f"internal error while loading ({type(exc).__name__}); see the log"
                return ReloadResult(False, f"config refused, old config stays in force:\n{reason}")
            await self._apply(plan)
            self.metrics.config_last_reload_successful.set(1)
            self.metrics.config_last_reload_success_timestamp.set(self.clock.now())
            details = {
                "targets_added": plan.added,
                "targets_removed": plan.removed,
                "targets_changed": plan.changed,
                "rule_groups": len(plan.groups),
                "delivery_rebuilt": plan.delivery_changed,
                "restart_needed": plan.restart_needed,
            }
            self._log.info("config reloaded", trigger=trigger, **details)
            for key in plan.restart_needed:
                self._log.warning("setting changed; it takes effect after a restart", key=key)
            self.notifier.ready(self.status_line())
            return ReloadResult(True, "config reloaded", details)

    async def _apply(self, plan: ReloadPlan) -> None:
        new = plan.config
        if self.scheduler is not None:
            await self.scheduler.apply(new.targets, new.global_.body_size_limit)
        if plan.delivery_changed:
            # The outbox is a file: whatever the old service left unsent, the new one sends.
            await self.delivery.stop(new.model.alerting.drain_timeout)
            self.delivery = self._build_delivery(new)
            self._wire_delivery()
            if self._session is not None:
                await self.delivery.start(self._session)
        self.rules.configure(
            default_interval=new.global_.evaluation_interval,
            external_labels=new.external_labels,
            external_url=external_url(new, self._listen),
            resend_delay=new.model.alerting.resend_delay,
            limits=query_limits(new),
            links=generator_links(new),
        )
        builtin = builtin_rule_groups(self.delivery.builtin_rule_groups())
        self.rules.apply(plan.groups, builtin=builtin)
        if self.server is not None:
            self.server.security.update(new.web, tuple(new.model.server.unauthenticated_paths))
        self.config = new
        log_lint_findings(new, plan.groups, self.rules.metrics)

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(GC_INTERVAL)
            removed = self.store.gc(self.clock.now())
            if removed:
                self._log.debug("store gc", removed=removed)
