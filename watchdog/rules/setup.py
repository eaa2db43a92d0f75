"""Build the rule manager from a loaded config: the one place the daemon wires rules in."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.alerts import AlertSink, Notification
from watchdog.clock import Clock
from watchdog.config.model import LoadedConfig, split_listen
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.promql import EvalLimits
from watchdog.rules.files import load_rule_files
from watchdog.rules.sending import GeneratorLinks
from watchdog.store import SampleStore

if TYPE_CHECKING:
    from watchdog.rules.manager import RuleManager
    from watchdog.rules.metrics import RuleMetrics

__all__ = [
    "LoggingSink",
    "build_rule_manager",
    "external_url",
    "generator_links",
    "query_limits",
]


class LoggingSink:
    """The sink used until delivery is wired: every notification becomes one log line."""

    def __init__(self) -> None:
        self._log = get_logger("alerts")

    async def send(self, group: str, notifications: Sequence[Notification]) -> None:
        """Log each notification."""
        for note in notifications:
            self._log.info(
                "notification",
                group=group,
                status=note.status,
                alertname=note.alertname,
                labels=dict(note.labels),
                starts_at=note.starts_at,
                ends_at=note.ends_at,
            )


def external_url(config: LoadedConfig, listen: str) -> str:
    """``server.external_url``, else ``http://host:port`` of the listen address."""
    if config.model.server.external_url:
        return config.model.server.external_url.rstrip("/")
    host, port = split_listen(listen)
    if host in ("0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = socket.gethostname()
    return f"http://{host}:{port}"


def generator_links(config: LoadedConfig) -> GeneratorLinks:
    """Where ``generatorURL`` points: ``alerting.generator_url``, else the configured
    ``server.external_url`` (never a derived address that may not be reachable)."""
    return GeneratorLinks(
        prometheus=config.model.alerting.generator_url or "",
        daemon=config.model.server.external_url or "",
    )


def query_limits(config: LoadedConfig) -> EvalLimits:
    """The bounds of every rule query, from ``global.query_timeout``/``query_max_samples``."""
    return EvalLimits(
        max_samples=config.global_.query_max_samples, timeout=config.global_.query_timeout
    )


def build_rule_manager(
    config: LoadedConfig,
    *,
    store: SampleStore,
    metrics: RuleMetrics,
    health: LoopHealth,
    clock: Clock,
    state_dir: Path,
    listen: str,
    sink: AlertSink | None = None,
) -> RuleManager:
    """Load the config's rule files (raising ``ConfigError``) and build the manager."""
    from watchdog.rules.manager import RuleManager  # here: ``once`` needs only the helpers above

    groups = load_rule_files(config.rule_paths)
    longest_probe = max((t.interval for t in config.targets), default=0.0)
    manager = RuleManager(
        store=store,
        sink=sink or LoggingSink(),
        metrics=metrics,
        health=health,
        clock=clock,
        default_interval=config.global_.evaluation_interval,
        external_labels=config.external_labels,
        external_url=external_url(config, listen),
        resend_delay=config.model.alerting.resend_delay,
        state_dir=state_dir,
        restore_hold=2 * longest_probe,
        limits=query_limits(config),
        links=generator_links(config),
    )
    manager.apply(groups)
    return manager
