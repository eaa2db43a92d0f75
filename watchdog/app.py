"""Wiring and lifecycle: build the parts from a config, run them, stop them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from pathlib import Path
from typing import Any

import aiohttp

from watchdog import __version__
from watchdog.api.rules import rule_routes
from watchdog.api.targets import target_routes
from watchdog.clock import Clock, SystemClock
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.config.yamlsource import YamlDocument
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.metrics import SelfMetrics
from watchdog.notify.service import DeliveryService
from watchdog.rules.files import parse_rule_document
from watchdog.rules.model import RuleGroup
from watchdog.rules.setup import build_rule_manager
from watchdog.scheduler import Scheduler
from watchdog.server import WebServer
from watchdog.store import SampleStore
from watchdog.systemd import SystemdNotifier

__all__ = ["Daemon", "builtin_rule_groups", "make_session", "prepare_state_dir", "run_daemon"]

GC_INTERVAL = 60.0
SHUTDOWN_GRACE = 5.0


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


def builtin_rule_groups(groups: list[dict[str, Any]]) -> list[RuleGroup]:
    """Rule groups defined in code (rule-file shape) parsed like rule files; a bug if invalid."""
    if not groups:
        return []
    doc = YamlDocument(file=Path("<built-in>"), data={"groups": groups})
    parsed, issues = parse_rule_document(doc)
    if issues:
        raise ConfigError(issues)
    return [dataclasses.replace(group, file=None) for group in parsed]


class Daemon:
    """One running daemon: store, scheduler and server built from a loaded config."""

    def __init__(
        self,
        config: LoadedConfig,
        *,
        clock: Clock | None = None,
        listen: str | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.metrics = SelfMetrics()
        self.health = LoopHealth()
        self.store = SampleStore()
        self.store.configure_retention(names=(), window=0.0)
        self.state_dir = prepare_state_dir(config.model.state_dir)
        self._listen = listen or config.model.server.listen
        # --- delivery (notify): opened early so a bad state_dir is refused before starting
        self.delivery = DeliveryService(
            config,
            state_dir=self.state_dir,
            metrics=self.metrics,
            clock=self.clock,
            health=self.health,
            store=self.store,
        )
        # --- end delivery ---
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
        self._session: aiohttp.ClientSession | None = None
        self.scheduler: Scheduler | None = None
        self.server: WebServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.notifier = SystemdNotifier()
        self._log = get_logger("daemon")

    def readiness(self) -> str | None:
        """None when ready; otherwise why not."""
        if self.scheduler is None:
            return "starting"
        if not self.scheduler.first_round_done:
            return "waiting for the first round of probes"
        return None

    def status_line(self) -> str:
        """One line for ``systemctl status``: targets up/down (more parts join as they land)."""
        states = list(self.scheduler.states.values()) if self.scheduler else []
        up = sum(1 for s in states if s.health == "up")
        down = sum(1 for s in states if s.health == "down")
        return f"targets: {up} up, {down} down"

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
        self.server = WebServer(self._listen, self.metrics, self.readiness)
        self.server.add_routes(target_routes(lambda: list(scheduler.states.values())))
        self.server.add_routes(rule_routes(lambda: list(self.rules.states.values())))
        # --- delivery (notify): outbox, Alertmanager + fallback, heartbeats, journal ---
        scheduler.add_listener(self.delivery.probe_listener)
        self.server.add_routes(self.delivery.routes())
        await self.delivery.start(self._session)
        # --- end delivery ---
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

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(GC_INTERVAL)
            removed = self.store.gc(self.clock.now())
            self.metrics.store_series.set(self.store.series_count())
            if removed:
                self._log.debug("store gc", removed=removed)


async def run_daemon(config_path: Path, *, listen: str | None = None) -> int:
    """Load the config and run until SIGTERM/SIGINT; the exit code for the CLI."""
    log = get_logger("daemon")
    try:
        config = load_config(config_path)
        daemon = Daemon(config, listen=listen)
    except ConfigError as exc:
        for issue in exc.issues:
            log.error("config error", issue=str(issue))
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await daemon.start()
        await stop.wait()
        log.info("stopping", reason="signal")
    except OSError as exc:
        log.error("cannot start", error=str(exc))
        return 1
    finally:
        await asyncio.wait_for(daemon.stop(), timeout=SHUTDOWN_GRACE + 5)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return 0
